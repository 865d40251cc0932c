import os from 'node:os';
import { AppError, type TargetCheck } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { addScannedHosts } from '../discovery/add-scanned';
import { discoveryJob } from '../discovery/discovery-job';
import { getScan, listResults, listScans, scanForJob } from '../discovery/discovery-queries';
import { DEFAULT_PORTS, validatePorts } from '../discovery/probe';
import { parseTargets, suggestSubnets, type TargetPlan } from '../discovery/targets';
import type { HandlerMap } from './types';

function check(include: string, exclude: string, extraPorts: readonly number[]): { check: TargetCheck; plan: TargetPlan | null; ports: number[] } {
  const parsed = parseTargets(include, exclude);
  const ports = validatePorts([...DEFAULT_PORTS, ...extraPorts]);
  const errors: TargetCheck['errors'] = parsed.ok ? [] : [...parsed.errors];
  if (!ports.ok) errors.push({ field: 'ports', token: '', message: ports.message });
  if (parsed.ok && parsed.targets.addressCount === 0 && parsed.targets.hostnames.length === 0) {
    errors.push({ field: 'include', token: '', message: 'Nothing to scan: give a subnet, a range, an address or a host name' });
  }
  const plan = parsed.ok ? parsed.targets : null;
  return {
    check: {
      ok: errors.length === 0,
      addressCount: plan?.addressCount ?? 0,
      hostnameCount: plan?.hostnames.length ?? 0,
      needsConfirmation: plan?.needsConfirmation ?? false,
      errors,
    },
    plan: errors.length === 0 ? plan : null,
    ports: ports.ok ? ports.ports : [],
  };
}

export const discoveryHandlers: HandlerMap<
  'discovery/suggest' | 'discovery/check' | 'discovery/start' | 'discovery/scans' | 'discovery/results' | 'discovery/add'
> = {
  'discovery/suggest': () => suggestSubnets(os.networkInterfaces()),

  'discovery/check': ({ include, exclude, extraPorts }) => check(include, exclude, extraPorts ?? []).check,

  'discovery/start': ({ include, exclude, extraPorts, confirmLarge }, s) => {
    const { check: c, plan, ports } = check(include, exclude, extraPorts);
    // Nothing is sent before the target list is valid.
    if (!plan) {
      const first = c.errors[0];
      throw new AppError('bad-request', first ? `${first.token ? `"${first.token}": ` : ''}${first.message}` : 'Invalid targets', {
        [first?.field ?? 'include']: first?.message ?? 'Invalid targets',
      });
    }
    if (plan.needsConfirmation && !confirmLarge) {
      throw new AppError('bad-request', `${plan.addressCount} addresses is more than a /20: confirm to scan them all`, {
        include: 'Larger than a /20: confirm first',
      });
    }
    const title = `Scan ${include.trim().split(/\s+/).slice(0, 3).join(' ')}${include.trim().split(/\s+/).length > 3 ? '…' : ''}`;
    const jobId = s.jobs.start('scan', title.slice(0, 120), { include, exclude, ports }, discoveryJob(s.db, s.events, { include, exclude, ports, plan }, s.scanOverrides));
    s.db.transaction(() => appendAudit(s.db, { actor: 'user', action: 'discovery.scan', targetType: 'job', targetId: jobId, details: { include, exclude, ports } }))();
    return { jobId };
  },

  'discovery/scans': ({ limit }, s) => listScans(s.db, limit ?? 20),

  'discovery/results': ({ scanId, jobId }, s) => {
    const scan = scanId !== undefined ? getScan(s.db, scanId) : jobId !== undefined ? scanForJob(s.db, jobId) : listScans(s.db, 1)[0];
    return { scan: scan ?? null, results: scan ? listResults(s.db, scan.id) : [] };
  },

  'discovery/add': ({ scanId, addresses, tags }, s) => {
    const added = addScannedHosts(s.db, scanId, addresses, tags ?? []);
    if (added.length) s.events.emit('inventory/changed', { hostIds: added, reason: 'created' });
    return { added };
  },
};
