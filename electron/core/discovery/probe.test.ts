import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sweep, validatePorts, type AddressOutcome, type AddressSource, type SweepProgress } from './probe';
import { addressAt, parseTargets } from './targets';
import { closeAll, freePort, listen } from './test-servers';

afterEach(closeAll);

function source(text: string): AddressSource {
  const r = parseTargets(text, '');
  if (!r.ok) throw new Error('bad targets');
  return { count: r.targets.addressCount, at: (i) => addressAt(r.targets.ranges, i) };
}

describe('validatePorts', () => {
  it('accepts 1–65535, de-duplicates, and explains rejects', () => {
    expect(validatePorts([22, '5985', 22, ' 8080 '])).toEqual({ ok: true, ports: [22, 5985, 8080] });
    expect(validatePorts([0]).ok).toBe(false);
    expect(validatePorts([65536]).ok).toBe(false);
    expect(validatePorts(['22; rm -rf']).ok).toBe(false);
    expect(validatePorts([1.5]).ok).toBe(false);
    expect(validatePorts([]).ok).toBe(false);
  });
});

describe('sweep', () => {
  it('reports open and refused ports per address, with progress counts', async () => {
    const l = await listen('127.0.0.31', 0, (s) => s.destroy());
    const closed = await freePort('127.0.0.31');
    const outcomes: AddressOutcome[] = [];
    let last: SweepProgress | undefined;
    const summary = await sweep(source('127.0.0.31-32'), { ports: [l.port, closed], concurrency: 8, probeTimeoutMs: 2000, budgetMs: 0 }, {
      onAddress: (o) => outcomes.push(o),
      onProgress: (p) => { last = p; },
    });
    expect(summary.status).toBe('completed');
    outcomes.sort((a, b) => a.index - b.index);
    expect(outcomes.map((o) => [o.address, o.states])).toEqual([
      ['127.0.0.31', ['open', 'closed']],
      ['127.0.0.32', ['closed', 'closed']],
    ]);
    expect(outcomes[0]?.firstAnswerAt).toBeTypeOf('number');
    expect(summary.counts).toMatchObject({ open: 1, closed: 3, abandoned: 0 });
    expect(last).toEqual({ addressesDone: 2, addressesTotal: 2, found: 1, probesDone: 4, probesTotal: 4 });
  });

  const python = spawnSync('python3', ['--version']).status === 0;
  it.skipIf(!python)('calls a port filtered when the SYN is never answered (full accept backlog)', async () => {
    // A listener with backlog 0 that never accepts: once one connection fills the queue, the kernel
    // drops further SYNs, which is exactly what a filtering firewall looks like from outside.
    const py = spawn('python3', ['-c', "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.33',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)"]);
    try {
      const port = await new Promise<number>((r) => py.stdout.once('data', (d) => r(Number(String(d).trim()))));
      const filler = net.connect(port, '127.0.0.33');
      await new Promise((r) => filler.once('connect', r));
      const outcomes: AddressOutcome[] = [];
      const s = await sweep(source('127.0.0.33'), { ports: [port], concurrency: 4, probeTimeoutMs: 300, budgetMs: 0 }, { onAddress: (o) => outcomes.push(o) });
      filler.destroy();
      expect(s.status).toBe('completed');
      expect(outcomes[0]?.states).toEqual(['filtered']);
    } finally {
      py.kill();
    }
  });

  it('abandons what is left when the budget runs out and still reports every address once', async () => {
    const outcomes = new Set<number>();
    const src = source('127.1.0.0/22');
    const s = await sweep(src, { ports: [1, 2, 3, 4], concurrency: 2, probeTimeoutMs: 1000, budgetMs: 50 }, { onAddress: (o) => outcomes.add(o.index) });
    expect(s.status).toBe('budget-exhausted');
    expect(s.probesAbandoned).toBeGreaterThan(0);
    expect(s.counts.abandoned).toBe(s.probesAbandoned);
    expect(outcomes.size).toBe(src.count);
  });

  it('stops within a second of abort with many probes in flight', async () => {
    const ac = new AbortController();
    const src = source('127.2.0.0/16');
    const running = sweep(src, { ports: [1, 2, 3, 4, 5, 6, 7, 8], concurrency: 256, probeTimeoutMs: 5000, budgetMs: 0 }, {}, ac.signal);
    await new Promise((r) => setTimeout(r, 150));
    const t0 = performance.now();
    ac.abort();
    const s = await running;
    const elapsed = performance.now() - t0;
    expect(s.status).toBe('cancelled');
    expect(s.probesDone).toBeLessThan(s.probesTotal);
    expect(elapsed).toBeLessThan(1000);
  });

  it('interleaves addresses so consecutive probes hit different hosts', async () => {
    const hits: string[] = [];
    const port = await freePort('127.0.0.34');
    const orig = net.connect;
    // Record the order the sweep launches connects in, without changing what they do.
    const spy = ((...args: Parameters<typeof net.connect>) => {
      const o = args[0] as unknown as { host: string; port: number };
      hits.push(`${o.host}:${o.port}`);
      return orig(...args);
    }) as typeof net.connect;
    (net as { connect: typeof net.connect }).connect = spy;
    try {
      await sweep(source('127.0.0.34-36'), { ports: [port, port + 1 > 65535 ? 1 : port + 1], concurrency: 1, probeTimeoutMs: 1000, budgetMs: 0 });
    } finally {
      (net as { connect: typeof net.connect }).connect = orig;
    }
    expect(hits.slice(0, 3).map((h) => h.split(':')[0])).toEqual(['127.0.0.34', '127.0.0.35', '127.0.0.36']);
  });
});
