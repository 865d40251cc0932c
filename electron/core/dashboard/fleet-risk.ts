/**
 * The Dashboard's figures: machines by state, the riskiest updates and machines, KEV exposure, and the daily
 * trend. The trend keeps one row per local day, upserted whenever the inventory changes, for a year.
 */
import type { DashboardSummary, MachineState, RiskBand, TrendPoint } from '../../../shared/contract';
import type { Db } from '../db/open';
import { readOpenUpdates, type OpenUpdateTable } from '../intel/open-update-cases';

export const TOP_N = 5;
export const TREND_DAYS = 365;
/** A machine whose last deployment ended like this needs the user to look at it. */
const ATTENTION = new Set(['failed', 'rolled-back', 'rollback-failed', 'interrupted']);

/** The local calendar day of a time, YYYY-MM-DD. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Each machine with what its state is decided from; its last deployment through deployment_targets_host. */
export const HOST_STATE_SQL = `SELECT h.id, COALESCE(h.display_name, h.hostname, h.address) AS label, h.reachability, h.last_assessed_at,
         (SELECT t.state FROM deployment_targets t WHERE t.host_id = h.id ORDER BY t.deployment_id DESC LIMIT 1) AS last_deploy
  FROM hosts h`;

export type FleetRisk = Omit<DashboardSummary, 'trend'> & { today: Omit<TrendPoint, 'day'> };

/** `open`: the open updates already read (and scored at `now`), when a page has them. */
export function fleetRisk(db: Db, now = Date.now(), open?: OpenUpdateTable): FleetRisk {
  const hosts = db
    .prepare(HOST_STATE_SQL)
    .all() as { id: number; label: string; reachability: 'up' | 'down' | 'unknown'; last_assessed_at: number | null; last_deploy: string | null }[];
  const t = open ?? readOpenUpdates(db, now);
  const perHost = new Map<number, { score: number; band: RiskBand; open: number; kev: Set<string>; atRisk: boolean }>();
  const perUpdate = new Map<string, DashboardSummary['topUpdates'][number]>();
  // Per case: its package-and-version key (one string per case, not per row).
  const keys = t.cases.map((c) => `${c.package}\u0000${c.candidateVersion}`);
  const kevCves = new Set<string>();
  let critical = 0;
  let high = 0;
  for (let i = 0; i < t.length; i++) {
    const hostId = t.hostId[i]!;
    const c = t.caseOf[i]!;
    const u = t.cases[c]!;
    if (u.band === 'critical') critical++;
    else if (u.band === 'high') high++;
    for (const cve of u.kevCves) kevCves.add(cve);
    let h = perHost.get(hostId);
    if (!h) perHost.set(hostId, (h = { score: -1, band: 'low' as RiskBand, open: 0, kev: new Set<string>(), atRisk: false }));
    h.open++;
    if (u.score > h.score) Object.assign(h, { score: u.score, band: u.band });
    for (const cve of u.kevCves) h.kev.add(cve);
    // At risk: with an open finding, as the report counts a machine not compliant.
    h.atRisk ||= u.finding;
    const key = keys[c]!;
    const g = perUpdate.get(key);
    if (!g) perUpdate.set(key, { package: u.package, candidateVersion: u.candidateVersion, score: u.score, band: u.band, machines: 1, kevCves: [...u.kevCves] });
    else {
      g.machines++;
      if (u.score > g.score) Object.assign(g, { score: u.score, band: u.band });
      for (const cve of u.kevCves) if (!g.kevCves.includes(cve)) g.kevCves.push(cve);
    }
  }
  const states: Record<MachineState, number> = { 'needs-attention': 0, unreachable: 0, 'not-assessed': 0, 'kev-exposed': 0, 'updates-pending': 0, 'up-to-date': 0 };
  for (const h of hosts) states[stateOf(h, perHost.get(h.id))]++;
  const labels = new Map(hosts.map((h) => [h.id, h.label]));
  const topMachines = [...perHost.entries()]
    .map(([hostId, h]) => ({ hostId, label: labels.get(hostId) ?? String(hostId), score: h.score, band: h.band, openUpdates: h.open, kevCves: h.kev.size }))
    .sort((a, b) => b.score - a.score || b.kevCves - a.kevCves || a.label.localeCompare(b.label))
    .slice(0, TOP_N);
  const topUpdates = [...perUpdate.values()]
    .sort((a, b) => b.score - a.score || b.machines - a.machines || a.package.localeCompare(b.package))
    .slice(0, TOP_N)
    .map((u) => ({ ...u, kevCves: u.kevCves.sort() }));
  const kevMachines = [...perHost.values()].filter((h) => h.kev.size > 0).length;
  return {
    machines: hosts.length,
    states,
    kev: { cves: kevCves.size, machines: kevMachines },
    topUpdates,
    topMachines,
    today: {
      machines: hosts.length,
      openUpdates: t.length,
      kevOpen: kevCves.size,
      critical,
      high,
      machinesAtRisk: [...perHost.values()].filter((h) => h.atRisk).length,
    },
  };
}

