/**
 * "Check again" and "Repair" through the core's calls against ssh2's server on 127.0.0.1 playing a Debian machine
 * whose dpkg was interrupted: the check clears a "stopped answering" state and records dpkg's health; the repair
 * runs `dpkg --configure -a` as root, is audited, and reads the health again. (The real thing, on a real dpkg,
 * is repair.lab.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { machineProblems } from '../../../shared/machine-state';
import { coresWithSshd } from '../testing/core-harness';
import { recordHostError, recordReachability } from './machine-queries';

const AUDIT_BROKEN = 'The following packages have been unpacked but not yet configured.\n They must be configured using dpkg --configure or the\n configure option in dselect or aptitude for them to be installed:\n pw-fixture-a         Patchwell fixture package A\n';

const machine = coresWithSshd('recheck');

describe('Check again and Repair', () => {
  it('a silent machine that answers again loses its "stopped answering"; its broken dpkg is repaired, audited and re-read', async () => {
    let configured = false;
    const { core, sshd, machineId: id } = await machine((command) => {
        if (command.includes('/etc/os-release')) return { stdout: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' };
        if (command === 'sudo -k -n true') return {};
        if (command.includes('dpkg --configure -a')) {
          configured = true;
          return { stdout: 'Setting up pw-fixture-a (1.0-2) ...\n' };
        }
        if (command.includes('dpkg --audit')) return { stdout: configured ? '' : AUDIT_BROKEN, code: configured ? 0 : 1 };
        return { code: 127, stderr: `unexpected: ${command}` };
    });
    // As an assessment leaves a Debian machine that went silent in the middle of it.
    const db = core.services.db;
    db.prepare(`UPDATE hosts SET platform = 'debian', health = '{"ok":true,"problems":[]}', contact_allowed_at = 1 WHERE id = ?`).run(id);
    recordReachability(db, id, false, null);
    recordHostError(db, id, { command: null, exitCode: null, stderrTail: '', message: 'Stopped answering at step updates (the connection to 127.0.0.1 was lost (closed))' });
    expect(machineProblems(await core.call('machines/get', { id })).map((p) => p.kind)).toEqual(['unreachable']);
    await expect(core.call('machines/repair', { id })).rejects.toThrow(/no interrupted dpkg to repair/);

    const { jobId: checkJob } = await core.call('machines/recheck', { ids: [id] });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: checkJob })).targets[0]).toMatchObject({ state: 'succeeded', step: 'done' });
    const checked = await core.call('machines/get', { id });
    expect(checked).toMatchObject({ reachability: 'up', lastError: null });
    expect(machineProblems(checked)).toEqual([
      { kind: 'package-manager', label: 'Package manager broken', reason: expect.stringMatching(/^Its package manager is not healthy \(dpkg --audit: .*unpacked but not yet configured.*pw-fixture-a/) },
    ]);

    const { jobId: repairJob } = await core.call('machines/repair', { id });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: repairJob })).state).toBe('succeeded');
    expect(configured).toBe(true);
    expect(sshd.commands.filter((c) => c.includes('dpkg --configure -a'))).toEqual([expect.stringMatching(/^sudo -n -- env .*DEBIAN_FRONTEND=noninteractive.* dpkg --configure -a$/)]);
    expect((await core.call('machines/get', { id })).health).toEqual({ ok: true, problems: [] });
    const audit = await core.call('audit/list', {});
    expect(audit.find((a) => a.action === 'host.repair-dpkg')?.details).toMatchObject({ exitCode: 0, after: [], before: [{ source: 'dpkg --audit' }] });
    expect(audit.some((a) => a.action === 'host.repair-dpkg.request' && a.actor === 'user')).toBe(true);
  });
});
