import { describe, expect, it } from 'vitest';
import type { Host, HostDeploySettings, PlanItem } from '../../../shared/contract';
import { buildPlan, type PlanInput } from './plan';

function host(id: number, over: Partial<Host> = {}): Host {
  return {
    id, address: `127.0.0.${id + 1}`, hostname: `pc-${id}`, displayName: null, osFamily: 'linux', osName: 'Debian GNU/Linux', osVersion: '12',
    kernel: null, tags: [], criticality: 'normal', exposed: false, transport: 'ssh', winrmPort: null, winrmHttps: false, winrmCert: null, sshPort: 22, credentialId: null, sshHostKey: null, pendingHostKey: null, pendingWinrmCert: null, contactAllowedAt: null, platform: 'debian',
    arch: 'x86_64', uptimeSeconds: null, rebootRequired: false, rebootReasons: [], health: null, lastAssessedAt: 1, lastError: null, mac: null,
    vendor: null, fingerprints: [], osGuess: null, pendingCount: 1, securityCount: 1, openPorts: [22], reachability: 'up', source: 'manual',
    notes: '', firstSeen: null, lastSeen: null, createdAt: 1, updatedAt: 1, ...over,
  };
}
const settings = (id: number, over: Partial<HostDeploySettings> = {}): HostDeploySettings => ({
  hostId: id, ring: 1, cluster: null, healthCheck: null, snapshotProvider: 'auto', allowReboot: false, timezone: 'UTC', ...over,
});
const item = (pkg: string, id: number): PlanItem => ({ package: pkg, arch: 'amd64', fromVersion: '1.0-1', toVersion: '1.0-2', approvalId: id });

function input(over: Partial<PlanInput>): PlanInput {
  return { hosts: [], settings: new Map(), approvals: new Map(), windows: [], concurrency: 4, gatePercent: 100, deployNow: false, now: Date.UTC(2026, 10, 23, 12), localZone: 'UTC', ...over };
}

