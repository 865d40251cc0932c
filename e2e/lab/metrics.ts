import { hostIndexes, readRecord } from './host-record.js';
import { addressOf } from './paths.js';
import { isOurs, processTree } from './proc.js';

/** The processes of each running host (its unshare and everything in its PID namespace), for memory figures. */
export function hostProcessIds(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const index of hostIndexes()) {
    const rec = readRecord(index);
    if (rec?.proc && isOurs(rec.proc)) out.set(addressOf(index), processTree(rec.proc.pid));
  }
  return out;
}
