import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { reverseLookup } from './rdns';

// The system resolver may be on a private address; these tests talk only to a fake DNS server on
// 127.0.0.x, which answers PTR queries for 127.0.0.x from a table.
const sockets: dgram.Socket[] = [];
afterEach(() => { for (const s of sockets.splice(0)) s.close(); });

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

async function fakeDns(host: string, table: Record<string, string[]>, silent = false): Promise<string> {
  const sock = dgram.createSocket('udp4');
  sockets.push(sock);
  sock.on('message', (q, rinfo) => {
    if (silent) return;
    // Question name starts at 12; read labels to find the end of QNAME.
    let at = 12;
    const labels: string[] = [];
    while (at < q.length && q[at] !== 0) { const n = q[at] as number; labels.push(q.toString('latin1', at + 1, at + 1 + n)); at += n + 1; }
    const qEnd = at + 5;
    const names = table[labels.join('.')] ?? [];
    const head = Buffer.from(q.subarray(0, 12));
    head.writeUInt16BE(names.length ? 0x8180 : 0x8183, 2); // response, RD+RA, NOERROR / NXDOMAIN
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(names.length, 6);
    head.writeUInt32BE(0, 8);
    const answers = names.map((n) => {
      const rdata = encodeName(n);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); rr.writeUInt16BE(12, 2); rr.writeUInt16BE(1, 4); rr.writeUInt32BE(60, 6); rr.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([rr, rdata]);
    });
    sock.send(Buffer.concat([head, q.subarray(12, qEnd), ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, host, r));
  return `${host}:${sock.address().port}`;
}

describe('reverseLookup', () => {
  it('returns PTR names from the given server, dropping invalid ones', async () => {
    const server = await fakeDns('127.0.0.71', { '9.0.0.127.in-addr.arpa': ['lab-host9.example.test', 'bad_name!.example'] });
    expect(await reverseLookup('127.0.0.9', { timeoutMs: 1000, servers: [server] })).toEqual({ names: ['lab-host9.example.test'] });
  });

  it('treats NXDOMAIN as no names, and times out on a silent server', async () => {
    const server = await fakeDns('127.0.0.72', {});
    expect(await reverseLookup('127.0.0.10', { timeoutMs: 1000, servers: [server] })).toEqual({ names: [] });
    const silent = await fakeDns('127.0.0.73', {}, true);
    const t0 = performance.now();
    const r = await reverseLookup('127.0.0.11', { timeoutMs: 150, servers: [silent] });
    expect(r.names).toEqual([]);
    expect(r.error).toBeDefined();
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
