/** Runs make-osv-zip.py (Python's zipfile: an independent ZIP and ZIP64 writer) for tests and the bench. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'make-osv-zip.py');

export interface MakeOsvZipOptions {
  /** Pad each advisory's details to about this many bytes of JSON. */
  pad?: number;
  /** ZIP64 extra fields on every entry, not only past 65,535 entries. */
  forceZip64?: boolean;
  store?: boolean;
  /** One-line text entries instead of advisories. */
  tiny?: boolean;
}

export function makeOsvZip(out: string, count: number, options: MakeOsvZipOptions = {}): void {
  const args = [SCRIPT, out, String(count)];
  if (options.pad) args.push('--pad', String(options.pad));
  if (options.forceZip64) args.push('--force-zip64');
  if (options.store) args.push('--store');
  if (options.tiny) args.push('--tiny');
  execFileSync('python3', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
