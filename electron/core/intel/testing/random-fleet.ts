/**
 * Random fleets for the tests that compare a faster page build with the per-row or former one it replaced: the same
 * fleet for a seed on every run.
 */
import { openDatabase, type Db } from '../../db/open';

const DAY = 86_400_000;

/** A fixed pseudo-random sequence (the same fleet on every run). */
export function sequence(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    // The high bits: an LCG's low bits repeat with a short period.
    return Math.floor((x / 2_147_483_648) * n);
  };
}

// Notes and installed versions follow machine and package, not the sequence: a package's rows differ in both.
const NOTES = [null, null, null, null, null, 'a rollback cannot bring the old version back', null, 'needs a restart'];

/**
 * 60 machines of every profile (criticality, exposure by itself or by a tag, open ports, platforms, labels that
 * repeat), each with open and fixed updates: two architectures of a package that can differ in urgency, CVEs
 * that are KEV-listed, with EPSS or with an earlier fix, detection dates from a year ago to tomorrow (and ties
 * in score everywhere, so the order of equals is tested too), some approved, some with a note, installed versions
 * that differ.
 */
export function randomFleet(seed: number, now: number): Db {
  const db = openDatabase(':memory:');
  const r = sequence(seed);
  const crit = ['low', 'normal', 'high', 'critical'];
  const tagSets = ['[]', '["dmz"]', '["office"]', '["office","db"]', '["lab"]'];
  const host = db.prepare(
    `INSERT INTO hosts (address, hostname, display_name, criticality, exposed, tags, open_ports, platform, reachability, last_assessed_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)`,
  );
  for (let m = 0; m < 60; m++) {
    host.run(
      `127.0.1.${m + 1}`,
      r(3) === 0 ? null : `pc-${r(20)}`,
      r(4) === 0 ? `Desk ${r(5)}` : null,
      crit[r(4)],
      r(5) === 0 ? 1 : 0,
      tagSets[r(tagSets.length)],
      ['[]', '[22]', '[22,443]', '[3389]'][r(4)],
      [null, 'debian-12', 'ubuntu-24.04'][r(3)],
      ['up', 'down', 'unknown'][r(3)],
      r(6) === 0 ? null : now - DAY,
    );
  }
  db.prepare(`INSERT INTO tag_profiles (tag, criticality, exposed, updated_at) VALUES ('dmz', NULL, 1, 1), ('db', 'critical', 0, 1)`).run();
  const cves = Array.from({ length: 25 }, (_, i) => `CVE-2025-${1000 + i}`);
  const kev = db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES (?, 'v', 'p', 'n', '2025-01-01', NULL, ?)`);
  for (let i = 0; i < 25; i += 6) kev.run(cves[i], i % 12 === 0 ? 1 : 0);
  const epss = db.prepare('INSERT INTO epss (cve_id, score, percentile) VALUES (?, ?, ?)');
  for (let i = 1; i < 25; i += 4) epss.run(cves[i], (i % 10) / 10, 0.5);
  const osv = db.prepare(`INSERT INTO osv_fixes (advisory_id, cve_id, ecosystem, package, fixed_version, published_at, modified_at, cvss_version, cvss_score) VALUES (?, ?, 'Debian', 'p', '1', ?, 1, ?, ?)`);
  for (let i = 2; i < 25; i += 5) osv.run(`DSA-${i}`, cves[i], now - (30 + i) * DAY, i % 2 ? '3.1' : null, i % 2 ? 7.5 : null);

  const upd = db.prepare(
    `INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, source, is_security, urgency, detected_at, resolved_at, note)
     VALUES (?, ?, ?, ?, ?, 's', ?, ?, ?, ?, ?)`,
  );
  const adv = db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, 'changelog')`);
  const approve = db.prepare(`INSERT OR IGNORE INTO approvals (host_id, package, arch, from_version, to_version, approved_by, approved_at) VALUES (?, ?, ?, ?, ?, 'me', 1)`);
  const urgencies = [null, 'low', 'medium', 'high', 'critical'];
  // Machines in a shuffled order, so row ids do not follow machine ids.
  const order = Array.from({ length: 60 }, (_, i) => i + 1).sort((a, b) => ((a * 37) % 61) - ((b * 37) % 61));
  for (const m of order) {
    for (let p = 0; p < 30; p++) {
      if (r(3) === 0) continue;
      const pkg = `pkg-${String.fromCharCode(97 + (p % 26))}${p >= 26 ? 'X' : ''}`;
      const version = `2.${p % 3}`;
      const arches = p % 5 === 0 ? ['amd64', 'i386'] : ['amd64'];
      for (const arch of arches) {
        const resolved = r(8) === 0 ? now - DAY : null;
        const detected = r(10) === 0 ? now + DAY : now - r(365) * DAY - r(DAY);
        const id = Number(upd.run(m, pkg, arch, r(5) === 0 ? null : m % 3 === 0 ? '0.9' : '1.0', version, r(3) === 0 ? 1 : 0, urgencies[(p + r(2)) % 5], detected, resolved, NOTES[(m + p) % NOTES.length]).lastInsertRowid);
        for (let c = r(4); c > 0; c--) adv.run(id, cves[(p * 3 + c * 7) % 25]);
        if (r(6) === 0) approve.run(m, pkg, arch, '1.0', version);
      }
    }
  }
  db.prepare(`INSERT INTO policy_blocks (kind, name, tag, reason, created_at) VALUES ('package', 'pkg-c', '', 'breaks the till', 1), ('package', 'pkg-d', 'office', 'office only', 1)`).run();
  db.prepare(
    `INSERT INTO version_events (package, version, platform, kind, event, cause, host_label, at) VALUES ('pkg-e', '2.1', 'debian-12', 'bad', 'install-failed', 'dpkg failed', 'x', 1)`,
  ).run();
  return db;
}

