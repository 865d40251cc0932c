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

/*
 * Between main and the core's utility process only. Main's first message hands over the vault key (so it
 * never sits in the environment or on a command line); the core asks main to print reports to PDF with
 * Electron's Chromium, which it cannot reach itself, and main answers by id.
 */
export const coreInitMessage = z.object({
  type: z.literal('init'),
  /** The vault's master key in base64, unwrapped from the system keychain; null when there is none. */
  vaultKey: z.string().max(100).nullable(),
});
export type CoreInitMessage = z.infer<typeof coreInitMessage>;

export const shutdownMessage = z.literal('shutdown');

export const printPdfRequest = z.object({
  type: z.literal('print-pdf'),
  id: z.number().int().nonnegative(),
  /** Absolute paths inside the data folder's reports/ (main checks that again before printing). */
  htmlFile: z.string().min(1).max(4096),
  pdfFile: z.string().min(1).max(4096),
});
export type PrintPdfRequest = z.infer<typeof printPdfRequest>;

export const printPdfResult = z.union([
  z.object({ type: z.literal('print-pdf-result'), id: z.number().int().nonnegative(), ok: z.literal(true) }),
  z.object({ type: z.literal('print-pdf-result'), id: z.number().int().nonnegative(), ok: z.literal(false), error: wireError }),
]);
export type PrintPdfResult = z.infer<typeof printPdfResult>;

/** What the core's utility process may send main: answers, events, and print requests. */
export const utilityMessage = z.union([responseMessage, eventMessage, printPdfRequest]);

/** What main may send the core's utility process. */
export const mainMessage = z.union([coreInitMessage, shutdownMessage, requestMessage, printPdfResult]);
