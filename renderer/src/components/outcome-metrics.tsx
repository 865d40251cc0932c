import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useOutcomesStore } from '../stores/outcomes-store';

const PERIODS = [7, 30, 90, 365] as const;

/** Seconds as people read a duration. */
export function duration(s: number | null): string {
  if (s === null) return 'n/a';
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const days = (n: number | null): string => (n === null ? 'n/a' : `${n} d`);

function Figure({ label, value, how }: { label: string; value: string; how: string }) {
  return (
    <div className="outcome">
      <div className="card">
        <div className="card-value">{value}</div>
        <div className="card-label">{label}</div>
      </div>
      <p className="hint how">{how}</p>
    </div>
  );
}

/** How deployments turned out over a period, each figure with how it is computed. */
export function OutcomeMetricsSection() {
  const { days: period, metrics: o, error } = useOutcomesStore(useShallow((s) => ({ days: s.days, metrics: s.metrics, error: s.error })));
  useEffect(() => {
    void useOutcomesStore.getState().load();
  }, []);
  return (
    <section aria-label="Outcomes" className="dash-section">
      <h2>
        Outcomes over the last{' '}
        <select aria-label="Outcome period" value={period} onChange={(e) => void useOutcomesStore.getState().load(Number(e.target.value))}>
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              {p} days
            </option>
          ))}
        </select>
      </h2>
      {error && (
        <div className="banner error" role="alert">
          Could not read the outcomes: {error}
        </div>
      )}
      {o && (
        <>
          <Figure
            label="first-time success rate"
            value={o.firstTimeSuccess.pct === null ? 'n/a' : `${o.firstTimeSuccess.pct}% (${o.firstTimeSuccess.firstTime} of ${o.firstTimeSuccess.machines})`}
            how={o.firstTimeSuccess.how}
          />
          <Figure
            label="deployment time per machine: median / slowest"
            value={`${duration(o.deployTime.medianSeconds)} / ${o.deployTime.slowest ? `${duration(o.deployTime.slowest.seconds)} (${o.deployTime.slowest.hostLabel})` : 'n/a'}`}
            how={o.deployTime.how}
          />
          <Figure
            label="detection to fix: mean / p90 (KEV: mean / p90)"
            value={`${days(o.detectionToFix.all.meanDays)} / ${days(o.detectionToFix.all.p90Days)} (KEV ${days(o.detectionToFix.kev.meanDays)} / ${days(o.detectionToFix.kev.p90Days)})`}
            how={o.detectionToFix.how}
          />
          <Figure
            label="rollbacks by cause"
            value={`${o.rollbacksByCause.total}${o.rollbacksByCause.causes.length ? `: ${o.rollbacksByCause.causes.map((c) => `${c.count} ${c.cause}`).join(', ')}` : ''}`}
            how={o.rollbacksByCause.how}
          />
          <Figure label="days of exposure to known-exploited findings" value={`${o.kevExposure.totalDays} d (${o.kevExposure.findings.length} findings)`} how={o.kevExposure.how} />
          {o.kevExposure.findings.length > 0 && (
            <table className="kev-exposure" aria-label="Exposure of every known-exploited finding">
              <thead>
                <tr>
                  <th>Machine</th>
                  <th>Package</th>
                  <th>KEV CVEs</th>
                  <th>Fixed</th>
                  <th>Days</th>
                </tr>
              </thead>
              <tbody>
                {o.kevExposure.findings.slice(0, 50).map((f, i) => (
                  <tr key={i}>
                    <td>{f.host}</td>
                    <td>
                      {f.package} → {f.fixedIn}
                    </td>
                    <td>{f.cves.join(', ')}</td>
                    <td>{f.resolvedAt === null ? 'open' : new Date(f.resolvedAt).toLocaleDateString()}</td>
                    <td>{f.days}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
