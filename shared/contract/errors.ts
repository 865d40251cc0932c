/**
 * Errors cross the boundary as plain `{name, message, code}` objects and are rebuilt on the other side,
 * so the renderer can branch on `code` without parsing messages.
 */
import { z } from 'zod';

export const errorCode = z.enum([
  'bad-request',
  'unknown-call',
  'not-found',
  'conflict',
  'unavailable',
  'cancelled',
  'internal',
]);
export type ErrorCode = z.infer<typeof errorCode>;

export const wireError = z.object({
  name: z.string().max(100),
  message: z.string().max(4000),
  code: errorCode,
  /** Per-field messages for forms, keyed by a dotted path. */
  fields: z.record(z.string(), z.string()).optional(),
});
export type WireError = z.infer<typeof wireError>;

/** An error the core means the user to read. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, fields?: Record<string, string>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.fields = fields;
  }
}

export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) {
    return { name: err.name, message: err.message, code: err.code, ...(err.fields ? { fields: err.fields } : {}) };
  }
  // Unexpected errors keep their message (it is ours, and secrets are never put in messages) but not their stack.
  const message = err instanceof Error ? err.message : String(err);
  return { name: 'InternalError', message: message.slice(0, 4000), code: 'internal' };
}

export function fromWireError(value: unknown): AppError {
  const parsed = wireError.safeParse(value);
  if (!parsed.success) return new AppError('internal', 'The core sent a malformed error');
  const err = new AppError(parsed.data.code, parsed.data.message, parsed.data.fields);
  err.name = parsed.data.name;
  return err;
}

/** Turns a zod failure into per-field messages a form can show beside its inputs. */
export function fieldsFromZod(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_';
    if (!(key in fields)) fields[key] = issue.message;
  }
  return fields;
}
