/**
 * What the Machines table shows, as pure functions of the inventory: each cell's text (the same text the CSV
 * export writes, so the file holds exactly what is on screen), search, sorting and grouping by tag.
 */
import type { Host, MachineRisk } from '../../../shared/contract';
import { toCsv } from '../../../shared/csv';
import { hostLabel } from '../../../shared/host-label';
import { machineProblems } from '../../../shared/machine-state';
import { ago, OS_LABEL, REACHABILITY_LABEL } from '../format';

export const COLUMNS = ['name', 'address', 'os', 'state', 'lastSeen', 'updates', 'risk', 'tags', 'criticality'] as const;
export type ColumnKey = (typeof COLUMNS)[number];

export const COLUMN_TITLE: Readonly<Record<ColumnKey, string>> = {
  name: 'Name',
  address: 'Address',
  os: 'OS',
  state: 'State',
  lastSeen: 'Last seen',
  updates: 'Updates',
  risk: 'Risk',
  tags: 'Tags',
  criticality: 'Criticality',
};

export interface SortSpec {
  key: ColumnKey;
  dir: 'asc' | 'desc';
}

export interface ViewContext {
  risks: ReadonlyMap<number, MachineRisk>;
  /** The clock "last seen" is relative to; the current time when not given. */
  now?: number | undefined;
}

export function osText(h: Host): string {
  return [OS_LABEL[h.osFamily], h.osName].filter(Boolean).join(' · ');
}

/** The state a row shows: the first thing in the way (with its reason), else whether it answered. */
export function stateText(h: Host): { label: string; reason: string | null; problem: boolean } {
  const p = machineProblems(h)[0];
  return p ? { label: p.label, reason: p.reason, problem: true } : { label: REACHABILITY_LABEL[h.reachability], reason: null, problem: false };
}

export function updatesText(h: Host, risk: MachineRisk | undefined): string {
  const parts: string[] = [];
  if (h.lastAssessedAt === null) {
    if (!h.lastError) parts.push('not assessed');
  } else {
    parts.push(String(h.pendingCount));
    if ((risk?.findings ?? 0) > 0) parts.push(`${risk!.findings} finding${risk!.findings === 1 ? '' : 's'}`);
    if (h.rebootRequired) parts.push('reboot');
  }
  if (h.lastError) parts.push('failed');
  return parts.join(' · ');
}

export function riskText(risk: MachineRisk | undefined): string {
  return !risk || risk.openUpdates === 0 ? '—' : `${risk.score} ${risk.band}`;
}

/** Each column's text for one machine, as shown and as exported. */
export function cellText(h: Host, key: ColumnKey, ctx: ViewContext): string {
  const risk = ctx.risks.get(h.id);
  switch (key) {
    case 'name': return hostLabel(h);
    case 'address': return h.address;
    case 'os': return osText(h);
    case 'state': {
      const s = stateText(h);
      return s.reason ? `${s.label}: ${s.reason}` : s.label;
    }
    case 'lastSeen': return ago(h.lastSeen, ctx.now);
    case 'updates': return updatesText(h, risk);
    case 'risk': return riskText(risk);
    case 'tags': return h.tags.join(', ');
    case 'criticality': return risk?.criticality ?? h.criticality;
  }
}

/** Matches every word of the query against the name (and host name), address, OS and tags. */
export function matchesSearch(h: Host, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = [hostLabel(h), h.hostname ?? '', h.address, osText(h), h.osVersion ?? '', ...h.tags].join('\n').toLowerCase();
  return words.every((w) => hay.includes(w));
}

const CRITICALITY_RANK = { low: 0, normal: 1, high: 2, critical: 3 } as const;

/** Dotted quads compare by number (10.0.0.9 before 10.0.0.10); names after addresses, alphabetically. */
function addressKey(a: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  return m ? `0${m.slice(1).map((n) => n.padStart(3, '0')).join('.')}` : `1${a.toLowerCase()}`;
}

function sortValue(h: Host, key: ColumnKey, ctx: ViewContext): string | number {
  const risk = ctx.risks.get(h.id);
  switch (key) {
    case 'address': return addressKey(h.address);
    // Machines with a problem first, then not answering, not checked, answering.
    case 'state': return stateText(h).problem ? 0 : { down: 1, unknown: 2, up: 3 }[h.reachability];
    case 'lastSeen': return h.lastSeen ?? -1;
    case 'updates': return h.lastAssessedAt === null ? -1 : h.pendingCount;
    case 'risk': return risk && risk.openUpdates > 0 ? risk.score : -1;
    case 'criticality': return CRITICALITY_RANK[risk?.criticality ?? h.criticality];
    default: return cellText(h, key, ctx).toLowerCase();
  }
}

/** A stable sort: equal rows keep their order, then by address, so the table never shuffles. */
export function sortHosts(hosts: readonly Host[], sort: SortSpec, ctx: ViewContext): Host[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  const keyed = hosts.map((h) => ({ h, v: sortValue(h, sort.key, ctx), a: addressKey(h.address) }));
  keyed.sort((x, y) => {
    const c = typeof x.v === 'number' && typeof y.v === 'number' ? x.v - y.v : String(x.v).localeCompare(String(y.v));
    return c !== 0 ? sign * c : x.a.localeCompare(y.a);
  });
  return keyed.map((k) => k.h);
}

export interface HostGroup {
  /** The tag, or null for the machines without one. */
  tag: string | null;
  hosts: Host[];
}

/** One group per tag, alphabetically, then the untagged; a machine with two tags is in both groups. */
export function groupByTag(hosts: readonly Host[]): HostGroup[] {
  const groups = new Map<string, Host[]>();
  const untagged: Host[] = [];
  for (const h of hosts) {
    if (h.tags.length === 0) untagged.push(h);
    for (const t of h.tags) groups.set(t, [...(groups.get(t) ?? []), h]);
  }
  const out: HostGroup[] = [...groups.keys()].sort((a, b) => a.localeCompare(b)).map((tag) => ({ tag, hosts: groups.get(tag)! }));
  if (untagged.length > 0) out.push({ tag: null, hosts: untagged });
  return out;
}

export const UNTAGGED = '(no tag)';

/** The rows on screen as CSV: the same columns and texts, a Group column first when grouped by tag. */
export function machinesCsv(groups: readonly HostGroup[], grouped: boolean, ctx: ViewContext): string {
  const header = [...(grouped ? ['Group'] : []), ...COLUMNS.map((k) => COLUMN_TITLE[k])];
  const rows = groups.flatMap((g) => g.hosts.map((h) => [...(grouped ? [g.tag ?? UNTAGGED] : []), ...COLUMNS.map((k) => cellText(h, k, ctx))]));
  return toCsv(header, rows);
}
