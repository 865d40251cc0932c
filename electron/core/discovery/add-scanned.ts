/** Adding machines a scan found to the inventory, with what the scan saw about each. */
import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import type { Db } from '../db/open';
import { insertHost } from '../machines/machine-queries';
import { findHostByAddress, linkResultToHost, listResults, recordScanFacts } from './discovery-queries';

/**
 * Adds the given addresses of a scan, in one transaction: an address the scan did not find refuses the whole
 * request; one it found missing, or already in the inventory, is passed over. Returns the new machines' ids.
 */
export function addScannedHosts(db: Db, scanId: number, addresses: readonly string[], tags: readonly string[]): number[] {
  return db.transaction(() => {
    const results = new Map(listResults(db, scanId).map((r) => [r.address, r]));
    const added: number[] = [];
    for (const address of addresses) {
      const r = results.get(address);
      if (!r) throw new AppError('bad-request', `${address} was not found by scan ${scanId}`);
      if (r.change === 'missing' || findHostByAddress(db, address)) continue;
      // A weak guess is not written as the machine's OS: an assessment will say.
      const guess = r.osGuess && r.osGuess.confidence >= 0.5 ? r.osGuess : null;
      const h = insertHost(db, {
        address,
        hostname: r.hostnames[0] ?? null,
        osFamily: guess?.family ?? 'unknown',
        tags: [...tags],
        source: 'discovery',
        openPorts: r.openPorts,
        reachability: 'up',
      });
      recordScanFacts(db, h.id, r, scanId, guess);
      linkResultToHost(db, scanId, address, h.id);
      appendAudit(db, { actor: 'user', action: 'host.create', targetType: 'host', targetId: h.id, details: { address, from: `scan ${scanId}` } });
      added.push(h.id);
    }
    return added;
  })();
}
