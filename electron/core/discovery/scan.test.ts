import { afterEach, describe, expect, it } from 'vitest';
import { runScan, type HostResult, type ScanOptions, type ScanProgress } from './scan';
import { parseTargets, type TargetPlan } from './targets';
import { closeAll, freePort, listen } from './test-servers';

afterEach(closeAll);

function plan(include: string, exclude = ''): TargetPlan {
  const r = parseTargets(include, exclude);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.targets;
}

// rdns off: the machine's resolver may be off-host, and tests only talk to 127.0.0.0/8.
const base = { concurrency: 64, probeTimeoutMs: 1500, budgetMs: 0, fingerprint: true, rdns: false } satisfies Partial<ScanOptions>;

describe('runScan', () => {
  it('finds exactly the hosts with an SSH listener in 127.0.0.200/29 and reads their OS', async () => {
    const first = await listen('127.0.0.201', 0, (s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    const sshPort = first.port;
    await listen('127.0.0.204', sshPort, (s) => s.end('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n'));
    const closed = await freePort('127.0.0.201');
    const hosts: HostResult[] = [];
    const progress: ScanProgress[] = [];
    const summary = await runScan(plan('127.0.0.200/29'), { ...base, ports: [sshPort, closed], servicePorts: { ssh: [sshPort] } }, {
      onHost: (h) => hosts.push(h),
      onProgress: (p) => progress.push(p),
    }, new AbortController().signal);

    expect(summary).toMatchObject({ status: 'completed', addressesScanned: 6, hostsReported: 2, hostsAnswered: 6 });
    hosts.sort((a, b) => a.address.localeCompare(b.address));
    expect(hosts.map((h) => [h.address, h.openPorts, h.closedPorts, h.answered])).toEqual([
      ['127.0.0.201', [sshPort], [closed], true],
      ['127.0.0.204', [sshPort], [closed], true],
    ]);
    expect(hosts[0]?.osGuess).toMatchObject({ family: 'linux', distro: 'Debian', version: '12 (bookworm)' });
    expect(hosts[1]?.osGuess).toMatchObject({ family: 'linux', distro: 'Ubuntu', version: '22.04' });
    expect(hosts[0]?.fingerprints[0]).toMatchObject({ kind: 'ssh', source: 'ssh-banner', evidence: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' });
    expect(Date.parse(hosts[0]?.respondedAt ?? '')).not.toBeNaN();
    expect(progress.at(-1)).toMatchObject({ phase: 'done', addressesDone: 6, addressesTotal: 6, found: 2, fingerprintsDone: 2 });
  });

  it("reports refusing addresses too under the 'any-answer' policy, without fingerprinting them", async () => {
    const l = await listen('127.0.0.209', 0, (s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    const hosts: HostResult[] = [];
    await runScan(plan('127.0.0.208/30'), { ...base, ports: [l.port], alivePolicy: 'any-answer', fingerprint: false }, { onHost: (h) => hosts.push(h) }, new AbortController().signal);
    expect(hosts.map((h) => [h.address, h.openPorts.length]).sort()).toEqual([['127.0.0.209', 1], ['127.0.0.210', 0]]);
    expect(hosts.every((h) => h.fingerprints.every((f) => f.kind === 'mac'))).toBe(true);
  });

  it('resolves host names and keeps them on the result', async () => {
    const l = await listen('127.0.0.1', 0, (s) => s.end('SSH-2.0-OpenSSH_for_Windows_8.1\r\n'));
    const hosts: HostResult[] = [];
    // An injected resolver: a real lookup of an unknown name would query the (possibly off-host) DNS server.
    const resolve = async (name: string): Promise<string[]> => {
      if (name === 'lab-box.test') return ['127.0.0.1'];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const s = await runScan(plan('lab-box.test, no-such-host.invalid'), { ...base, ports: [l.port], servicePorts: { ssh: [l.port] }, resolve }, { onHost: (h) => hosts.push(h) }, new AbortController().signal);
    expect(hosts).toHaveLength(1);
    expect(hosts[0]).toMatchObject({ address: '127.0.0.1', hostnames: ['lab-box.test'], osGuess: { family: 'windows' } });
    expect(s.unresolved).toEqual([{ hostname: 'no-such-host.invalid', error: 'ENOTFOUND' }]);
  });

  it('cancels within a second with many probes and fingerprints in flight', async () => {
    const l = await listen('127.4.0.1', 0, () => undefined); // accepts and stays silent: banner reads hang
    const ac = new AbortController();
    const running = runScan(plan('127.4.0.0/16'), { ...base, concurrency: 256, ports: [l.port, 1, 2, 3, 4, 5, 6, 7], servicePorts: { ssh: [l.port] }, fingerprintTimeoutMs: 30_000 }, {}, ac.signal);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    ac.abort();
    const s = await running;
    expect(s.status).toBe('cancelled');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
