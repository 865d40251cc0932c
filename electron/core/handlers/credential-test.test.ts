import { describe, expect, it } from 'vitest';
import { closedPort, rejection, scratchCores } from '../testing/core-harness';

const newCore = scratchCores('credtest');

describe('credentials/test', () => {
  it('names what does not exist', async () => {
    const c = newCore();
    const h = await c.call('machines/create', { address: '127.0.0.9' });
    expect((await rejection(c.call('credentials/test', { credentialId: 99, machineId: h.id }))).code).toBe('not-found');
    const cred = await c.call('credentials/create', { name: 'Admin', username: 'admin', password: 'S3cret-pass!' });
    expect((await rejection(c.call('credentials/test', { credentialId: cred.id, machineId: 99 }))).code).toBe('not-found');
  });

  it('does not send a credential that asks first to a never-contacted machine', async () => {
    const c = newCore();
    const h = await c.call('machines/create', { address: '127.0.0.9' });
    const cred = await c.call('credentials/create', { name: 'Everyone', username: 'admin', password: 'S3cret-pass!', appliesToAll: true, askFirstContact: true });
    const err = await rejection(c.call('credentials/test', { credentialId: cred.id, machineId: h.id }));
    expect(err.code).toBe('conflict');
    expect(err.message).toContain('never contacted');
    expect((await c.call('machines/get', { id: h.id })).sshHostKey).toBeNull();
  });

  it('reports a machine that does not answer as an error, not a success', async () => {
    const c = newCore();
    const h = await c.call('machines/create', { address: '127.0.0.1', sshPort: await closedPort() });
    const cred = await c.call('credentials/create', { name: 'Own', username: 'admin', password: 'S3cret-pass!' });
    // Picked for this machine by hand: that is the user's decision about it, so no first-contact question.
    await c.call('machines/set-credential', { ids: [h.id], credentialId: cred.id });
    await expect(c.call('credentials/test', { credentialId: cred.id, machineId: h.id })).rejects.toThrow(/refused|ECONNREFUSED|answer/i);
  });
});
