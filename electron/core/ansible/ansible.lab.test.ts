/**
 * The exported inventory and playbook, run by Debian's Ansible against the lab's fixture machine: the approved
 * versions are what ends up installed. Ansible parses the inventory itself, so hostile names are checked
 * the way Ansible reads them.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PACKAGES, resetHost, type LabHost } from '../../../e2e/lab/index';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { createCore, type Core } from '../core';

const run = promisify(execFile);
let core: Core;
let fixture: LabHost;
let hostId = 0;
const HOSTILE = "{{ lookup('pipe', 'touch /tmp/pw-pwned') }}";

describe.skipIf(!labEnabled)('Ansible export on the lab', () => {
  beforeAll(async () => {
    fixture = hostOf(await standardLab(), 'fixture');
    await resetHost(fixture.address);
    fixture = hostOf(await standardLab(), 'fixture');
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-ansible-')), runtime: 'browser', checkResults: true, scheduler: false });
    await core.call('credentials/create', { name: 'Lab admin', username: 'admin', privateKey: fs.readFileSync(fixture.keyPath, 'utf8'), appliesToAll: true });
    hostId = (await core.call('machines/create', { address: fixture.address, displayName: HOSTILE, tags: ['front-desk', '2nd.floor'] })).id;
    const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: jobId })).state).toBe('succeeded');
  }, LAB_TIMEOUT);

  afterAll(async () => {
    await core?.close();
    if (fixture) await resetHost(fixture.address);
    fs.rmSync('/tmp/pw-pwned', { force: true });
  }, LAB_TIMEOUT);

  it('the exported playbook installs exactly the approved versions, and names are data, never templates', async () => {
    const updates = await core.call('machines/updates', { id: hostId });
    // Approve two of the three: the third must stay as it is.
    const approved = updates.filter((u) => u.package !== 'pw-fixture-b');
    await core.call('patches/approve', { items: approved.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [hostId] })) });
    const out = await core.call('ansible/export', {});
    expect(out.approved).toBe(2);
    expect(out.inventory).not.toContain('BEGIN OPENSSH PRIVATE KEY');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-ansible-run-'));
    fs.writeFileSync(path.join(dir, 'inventory.yml'), out.inventory);
    fs.writeFileSync(path.join(dir, 'approved.yml'), out.playbook);

    const inv = JSON.parse((await run('ansible-inventory', ['-i', path.join(dir, 'inventory.yml'), '--list'], { env: { ...process.env, ANSIBLE_NOCOLOR: '1' } })).stdout) as {
      _meta: { hostvars: Record<string, Record<string, unknown>> };
      front_desk: { hosts: string[] };
      tag_2nd_floor: { hosts: string[] };
    };
    expect(inv.front_desk.hosts).toEqual([fixture.address]);
    expect(inv.tag_2nd_floor.hosts).toEqual([fixture.address]);
    // Free text comes back marked unsafe: Ansible will never template it.
    expect(inv._meta.hostvars[fixture.address]).toMatchObject({ ansible_user: { __ansible_unsafe: 'admin' }, ansible_port: 22, patchwell_name: { __ansible_unsafe: HOSTILE } });

    // Host keys checked strictly: known_hosts is written from the lab's own record of the machine's public keys,
    // and the fingerprint Patchwell pinned and exported must be that machine's.
    expect(inv._meta.hostvars[fixture.address]).toMatchObject({ patchwell_host_key_fingerprint: fixture.hostKeyFingerprint });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, Object.entries(fixture.hostPublicKeys).map(([type, key]) => `${fixture.address} ${key.startsWith(type) ? key : `${type} ${key}`}`).join('\n') + '\n');
    // The private key stays where it is: the operator passes it, as they would their own.
    const env = {
      ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_PRIVATE_KEY_FILE: fixture.keyPath, ANSIBLE_NOCOLOR: '1',
      ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
    };
    // A debug task reads the hostile name: printed as text, the lookup inside it never runs.
    fs.writeFileSync(path.join(dir, 'name.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug:\n        msg: "{{ patchwell_name }}"\n');
    const shown = await run('ansible-playbook', ['-i', path.join(dir, 'inventory.yml'), path.join(dir, 'name.yml')], { env, maxBuffer: 16 * 1024 * 1024 });
    expect(shown.stdout).toContain("lookup('pipe', 'touch /tmp/pw-pwned')");
    expect(fs.existsSync('/tmp/pw-pwned')).toBe(false);

    const r = await run('ansible-playbook', ['-i', path.join(dir, 'inventory.yml'), path.join(dir, 'approved.yml')], { env, maxBuffer: 16 * 1024 * 1024 });
    expect(r.stdout).toMatch(/changed=1 .*failed=0/);
    const versions = await run('ssh', ['-i', fixture.keyPath, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', `admin@${fixture.address}`, 'dpkg-query', '-W', "-f='${Package}=${Version} '", ...FIXTURE_PACKAGES.map((p) => p.name)]);
    const expected = FIXTURE_PACKAGES.map((p) => `${p.name}=${approved.find((a) => a.package === p.name)?.candidateVersion ?? p.installed}`).sort();
    expect(versions.stdout.trim().split(' ').sort()).toEqual(expected);
  }, 600_000);
});
