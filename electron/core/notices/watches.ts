/**
 * What is new since the last look: KEV exposure (a finding fixing a known-exploited CVE, intel/finding.ts) and
 * machines needing a restart. Each watch keeps what it last saw (migration 0014); what it has not seen before
 * becomes a notice, what went away is forgotten (so it is news again if it comes back). The first look of a
 * watch is silent: it records the fleet as it stands, which is not news.
 */
import { hostLabel } from '../../../shared/host-label';
import type { Db } from '../db/open';
import { findingReasons } from '../intel/finding';
import { scoreOpenUpdates } from '../intel/open-update-scores';
import type { NoticeDraft } from './notice-queries';

const NAMED = 5;

type Watch = 'kev' | 'reboot';

function firstLook(db: Db, watch: Watch, now: number): boolean {
  return db.prepare('INSERT OR IGNORE INTO notice_watch (name, since) VALUES (?, ?)').run(watch, now).changes === 1;
}

/**
 * Takes the silent first look of each watch that has not had one (a database from before notices), so that the
 * first event after an upgrade reports only what changed. Watches that have looked before are left alone: what
 * changed while no core listened (another process) is still news at the next event.
 */
export function primeWatches(db: Db, now: number): void {
  const looked = new Set((db.prepare('SELECT name FROM notice_watch').all() as { name: Watch }[]).map((r) => r.name));
  if (!looked.has('kev')) newKevNotice(db, now);
  if (!looked.has('reboot')) newRebootNotice(db, now);
}

interface Exposure {
  hostId: number;
  label: string;
  package: string;
  cveId: string;
}

const exposureKey = (e: { hostId: number; package: string; cveId: string }): string => `${e.hostId}\u0000${e.package}\u0000${e.cveId}`;

/** Open KEV exposure now: one entry per (machine, package, KEV-listed CVE the update fixes). */
function kevExposure(db: Db, now: number): Exposure[] {
  const labels = new Map(
    (db.prepare('SELECT id, display_name, hostname, address FROM hosts').all() as { id: number; display_name: string | null; hostname: string | null; address: string }[]).map(
      (h) => [h.id, hostLabel({ displayName: h.display_name, hostname: h.hostname, address: h.address })],
    ),
  );
  const out: Exposure[] = [];
  for (const u of scoreOpenUpdates(db, now)) {
    if (!findingReasons({ isSecurity: u.isSecurity, kevCves: u.kevCves, band: u.band }).includes('kev')) continue;
    for (const cveId of u.kevCves) out.push({ hostId: u.hostId, label: labels.get(u.hostId) ?? u.hostLabel, package: u.package, cveId });
  }
  return out;
}

/** Records the exposure as it stands and returns a notice for what was not exposed at the last look. */
export function newKevNotice(db: Db, now: number): NoticeDraft | null {
  const current = kevExposure(db, now);
  const silent = firstLook(db, 'kev', now);
  const before = new Set(
    (db.prepare('SELECT host_id, package, cve_id FROM notice_kev_exposure').all() as { host_id: number; package: string; cve_id: string }[]).map((r) =>
      exposureKey({ hostId: r.host_id, package: r.package, cveId: r.cve_id }),
    ),
  );
  const fresh = silent ? [] : current.filter((e) => !before.has(exposureKey(e)));
  const insert = db.prepare('INSERT OR IGNORE INTO notice_kev_exposure (host_id, package, cve_id) VALUES (?, ?, ?)');
  db.transaction(() => {
    db.prepare('DELETE FROM notice_kev_exposure').run();
    for (const e of current) insert.run(e.hostId, e.package, e.cveId);
  })();
  if (!fresh.length) return null;
  // One line per CVE: the packages that fix it and the machines exposed.
  const byCve = new Map<string, { packages: Set<string>; machines: Set<string> }>();
  for (const e of fresh) {
    const c = byCve.get(e.cveId) ?? { packages: new Set(), machines: new Set() };
    c.packages.add(e.package);
    c.machines.add(e.label);
    byCve.set(e.cveId, c);
  }
  const machines = new Set(fresh.map((e) => e.hostId));
  const cves = [...byCve.keys()].sort();
  const lines = cves.slice(0, NAMED).map((id) => {
    const c = byCve.get(id)!;
    return `${id} (${[...c.packages].sort().join(', ')}) on ${[...c.machines].sort().join(', ')}`;
  });
  if (cves.length > NAMED) lines.push(`and ${cves.length - NAMED} more CVEs`);
  return {
    kind: 'kev-new',
    severity: 'error',
    title: `New known-exploited exposure: ${cves.length} CVE${cves.length === 1 ? '' : 's'} on ${machines.size} machine${machines.size === 1 ? '' : 's'}`,
    body: ['Listed in CISA’s Known Exploited Vulnerabilities catalog, with an update available:', ...lines].join('\n'),
    target: { page: 'patches', id: null },
  };
}

interface RebootRow {
  id: number;
  display_name: string | null;
  hostname: string | null;
  address: string;
  reboot_reasons: string;
}

function reasons(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Records which machines need a restart and returns a notice for those that did not at the last look. */
export function newRebootNotice(db: Db, now: number): NoticeDraft | null {
  const silent = firstLook(db, 'reboot', now);
  const rows = db.prepare('SELECT id, display_name, hostname, address, reboot_reasons FROM hosts WHERE reboot_required = 1 ORDER BY id').all() as RebootRow[];
  const before = new Set((db.prepare('SELECT host_id FROM notice_reboot_hosts').all() as { host_id: number }[]).map((r) => r.host_id));
  const fresh = silent ? [] : rows.filter((r) => !before.has(r.id));
  const insert = db.prepare('INSERT OR IGNORE INTO notice_reboot_hosts (host_id) VALUES (?)');
  db.transaction(() => {
    db.prepare('DELETE FROM notice_reboot_hosts').run();
    for (const r of rows) insert.run(r.id);
  })();
  if (!fresh.length) return null;
  const labels = fresh.map((r) => hostLabel({ displayName: r.display_name, hostname: r.hostname, address: r.address }));
  const lines = fresh.slice(0, NAMED).map((r, i) => {
    const why = reasons(r.reboot_reasons).slice(0, 2).join('; ');
    return why ? `${labels[i]!}: ${why}` : labels[i]!;
  });
  if (fresh.length > NAMED) lines.push(`and ${fresh.length - NAMED} more`);
  return {
    kind: 'reboot-needed',
    severity: 'warning',
    title: fresh.length === 1 ? `${labels[0]!} needs a restart` : `${fresh.length} machines need a restart`,
    body: ['Updates take full effect after a restart:', ...lines].join('\n'),
    target: { page: 'machines', id: fresh.length === 1 ? fresh[0]!.id : null },
  };
}
