/**
 * A machine that stops answering in the middle of an assessment (here: ssh2's server on 127.0.0.1 ends the
 * connection when the changelogs are asked for, after 118 updates were listed) gets ONE line saying at which
 * step, not a warning per changelog batch and per package; and its row says "not answering" as soon as it
 * happens, without a "Check all".
 */
import { describe, expect, it } from 'vitest';
import type { Host, InventoryReason } from '../../../shared/contract';
import { machineProblems } from '../../../shared/machine-state';
import { fixture } from '../platforms/fake-remote';
import { coresWithSshd } from '../testing/core-harness';

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';

const machine = coresWithSshd('silent');

describe('a machine that stops answering mid-assessment', () => {
  it('is reported once, at the step it went silent, and marked not answering straight away', async () => {
    const { core, machineId } = await machine(
      (command, stdin) => {
        if (command.includes('/etc/os-release')) return { stdout: OS_RELEASE };
        if (stdin.includes('# patchwell:debian-facts')) return { stdout: fixture('debian/facts-script.txt') };
        if (command.includes('dpkg-query')) return { stdout: '' };
        if (command.includes('dist-upgrade')) return { stdout: fixture('debian/apt-get-s-dist-upgrade.txt') };
        if (command.includes('showhold') || command.includes('apt-cache')) return { stdout: '' };
        return { code: 127, stderr: `unexpected: ${command}` };
      },
      { drop: (_command, stdin) => stdin.includes('# patchwell:debian-changelogs') },
    );
    const reasons: InventoryReason[] = [];
    core.subscribe((e) => {
      if (e.name === 'inventory/changed') reasons.push(e.payload.reason);
    });
    const { jobId } = await core.call('assess/start', { ids: [machineId], refresh: false, allowFirstContact: true });
    await core.services.jobs.idle();

    const job = await core.call('jobs/get', { id: jobId });
    expect(job.state).toBe('failed');
    expect(job.targets[0]!.failure?.message).toMatch(/^Stopped answering at step updates \(the connection to 127\.0\.0\.1 was lost/);
    const log = await core.call('jobs/log', { id: jobId });
    const about = log.filter((l) => l.level !== 'info');
    // One line, not one per batch of 20 changelogs (6) and per package without a changelog (118).
    expect(about.map((l) => l.message)).toEqual([expect.stringMatching(/^Stopped answering at step updates/)]);
    expect(log.some((l) => /changelog/i.test(l.message))).toBe(false);

    const row: Host = await core.call('machines/get', { id: machineId });
    expect(row.reachability).toBe('down');
    expect(machineProblems(row)).toEqual([{ kind: 'unreachable', label: 'Not answering', reason: row.lastError!.message }]);
    // Announced as a reachability change when it happened, before the assessment's own end-of-job announcement.
    expect(reasons.indexOf('reachability')).toBeGreaterThanOrEqual(0);
    expect(reasons.indexOf('reachability')).toBeLessThan(reasons.lastIndexOf('assessed'));

    // It answers again (the server only ended that one connection): a plain check clears the state.
    await core.call('machines/check', { ids: [machineId] });
    await core.services.jobs.idle();
    const back: Host = await core.call('machines/get', { id: machineId });
    expect(back).toMatchObject({ reachability: 'up', lastError: null });
    expect(machineProblems(back)).toEqual([]);
  });
});
