import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { findingReasons, isCriticalFinding, isFinding, type FindingFacts } from './finding';
import { scoreOpenUpdates } from './open-update-scores';

const NOW = Date.UTC(2026, 10, 22);
const plain: FindingFacts = { isSecurity: false, kevCves: [], band: 'low' };

describe('finding', () => {
  it('is a KEV-listed, high- or critical-risk or security-source update, whatever else it is', () => {
    expect(isFinding(plain)).toBe(false);
    expect(isFinding({ ...plain, band: 'medium' })).toBe(false);
    expect(findingReasons({ ...plain, kevCves: ['CVE-2021-44228'] })).toEqual(['kev']);
    expect(findingReasons({ ...plain, band: 'high' })).toEqual(['risk']);
    expect(findingReasons({ ...plain, band: 'critical' })).toEqual(['risk']);
    expect(findingReasons({ ...plain, isSecurity: true })).toEqual(['security']);
    expect(findingReasons({ isSecurity: true, kevCves: ['CVE-2021-44228'], band: 'critical' })).toEqual(['kev', 'risk', 'security']);
  });

  it('is critical when known exploited or scored high or critical, not for its source alone', () => {
    expect(isCriticalFinding({ ...plain, isSecurity: true, band: 'medium' })).toBe(false);
    expect(isCriticalFinding({ ...plain, kevCves: ['CVE-2021-44228'] })).toBe(true);
    expect(isCriticalFinding({ ...plain, band: 'high' })).toBe(true);
  });

  it('applies to updates as the Patches page scores them: a KEV fix from a non-security repository is one', () => {
    const db = openDatabase(':memory:');
    db.prepare(`INSERT INTO hosts (id, address, created_at, updated_at) VALUES (1, '127.0.0.2', 1, 1)`).run();
    db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES ('CVE-2021-44228', 'a', 'b', 'Log4Shell', '2021-12-10', NULL, 1)`).run();
    const upd = db.prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, is_security, urgency, detected_at) VALUES (1, ?, '1', '2', ?, ?, ?)`);
    const kev = Number(upd.run('liblog', 0, null, NOW).lastInsertRowid);
    db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, 'CVE-2021-44228', 'changelog')`).run(kev);
    upd.run('zlib', 1, 'low', NOW);
    upd.run('tzdata', 0, 'high', NOW);
    const found = Object.fromEntries(scoreOpenUpdates(db, NOW).map((u) => [u.package, findingReasons(u)]));
    expect(found).toEqual({ liblog: ['kev', 'risk'], zlib: ['security'], tzdata: [] });
  });
});
