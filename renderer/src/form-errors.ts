import { AppError } from '../../shared/contract';

/**
 * The core's per-field messages, keyed by the form's field names ("tags.2" shows on "tags"); anything else
 * under "_" for a message at the foot of the form.
 */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  if (err instanceof AppError && err.fields) {
    const mapped: Record<string, string> = {};
    for (const [k, v] of Object.entries(err.fields)) mapped[k.split('.')[0]!] ??= v;
    return mapped;
  }
  return { _: err instanceof Error ? err.message : String(err) };
}