describe('deployment plans', () => {
  it('puts the least critical machine first as the canary when none is set, and says so', () => {
    const hosts = [host(1, { criticality: 'critical' }), host(2, { criticality: 'low' }), host(3)];
    const plan = buildPlan(input({
      hosts,
      settings: new Map(hosts.map((h) => [h.id, settings(h.id)])),
      approvals: new Map([[1, [item('openssl', 1)]], [2, [item('openssl', 2)]], [3, [item('openssl', 3), item('curl', 4)]]]),
    }));
    expect(plan.rings.map((r) => [r.label, r.hosts.map((h) => h.hostId)])).toEqual([['Canary', [2]], ['Ring 1', [1, 3]]]);
    expect(plan.warnings.join('\n')).toMatch(/No canary machine is set, so pc-2 \(least critical\) goes first/);
    expect(plan.totalItems).toBe(4);
  });

  it('keeps a configured canary ring and the rings in order', () => {
    const hosts = [host(1), host(2), host(3)];
    const plan = buildPlan(input({
      hosts,
      settings: new Map([[1, settings(1, { ring: 2 })], [2, settings(2, { ring: 0 })], [3, settings(3, { ring: 1 })]]),
      approvals: new Map([[1, [item('a', 1)]], [2, [item('a', 2)]], [3, [item('a', 3)]]]),
    }));
    expect(plan.rings.map((r) => r.ring)).toEqual([0, 1, 2]);
    expect(plan.warnings).toEqual([]);
  });

  it('plans every platform Patchwell assesses: each has a deployer', () => {
    const hosts = [
      host(1, { platform: 'debian' }), host(2, { platform: 'rhel', osName: 'Rocky Linux' }), host(3, { platform: 'suse', osName: 'openSUSE Leap' }),
      host(4, { platform: 'alpine', osName: 'Alpine Linux' }), host(5, { platform: 'macos', osName: 'macOS 14.6.1 (23G93)', osFamily: 'macos' }),
    ];
    const plan = buildPlan(input({ hosts, approvals: new Map([1, 2, 3, 4, 5].map((id) => [id, [item('a', id)]])) }));
    expect(plan.skipped).toEqual([]);
    expect(plan.rings.flatMap((r) => r.hosts.map((h) => h.hostId)).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips machines it cannot deploy to, with the reason', () => {
    const hosts = [host(1, { platform: 'freebsd', osName: 'FreeBSD' }), host(2, { platform: null }), host(3, { pendingHostKey: 'SHA256:x' }), host(4),
      host(5, { platform: 'windows', osFamily: 'windows', transport: 'winrm', winrmHttps: true, winrmCert: 'ab', pendingWinrmCert: 'cd' })];
    const plan = buildPlan(input({
      hosts,
      hostIds: [1, 2, 3, 4, 5],
      approvals: new Map([[1, [item('a', 1)]], [2, [item('a', 2)]], [3, [item('a', 3)]], [5, [item('KB5034441', 5)]]]),
    }));
    expect(plan.rings).toEqual([]);
    expect(plan.skipped.map((s) => [s.hostId, s.reason])).toEqual([
      [1, 'Deployment to FreeBSD machines is not available yet (Patchwell deploys to Debian and Ubuntu, the RHEL family, SUSE and openSUSE, Alpine Linux, Windows, macOS)'],
      [2, 'Not assessed yet: assess it first'],
      [3, 'Its SSH host key changed: accept or investigate it first'],
      [4, 'No approved updates'],
      [5, 'Its WinRM certificate changed: accept or investigate it first'],
    ]);
  });

  it('does not plan a machine that stopped answering or whose package manager is broken, and says why and what to do', () => {
    const hosts = [
      host(1, { reachability: 'down', lastError: { command: null, exitCode: null, stderrTail: '', message: 'Stopped answering at step updates (the connection to 127.0.0.2 was lost (closed))' } }),
      host(2, { reachability: 'down' }),
      host(3, { health: { ok: false, problems: ['dpkg --audit: pw-fixture-a 1.0-2 is unpacked but not configured'] } }),
      host(4, { platform: 'rhel', osName: 'Rocky Linux', health: { ok: false, problems: ['dnf check: rpmdb problem'] } }),
      host(5, { health: { ok: true, problems: [] }, reachability: 'unknown' }),
    ];
    const plan = buildPlan(input({ hosts, approvals: new Map(hosts.map((h) => [h.id, [item('a', h.id)]])) }));
    expect(plan.skipped.map((s) => [s.hostId, s.reason])).toEqual([
      [1, 'Stopped answering at step updates (the connection to 127.0.0.2 was lost (closed)): check it again on the Machines page first'],
      [2, 'It did not answer the last check: check it again on the Machines page first'],
      [3, 'Its package manager is not healthy (dpkg --audit: pw-fixture-a 1.0-2 is unpacked but not configured): repair it on the Machines page (dpkg --configure -a) first'],
      [4, 'Its package manager is not healthy (dnf check: rpmdb problem): repair it on the machine first'],
    ]);
    // Never checked is not "down": a machine added and assessed without a reachability check is still planned.
    expect(plan.rings.flatMap((r) => r.hosts.map((h) => h.hostId))).toEqual([5]);
  });

  it('leaves out blocked packages and says why', () => {
    const plan = buildPlan(input({
      hosts: [host(1)],
      approvals: new Map([[1, [item('openssl', 1), item('linux-image-amd64', 2)]]]),
      blocked: () => new Map([['linux-image-amd64', 'kernel updates by hand']]),
    }));
    expect(plan.rings[0]!.hosts[0]!.items.map((i) => i.package)).toEqual(['openssl']);
    expect(plan.warnings[0]).toBe('linux-image-amd64 is blocked on pc-1 (kernel updates by hand); it is left out');
  });

  it('places each machine in the next window of its tags, in its own zone; deploy now ignores windows', () => {
    const hosts = [host(1, { tags: ['servers'] }), host(2)];
    const windows = [
      { tag: 'servers', rules: [{ days: [6], start: '22:00', minutes: 120 }], description: '' },
      { tag: '', rules: [{ days: [2], start: '02:00', minutes: 60 }], description: '' },
    ];
    const base = input({
      hosts, windows,
      settings: new Map([[1, settings(1, { ring: 0, timezone: 'Europe/Berlin' })], [2, settings(2)]]),
      approvals: new Map([[1, [item('a', 1)]], [2, [item('a', 2)]]]),
    });
    const plan = buildPlan(base);
    const [s1, s2] = plan.rings.flatMap((r) => r.hosts);
    expect(new Date(s1!.window!.start).toISOString()).toBe('2026-11-28T21:00:00.000Z');
    expect(s1!.windowText).toMatch(/Sat 28 Nov.*22:00.*Europe\/Berlin/);
    expect(new Date(s2!.window!.start).toISOString()).toBe('2026-11-24T02:00:00.000Z');
    const now = buildPlan({ ...base, deployNow: true });
    expect(now.rings.flatMap((r) => r.hosts).every((h) => h.window === null && h.windowText === 'now (windows skipped)')).toBe(true);
    expect(now.warnings).toContain('Deploy now ignores the maintenance windows of these machines');
  });

  it('warns that a cluster is patched one machine at a time', () => {
    const hosts = [host(1), host(2)];
    const plan = buildPlan(input({
      hosts,
      settings: new Map([[1, settings(1, { cluster: 'db', ring: 0 })], [2, settings(2, { cluster: 'db' })]]),
      approvals: new Map([[1, [item('a', 1)]], [2, [item('a', 2)]]]),
    }));
    expect(plan.warnings).toContain('Cluster db: its 2 machines are patched one at a time');
  });
});
