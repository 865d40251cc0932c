/** The outcome metrics as CSV rows (metric, value, detail, how): one row per figure, per KEV finding, per cause. */
import type { OutcomeMetrics } from '../../../shared/contract';
import type { Cell } from './csv';

export function outcomeRows(o: OutcomeMetrics): Cell[][] {
  const f = o.firstTimeSuccess;
  const t = o.deployTime;
  const d = o.detectionToFix;
  return [
    ['first_time_success_pct', f.pct, `${f.firstTime} of ${f.machines} machines`, f.how],
    ['deploy_time_median_seconds', t.medianSeconds, `${t.machines} machine deployments`, t.how],
    ['deploy_time_slowest_seconds', t.slowest?.seconds ?? null, t.slowest ? `${t.slowest.hostLabel} (deployment ${t.slowest.deploymentId})` : '', t.how],
    ['detection_to_fix_mean_days', d.all.meanDays, `${d.all.count} findings fixed`, d.how],
    ['detection_to_fix_p90_days', d.all.p90Days, `${d.all.count} findings fixed`, d.how],
    ['detection_to_fix_kev_mean_days', d.kev.meanDays, `${d.kev.count} KEV findings fixed`, d.how],
    ['detection_to_fix_kev_p90_days', d.kev.p90Days, `${d.kev.count} KEV findings fixed`, d.how],
    ...o.kevExposure.findings.map((k): Cell[] => [
      'kev_exposure_days',
      k.days,
      `${k.host} ${k.package} ${k.fixedIn} ${k.cves.join(' ')} opened ${new Date(k.openedAt).toISOString()}${k.resolvedAt === null ? ' open' : ` fixed ${new Date(k.resolvedAt).toISOString()}`}`,
      o.kevExposure.how,
    ]),
    ['rollbacks', o.rollbacksByCause.total, 'all causes', o.rollbacksByCause.how],
    ...o.rollbacksByCause.causes.map((c): Cell[] => ['rollbacks_by_cause', c.count, c.cause, o.rollbacksByCause.how]),
  ];
}
