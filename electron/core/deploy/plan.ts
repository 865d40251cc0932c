/**
 * Builds a deployment plan from approvals: which machines, in which ring, with which exact versions, in
 * which maintenance window. Pure, so the plan the user is shown is the plan that runs (the core builds it
 * again from the same rows when the user confirms, never trusting a plan sent back by the UI).
 */
import type { Host, HostDeploySettings, MaintenanceWindows, PlanHost, PlanItem, PlanView } from '../../../shared/contract';
import { deployableNames, deployerFor } from './deployers';
import { nextWindow, windowsFor } from './window';
import { hostLabel } from '../../../shared/host-label';
import { machineProblems } from '../../../shared/machine-state';

export interface PlanInput {
  hosts: readonly Host[];
  settings: ReadonlyMap<number, HostDeploySettings>;
  approvals: ReadonlyMap<number, readonly PlanItem[]>;
  windows: readonly MaintenanceWindows[];
  /** package → reason, per machine: what policy forbids installing. */
  blocked?: (hostId: number) => ReadonlyMap<string, string>;
  hostIds?: readonly number[];
  concurrency: number;
  gatePercent: number;
  deployNow: boolean;
  now: number;
  /** This computer's zone, for machines without one. */
  localZone: string;
}

const CRITICALITY_ORDER = { low: 0, normal: 1, high: 2, critical: 3 } as const;

function formatWhen(t: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(t));
}

export function buildPlan(input: PlanInput): PlanView {
  const warnings: string[] = [];
  const skipped: PlanView['skipped'] = [];
  const wanted = input.hostIds ? new Set(input.hostIds) : null;
  const planned: PlanHost[] = [];
  let totalItems = 0;

  for (const h of input.hosts) {
    if (wanted && !wanted.has(h.id)) continue;
    const items = input.approvals.get(h.id) ?? [];
    const label = hostLabel(h);
    if (items.length === 0) {
      if (wanted) skipped.push({ hostId: h.id, label, reason: 'No approved updates' });
      continue;
    }
    if (h.platform && !deployerFor(h.platform)) {
      skipped.push({ hostId: h.id, label, reason: `Deployment to ${h.osName ?? h.platform} machines is not available yet (Patchwell deploys to ${deployableNames().join(', ')})` });
      continue;
    }
    if (!h.platform) {
      skipped.push({ hostId: h.id, label, reason: 'Not assessed yet: assess it first' });
      continue;
    }
    if (h.pendingHostKey) {
      skipped.push({ hostId: h.id, label, reason: 'Its SSH host key changed: accept or investigate it first' });
      continue;
    }
    if (h.pendingWinrmCert) {
      skipped.push({ hostId: h.id, label, reason: 'Its WinRM certificate changed: accept or investigate it first' });
      continue;
    }
    // Not answering, or a package manager left broken: deploying would fail at preflight (or halt a ring as its
    // canary); the Machines page has "Check again" and, for an interrupted dpkg, "Repair".
    const problem = machineProblems(h).find((p) => p.kind !== 'host-key-changed');
    if (problem) {
      const fix = problem.kind === 'unreachable' ? 'check it again on the Machines page' : h.platform === 'debian' ? 'repair it on the Machines page (dpkg --configure -a)' : 'repair it on the machine';
      skipped.push({ hostId: h.id, label, reason: `${problem.reason}: ${fix} first` });
      continue;
    }
    const blocked = input.blocked?.(h.id);
    const allowed = items.filter((i) => {
      const reason = blocked?.get(i.package);
      if (reason) warnings.push(`${i.package} is blocked on ${label} (${reason}); it is left out`);
      return !reason;
    });
    if (allowed.length === 0) {
      skipped.push({ hostId: h.id, label, reason: 'Every approved update is blocked by policy' });
      continue;
    }
    const s = input.settings.get(h.id);
    const zone = s?.timezone ?? input.localZone;
    const rules = windowsFor(input.windows, h.tags);
    const window = input.deployNow ? null : nextWindow(rules, zone, input.now);
    const windowText = input.deployNow
      ? 'now (windows skipped)'
      : window === null
        ? 'as soon as its ring starts (no maintenance window set)'
        : window.start <= input.now
          ? `now, window open until ${formatWhen(window.end, zone)}`
          : `${formatWhen(window.start, zone)} – ${formatWhen(window.end, zone)} (${zone})`;
    planned.push({
      hostId: h.id,
      label,
      ring: s?.ring ?? 1,
      cluster: s?.cluster ?? null,
      items: allowed,
      window,
      windowText,
      snapshotProvider: s?.snapshotProvider ?? 'auto',
      allowReboot: s?.allowReboot ?? false,
    });
    totalItems += allowed.length;
  }

  // Canary first: with no machine in ring 0 and more than one machine, the least critical one becomes the canary.
  if (planned.length > 1 && !planned.some((p) => p.ring === 0)) {
    const byRisk = [...planned].sort((a, b) => {
      const ha = input.hosts.find((h) => h.id === a.hostId)!;
      const hb = input.hosts.find((h) => h.id === b.hostId)!;
      return CRITICALITY_ORDER[ha.criticality] - CRITICALITY_ORDER[hb.criticality] || a.items.length - b.items.length || a.hostId - b.hostId;
    });
    const canary = byRisk[0]!;
    canary.ring = 0;
    warnings.push(`No canary machine is set, so ${canary.label} (least critical) goes first; set a canary ring on the machines you prefer`);
  }

  const rings = [...new Set(planned.map((p) => p.ring))]
    .sort((a, b) => a - b)
    .map((ring) => ({
      ring,
      label: ring === 0 ? 'Canary' : `Ring ${ring}`,
      hosts: planned.filter((p) => p.ring === ring).sort((a, b) => a.label.localeCompare(b.label)),
    }));

  const clusters = new Map<string, number>();
  for (const p of planned) if (p.cluster) clusters.set(p.cluster, (clusters.get(p.cluster) ?? 0) + 1);
  for (const [c, n] of clusters) if (n > 1) warnings.push(`Cluster ${c}: its ${n} machines are patched one at a time`);
  if (input.deployNow && planned.some((p) => windowsFor(input.windows, input.hosts.find((h) => h.id === p.hostId)!.tags).length > 0)) {
    warnings.push('Deploy now ignores the maintenance windows of these machines');
  }

  return {
    rings,
    skipped,
    warnings,
    concurrency: input.concurrency,
    gatePercent: input.gatePercent,
    deployNow: input.deployNow,
    totalItems,
  };
}
