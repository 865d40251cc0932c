import { useMemo, useState } from 'react';
import type { Host, MachineRisk } from '../../../shared/contract';
import { hostLabel } from '../../../shared/host-label';
import {
  COLUMN_TITLE, COLUMNS, groupByTag, machinesCsv, matchesSearch, osText, riskText, sortHosts, UNTAGGED, type ColumnKey, type HostGroup, type SortSpec,
} from '../pages/machines-view';
import { ago } from '../format';
import { findingsText } from './host-updates';
import { MachineStateCell } from './machine-state-cell';
import { useMachinesStore } from '../stores/machines-store';

export interface MachinesTableProps {
  hosts: readonly Host[];
  risks: ReadonlyMap<number, MachineRisk>;
  selectedIds: readonly number[];
  detailId: number | null;
  onToggle(id: number): void;
  onSelect(ids: number[]): void;
  onOpen(id: number): void;
  /** For tests: the clock the "last seen" texts are relative to. */
  now?: number;
}

const ARIA_SORT = { asc: 'ascending', desc: 'descending' } as const;

function RiskBadge({ risk }: { risk: MachineRisk | undefined }) {
  if (!risk || risk.openUpdates === 0) return <span className="hint">{riskText(risk)}</span>;
  return (
    <span className={`badge band-${risk.band}`} title={risk.why}>
      {riskText(risk)}
    </span>
  );
}

/** The Machines table: search, sortable columns, grouping by tag, and a CSV of exactly the rows and texts shown. */
export function MachinesTable({ hosts, risks, selectedIds, detailId, onToggle, onSelect, onOpen, now }: MachinesTableProps) {
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SortSpec>({ key: 'address', dir: 'asc' });
  const [grouped, setGrouped] = useState(false);
  const ctx = useMemo(() => ({ risks, now }), [risks, now]);

  const shown = useMemo(() => sortHosts(hosts.filter((h) => matchesSearch(h, query)), sort, ctx), [hosts, query, sort, ctx]);
  const groups: HostGroup[] = useMemo(() => (grouped ? groupByTag(shown) : [{ tag: null, hosts: shown }]), [grouped, shown]);
  const shownIds = shown.map((h) => h.id);
  const allSelected = shownIds.length > 0 && shownIds.every((id) => selectedIds.includes(id));

  const sortBy = (key: ColumnKey): void =>
    setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' }));

  const saveCsv = useMachinesStore((s) => s.saveCsv);
  const exportCsv = (): void => saveCsv(machinesCsv(groups, grouped, ctx));

  const row = (h: Host, group: string | null) => {
    const risk = risks.get(h.id);
    return (
      <tr key={`${group ?? ''}:${h.id}`} className={detailId === h.id ? 'selected' : undefined} data-host-id={h.id}>
        <td>
          <input type="checkbox" aria-label={`Select ${hostLabel(h)}`} checked={selectedIds.includes(h.id)} onChange={() => onToggle(h.id)} />
        </td>
        <td>
          <button type="button" className="link" onClick={() => onOpen(h.id)}>
            {hostLabel(h)}
          </button>
        </td>
        <td>{h.address}</td>
        <td>{osText(h)}</td>
        <td>
          <MachineStateCell host={h} />
        </td>
        <td>{ago(h.lastSeen, ctx.now)}</td>
        <td>
          {h.lastAssessedAt === null ? (
            !h.lastError && <span className="hint">not assessed</span>
          ) : (
            <>
              {h.pendingCount}
              {(risk?.findings ?? 0) > 0 && <span className="badge state-failed">{findingsText(risk!.findings)}</span>}
              {h.rebootRequired && <span className="badge">reboot</span>}
            </>
          )}
          {h.lastError && (
            <span className="badge state-failed" title={h.lastError.message}>
              failed
            </span>
          )}
        </td>
        <td>
          <RiskBadge risk={risk} />
        </td>
        <td>{h.tags.join(', ')}</td>
        <td>{risk?.criticality ?? h.criticality}</td>
      </tr>
    );
  };

  return (
    <div className="machines-table">
      <div className="toolbar table-tools">
        <input
          type="search"
          aria-label="Search machines"
          placeholder="Search name, address, OS or tag"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <label>
          <input type="checkbox" checked={grouped} onChange={(e) => setGrouped(e.target.checked)} /> Group by tag
        </label>
        <button type="button" disabled={shown.length === 0} onClick={exportCsv}>
          Export CSV
        </button>
        <span className="hint" role="status">
          {shown.length === hosts.length ? `${hosts.length} machine${hosts.length === 1 ? '' : 's'}` : `${shown.length} of ${hosts.length} machines`}
        </span>
      </div>
      <table className="grid" aria-label="Machines">
        <thead>
          <tr>
            <th>
              <input
                type="checkbox"
                aria-label="Select all machines shown"
                checked={allSelected}
                onChange={() => onSelect(allSelected ? selectedIds.filter((id) => !shownIds.includes(id)) : [...new Set([...selectedIds, ...shownIds])])}
              />
            </th>
            {COLUMNS.map((key) => (
              <th key={key} aria-sort={sort.key === key ? ARIA_SORT[sort.dir] : 'none'}>
                <button type="button" className="sort" onClick={() => sortBy(key)}>
                  {COLUMN_TITLE[key]}
                  <span aria-hidden="true">{sort.key === key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        {groups.map((g) => (
          <tbody key={g.tag ?? ''} aria-label={grouped ? `Tag ${g.tag ?? UNTAGGED}` : undefined}>
            {grouped && (
              <tr className="group-row">
                <th scope="rowgroup" colSpan={COLUMNS.length + 1}>
                  {g.tag ?? UNTAGGED} ({g.hosts.length})
                </th>
              </tr>
            )}
            {g.hosts.map((h) => row(h, grouped ? g.tag : null))}
          </tbody>
        ))}
      </table>
      {shown.length === 0 && <p className="hint">No machine matches “{query}”.</p>}
    </div>
  );
}