function stateOf(h: { reachability: string; last_assessed_at: number | null; last_deploy: string | null }, risk: { open: number; kev: Set<string> } | undefined): MachineState {
  if (h.last_deploy && ATTENTION.has(h.last_deploy)) return 'needs-attention';
  if (h.reachability === 'down') return 'unreachable';
  if (h.last_assessed_at === null) return 'not-assessed';
  if (risk && risk.kev.size > 0) return 'kev-exposed';
  if (risk && risk.open > 0) return 'updates-pending';
  return 'up-to-date';
}

/** Upserts today's row and drops rows older than a year. */
export function recordTrend(db: Db, today: Omit<TrendPoint, 'day'>, now = Date.now()): void {
  db.transaction(() => {
    db.prepare(
      `INSERT INTO fleet_trend (day, machines, open_updates, kev_open, critical, high, machines_at_risk, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (day) DO UPDATE SET machines = excluded.machines, open_updates = excluded.open_updates, kev_open = excluded.kev_open,
         critical = excluded.critical, high = excluded.high, machines_at_risk = excluded.machines_at_risk, updated_at = excluded.updated_at`,
    ).run(localDay(now), today.machines, today.openUpdates, today.kevOpen, today.critical, today.high, today.machinesAtRisk, now);
    db.prepare('DELETE FROM fleet_trend WHERE day < ?').run(localDay(now - TREND_DAYS * 86_400_000));
  })();
}

export function listTrend(db: Db): TrendPoint[] {
  return db
    .prepare(
      `SELECT day, machines, open_updates AS openUpdates, kev_open AS kevOpen, critical, high, machines_at_risk AS machinesAtRisk
       FROM fleet_trend ORDER BY day`,
    )
    .all() as TrendPoint[];
}

/** The Dashboard: the figures now, and the trend with today's row brought up to date. */
export function dashboardSummary(db: Db, now = Date.now(), open?: OpenUpdateTable): DashboardSummary {
  const { today, ...risk } = fleetRisk(db, now, open);
  recordTrend(db, today, now);
  return { ...risk, trend: listTrend(db) };
}

/**
 * Records today's figures after the inventory changes (assessments, deployments, approvals, feeds), at most
 * once per `delayMs` however many changes arrive. Returns the stop function.
 */
export function startTrendRecorder(
  db: Db,
  events: { subscribe(fn: (e: { name: string }) => void): () => void },
  delayMs = 2000,
  clock: () => number = Date.now,
): () => void {
  let timer: NodeJS.Timeout | null = null;
  const unsubscribe = events.subscribe((e) => {
    if (e.name !== 'inventory/changed' || timer) return;
    timer = setTimeout(() => {
      timer = null;
      try {
        const now = clock();
        recordTrend(db, fleetRisk(db, now).today, now);
      } catch (err) {
        // The trend misses a point; the next change records it again. Say so where it can be read.
        console.error(`Could not record the fleet trend: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, delayMs);
    timer.unref();
  });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
