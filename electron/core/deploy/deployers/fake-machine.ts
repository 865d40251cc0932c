/**
 * A machine for deployer tests where no real one can run here (macOS, Alpine): a real database (in memory, every
 * migration), a real deployment with its target and item rows, the machine's assessment recorded as the app
 * records it — and a `FakeRemote` replaying recorded outputs as the machine's only session. The pipeline
 * (deployWith / rollbackWith) runs unchanged on it, so durable state, audit rows and item results are the app's own.
 */
import type { HostDeploySettings, PlanItem, PlanView } from '../../../../shared/contract';
import { recordAssessment } from '../../assess/assessment-queries';
import { listAudit } from '../../audit/audit-log';
import { openDatabase, type Db } from '../../db/open';
import { StorageMonitor } from '../../db/storage';
import { insertHost } from '../../machines/machine-queries';
import type { FakeRemote } from '../../platforms/fake-remote';
import type { Facts, InstalledPackage, PendingUpdate, PlatformId } from '../../platforms/platform';
import type { CoreServices } from '../../services';
import { createDeployment, getDeployment, getDeploySettings, setDeploySettings, updateTarget } from '../deploy-queries';
import type { MachineContext } from './types';

export interface FakeMachine {
  db: Db;
  m: MachineContext;
  hostId: number;
  logs: { level: string; message: string }[];
  /** The machine's deployment row as the Deployments page reads it. */
  target(): NonNullable<ReturnType<typeof getDeployment>>['targets'][number];
  /** Item results (package → state and version). */
  items(): Record<string, { state: string; version: string | null }>;
  auditActions(): string[];
  /** Open (unresolved) pending updates of the machine: package → candidate version. */
  pending(): Record<string, string>;
  hostPackages(): Record<string, string>;
  log(): string;
}

export function fakeMachine(
  remote: FakeRemote,
  opts: { platform: PlatformId; facts: Facts; installed: InstalledPackage[]; updates: PendingUpdate[]; approve: string[]; settings?: Partial<Omit<HostDeploySettings, 'hostId'>> },
): FakeMachine {
  const db = openDatabase(':memory:');
  const host = { ...insertHost(db, { address: '127.0.0.9' }), platform: opts.platform };
  db.prepare('UPDATE hosts SET platform = ? WHERE id = ?').run(opts.platform, host.id);
  recordAssessment(db, { hostId: host.id, jobId: null, platform: opts.platform, facts: opts.facts, packages: opts.installed, updates: opts.updates, health: { ok: true, problems: [] }, warnings: [], startedAt: 0 });
  if (opts.settings) setDeploySettings(db, [host.id], opts.settings);
  const settings = getDeploySettings(db, [host.id]).get(host.id)!;
  const items: PlanItem[] = opts.approve.map((name) => {
    const u = opts.updates.find((x) => x.name === name);
    if (!u) throw new Error(`no pending update ${name}`);
    return { package: u.name, arch: u.arch, fromVersion: u.installedVersion, toVersion: u.candidateVersion, approvalId: 0 };
  });
  const plan: PlanView = {
    rings: [{ ring: 0, label: 'Canary', hosts: [{ hostId: host.id, label: 'm', ring: 0, cluster: null, window: null, windowText: 'now', snapshotProvider: settings.snapshotProvider, allowReboot: settings.allowReboot, items }] }],
    skipped: [], warnings: [], concurrency: 1, gatePercent: 100, deployNow: true, totalItems: items.length,
  };
  const deploymentId = createDeployment(db, { title: 'test', plan, createdBy: 'user', state: 'running' });
  const logs: { level: string; message: string }[] = [];
  // Only what the deployers reach: the database and one session per machine.
  const s = {
    db,
    storage: new StorageMonitor(db, { emit: () => undefined }, ':memory:'),
    connections: { withSession: <T>(_h: unknown, _signal: AbortSignal, fn: (r: FakeRemote) => Promise<T>) => fn(remote) },
  } as unknown as CoreServices;
  const m: MachineContext = {
    s, deploymentId, host, settings, items, pollMs: 0,
    report: (patch) => updateTarget(db, deploymentId, host.id, patch),
    log: (level, message) => logs.push({ level, message }),
  };
  const rows = <T>(sql: string): T[] => db.prepare(sql).all(host.id) as T[];
  return {
    db, m, hostId: host.id, logs,
    target: () => getDeployment(db, deploymentId)!.targets[0]!,
    items: () => Object.fromEntries(rows<{ package: string; state: string; result_version: string | null }>('SELECT package, state, result_version FROM deployment_items WHERE host_id = ?').map((r) => [r.package, { state: r.state, version: r.result_version }])),
    auditActions: () => listAudit(db, { limit: 100 }).map((a) => a.action).reverse(),
    pending: () => Object.fromEntries(rows<{ package: string; candidate_version: string }>('SELECT package, candidate_version FROM pending_updates WHERE host_id = ? AND resolved_at IS NULL').map((r) => [r.package, r.candidate_version])),
    hostPackages: () => Object.fromEntries(rows<{ name: string; version: string }>('SELECT name, version FROM host_packages WHERE host_id = ?').map((r) => [r.name, r.version])),
    log: () => logs.map((l) => `${l.level}: ${l.message}`).join('\n'),
  };
}
