import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { rejection, scratchCores } from './testing/core-harness';

const newCore = scratchCores('core');

describe('core dispatch', () => {
  it('rejects unknown call names, including hostile ones', async () => {
    const c = newCore();
    for (const name of ['machines/drop', '__proto__', 'constructor', 'toString', 42, null, { name: 'machines/list' }]) {
      expect((await rejection(c.callFromWire(name, undefined))).code).toBe('unknown-call');
    }
  });

  it('parses every argument: wrong shapes get field messages and change nothing', async () => {
    const c = newCore();
    const err = await rejection(c.call('machines/create', { address: 'not an address!', tags: ['ok', 'bad tag'], sshPort: 0 }));
    expect(err.code).toBe('bad-request');
    expect(err.fields).toMatchObject({ address: expect.any(String), 'tags.1': expect.any(String), sshPort: 'Port 1–65535' });
    expect((await rejection(c.callFromWire('machines/create', 'x'))).code).toBe('bad-request');
    expect((await rejection(c.call('machines/get', { id: -1 }))).code).toBe('bad-request');
    expect(await c.call('machines/list', undefined)).toEqual([]);
  });

  it('adds, edits and removes machines, each change audited', async () => {
    const c = newCore();
    const h = await c.call('machines/create', { address: '127.0.0.9', tags: ['servers'], criticality: 'high' });
    expect(h).toMatchObject({ address: '127.0.0.9', tags: ['servers'], criticality: 'high', source: 'manual', reachability: 'unknown' });
    const dup = await rejection(c.call('machines/create', { address: '127.0.0.9' }));
    expect(dup.code).toBe('conflict');
    expect(dup.fields).toHaveProperty('address');
    const edited = await c.call('machines/update', { id: h.id, patch: { displayName: 'File server', tags: [] } });
    expect(edited).toMatchObject({ displayName: 'File server', tags: [], criticality: 'high' });
    await c.call('machines/remove', { ids: [h.id] });
    expect(await c.call('machines/list', undefined)).toEqual([]);
    const audit = await c.call('audit/list', {});
    expect(audit.map((a) => a.action)).toEqual(['host.remove', 'host.update', 'host.create']);
    expect(await c.call('audit/verify', undefined)).toMatchObject({ ok: true, rows: 3 });
  });

  it('removing a credential unassigns it from its machines, which fall back to the credential that applies to all', async () => {
    const c = newCore();
    const h = await c.call('machines/create', { address: '127.0.0.9' });
    const fallback = await c.call('credentials/create', { name: 'Everyone', username: 'admin', password: 'S3cret-pass!', appliesToAll: true });
    const own = await c.call('credentials/create', { name: 'Own', username: 'root', password: 'An0ther-pass!' });
    await c.call('machines/set-credential', { ids: [h.id], credentialId: own.id });
    expect((await c.call('machines/get', { id: h.id })).credentialId).toBe(own.id);
    await c.call('credentials/remove', { id: own.id });
    expect((await c.call('machines/get', { id: h.id })).credentialId).toBeNull();
    expect(c.services.vault.resolveFor(await c.call('machines/get', { id: h.id }))?.id).toBe(fallback.id);
  });

  it('marks a machine exposed and a tag critical; both audited, and the machine risk follows at once', async () => {
    const c = newCore();
    const h = await c.call('machines/create', { address: '127.0.0.9', tags: ['dmz'] });
    expect(h.exposed).toBe(false);
    expect(await c.call('machines/risk', undefined)).toEqual([expect.objectContaining({ hostId: h.id, criticality: 'normal', exposed: false, openUpdates: 0 })]);
    expect((await c.call('machines/update', { id: h.id, patch: { exposed: true } })).exposed).toBe(true);
    const tags = await c.call('tags/set-profile', { tag: 'dmz', criticality: 'critical', exposed: false });
    expect(tags).toEqual([{ tag: 'dmz', criticality: 'critical', exposed: false, machines: 1 }]);
    // The cached risk was dropped by the change.
    expect(await c.call('machines/risk', undefined)).toEqual([expect.objectContaining({ criticality: 'critical', exposed: true, profileFrom: ['tag dmz: critical', 'marked exposed'] })]);
    expect((await rejection(c.call('tags/set-profile', { tag: '../x', criticality: 'high', exposed: false }))).code).toBe('bad-request');
    const audit = await c.call('audit/list', {});
    expect(audit.map((a) => a.action)).toEqual(['tag.profile', 'host.update', 'host.create']);
  });

  it('checks reachability as a job against real sockets on loopback', async () => {
    const c = newCore();
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const up = await c.call('machines/create', { address: '127.0.0.1', sshPort: port });
      // Nothing listens on 127.0.0.254's management ports: the kernel refuses every connection.
      const down = await c.call('machines/create', { address: '127.0.0.254', sshPort: port });
      const events: string[] = [];
      c.subscribe((e) => events.push(e.name));
      const { jobId } = await c.call('machines/check', {});
      await c.services.jobs.idle();
      const job = await c.call('jobs/get', { id: jobId });
      expect(job).toMatchObject({ state: 'succeeded', current: 2, total: 2, summary: '1 of 2 machines answering' });
      const hosts = await c.call('machines/list', undefined);
      expect(hosts.find((h) => h.id === up.id)).toMatchObject({ reachability: 'up', openPorts: [port] });
      expect(hosts.find((h) => h.id === down.id)).toMatchObject({ reachability: 'down', lastSeen: null });
      expect(events).toContain('job/updated');
      expect(events).toContain('inventory/changed');
    } finally {
      server.close();
    }
  });

  it('refuses to start a check with no machines', async () => {
    const c = newCore();
    expect((await rejection(c.call('machines/check', {}))).message).toMatch(/add one first/);
  });
});
