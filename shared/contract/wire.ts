/**
 * The messages of the WebSocket and utility-process bridges. Both carry the same three shapes, so one
 * parser guards both.
 */
import { z } from 'zod';
import { wireError } from './errors';

export const requestMessage = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  name: z.string().max(100),
  arg: z.unknown().optional(),
});
export type RequestMessage = z.infer<typeof requestMessage>;

export const responseMessage = z.union([
  z.object({ type: z.literal('result'), id: z.number().int().nonnegative(), ok: z.literal(true), value: z.unknown().optional() }),
  z.object({ type: z.literal('result'), id: z.number().int().nonnegative(), ok: z.literal(false), error: wireError }),
]);
export type ResponseMessage = z.infer<typeof responseMessage>;

export const eventMessage = z.object({ type: z.literal('event'), name: z.string().max(100), payload: z.unknown().optional() });
export type EventMessage = z.infer<typeof eventMessage>;

export const serverMessage = z.union([responseMessage, eventMessage]);
