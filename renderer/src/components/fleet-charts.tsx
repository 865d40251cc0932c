/**
 * The Dashboard's charts as plain SVG: colours come from classes in styles.css (no inline styles), every
 * chart has a title and a description, and its numbers are also written out as text.
 */
import { useId } from 'react';
import type { MachineState, TrendPoint } from '../../../shared/contract';

export const STATE_LABEL: Record<MachineState, string> = {
  'needs-attention': 'need attention after a deployment',
  unreachable: 'not answering',
  'not-assessed': 'not assessed yet',
  'kev-exposed': 'exposed to known exploited vulnerabilities',
  'updates-pending': 'with updates pending',
  'up-to-date': 'up to date',
};
const STATE_ORDER: readonly MachineState[] = ['needs-attention', 'unreachable', 'not-assessed', 'kev-exposed', 'updates-pending', 'up-to-date'];

/** One bar split by state, with the counts listed beside it. */
export function StateBar(props: { states: Record<MachineState, number> }) {
  const id = useId();
  const total = STATE_ORDER.reduce((n, s) => n + props.states[s], 0);
  const text = STATE_ORDER.filter((s) => props.states[s] > 0).map((s) => `${props.states[s]} ${STATE_LABEL[s]}`);
  let x = 0;
  return (
    <figure className="chart state-bar">
      <svg viewBox="0 0 600 24" preserveAspectRatio="none" role="img" aria-labelledby={`${id}-t ${id}-d`} className="chart-svg chart-bar">
        <title id={`${id}-t`}>Machines by state</title>
        <desc id={`${id}-d`}>{`${total} machines: ${text.join(', ')}.`}</desc>
        {total > 0 &&
          STATE_ORDER.map((s) => {
            const w = (props.states[s] / total) * 600;
            const rect = w > 0 ? <rect key={s} x={x} y={0} width={w} height={24} className={`fill-${s}`} /> : null;
            x += w;
            return rect;
          })}
      </svg>
      <ul className="chart-legend">
        {STATE_ORDER.map((s) => (
          <li key={s}>
            <span className={`swatch fill-${s}`} aria-hidden="true" />
            <strong>{props.states[s]}</strong> {STATE_LABEL[s]}
          </li>
        ))}
      </ul>
    </figure>
  );
}

export type TrendSeries = 'openUpdates' | 'kevOpen' | 'critical' | 'high' | 'machinesAtRisk';
export const SERIES: readonly { key: TrendSeries; label: string }[] = [
  { key: 'openUpdates', label: 'open updates' },
  { key: 'critical', label: 'critical' },
  { key: 'high', label: 'high' },
  { key: 'kevOpen', label: 'KEV-listed CVEs open' },
  { key: 'machinesAtRisk', label: 'machines at risk' },
];

const W = 600;
const H = 200;
const PAD = { left: 40, right: 10, top: 10, bottom: 24 };

function dayMs(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1);
}

/** The fleet's daily figures as lines over time; days without a change have no row and are bridged. */
export function TrendChart(props: { points: readonly TrendPoint[] }) {
  const id = useId();
  const pts = props.points;
  const first = pts[0];
  const last = pts[pts.length - 1];
  if (!first || !last) return null;
  const t0 = dayMs(first.day);
  const span = Math.max(1, dayMs(last.day) - t0);
  const max = Math.max(1, ...pts.flatMap((p) => SERIES.map((s) => p[s.key])));
  const xOf = (p: TrendPoint): number => PAD.left + ((dayMs(p.day) - t0) / span) * (W - PAD.left - PAD.right);
  const yOf = (v: number): number => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const change = SERIES.map((s) => (pts.length > 1 ? `${s.label} from ${first[s.key]} to ${last[s.key]}` : `${s.label} ${last[s.key]}`));
  return (
    <figure className="chart trend">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t ${id}-d`} className="chart-svg chart-trend">
        <title id={`${id}-t`}>Fleet risk over time</title>
        <desc id={`${id}-d`}>{`${pts.length > 1 ? `From ${first.day} to ${last.day}` : `On ${last.day}`}: ${change.join('; ')}.`}</desc>
        <line x1={PAD.left} x2={W - PAD.right} y1={yOf(0)} y2={yOf(0)} className="axis" />
        <line x1={PAD.left} x2={W - PAD.right} y1={yOf(max)} y2={yOf(max)} className="grid-line" />
        <text x={PAD.left - 6} y={yOf(0)} className="axis-label end">
          0
        </text>
        <text x={PAD.left - 6} y={yOf(max) + 4} className="axis-label end">
          {max}
        </text>
        <text x={PAD.left} y={H - 6} className="axis-label">
          {first.day}
        </text>
        {pts.length > 1 && (
          <text x={W - PAD.right} y={H - 6} className="axis-label end">
            {last.day}
          </text>
        )}
        {SERIES.map((s) => (
          <g key={s.key} className={`series series-${s.key}`}>
            {pts.length > 1 && <polyline points={pts.map((p) => `${xOf(p).toFixed(1)},${yOf(p[s.key]).toFixed(1)}`).join(' ')} />}
            <circle cx={xOf(last)} cy={yOf(last[s.key])} r={3} />
          </g>
        ))}
      </svg>
      <ul className="chart-legend">
        {SERIES.map((s) => (
          <li key={s.key}>
            <span className={`swatch series-${s.key}`} aria-hidden="true" />
            {s.label}: <strong>{last[s.key]}</strong>
            {pts.length > 1 && first[s.key] !== last[s.key] && <span className="hint"> (was {first[s.key]} on {first.day})</span>}
          </li>
        ))}
      </ul>
      <details>
        <summary>The figures, day by day</summary>
        <table className="grid trend-table" aria-label="Fleet risk by day">
          <thead>
            <tr>
              <th>Day</th>
              {SERIES.map((s) => (
                <th key={s.key}>{s.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...pts].reverse().slice(0, 60).map((p) => (
              <tr key={p.day}>
                <td>{p.day}</td>
                {SERIES.map((s) => (
                  <td key={s.key}>{p[s.key]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
