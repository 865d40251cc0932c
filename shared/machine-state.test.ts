import { describe, expect, it } from 'vitest';
import type { Host } from './contract';
import { canRepairDpkg, isSilenceMessage, machineProblems, stoppedAnsweringMessage } from './machine-state';

const ok: Pick<Host, 'pendingHostKey' | 'reachability' | 'health' | 'lastError' | 'platform' | 'transport'> = {
  pendingHostKey: null, reachability: 'up', health: { ok: true, problems: [] }, lastError: null, platform: 'debian', transport: 'ssh',
};
const brokenDpkg = { ...ok, health: { ok: false, problems: ['dpkg --audit: pw-fixture-a is unpacked but not configured'] } };

describe('machine problems', () => {
  it('lists a changed key, silence and a broken package manager, in that order; none for a healthy machine', () => {
    expect(machineProblems(ok)).toEqual([]);
    expect(machineProblems({ ...brokenDpkg, pendingHostKey: 'SHA256:x', reachability: 'down' }).map((p) => p.kind)).toEqual(['host-key-changed', 'unreachable', 'package-manager']);
    // Never checked is not the same as not answering.
    expect(machineProblems({ ...ok, reachability: 'unknown' })).toEqual([]);
    expect(machineProblems({ ...ok, pendingWinrmCert: 'ab12' }).map((p) => p.label)).toEqual(['Certificate changed']);
  });

  it('gives the step a machine went silent at as the reason, and an older unrelated error never', () => {
    const silent = { command: null, exitCode: null, stderrTail: '', message: stoppedAnsweringMessage('updates', 'the connection to 192.0.2.7 was lost (closed)') };
    expect(silent.message).toBe('Stopped answering at step updates (the connection to 192.0.2.7 was lost (closed))');
    expect(isSilenceMessage(silent.message)).toBe(true);
    expect(machineProblems({ ...ok, reachability: 'down', lastError: silent })[0]!.reason).toBe(silent.message);
    const auth = { ...silent, message: "192.0.2.7:22 refused the credential's login" };
    expect(machineProblems({ ...ok, reachability: 'down', lastError: auth })[0]!.reason).toBe('It did not answer the last check');
  });

  it('offers dpkg --configure -a only for a Debian machine over SSH whose dpkg is unhealthy and whose key is trusted', () => {
    expect(canRepairDpkg(brokenDpkg)).toBe(true);
    expect(canRepairDpkg(ok)).toBe(false);
    expect(canRepairDpkg({ ...brokenDpkg, platform: 'rhel' })).toBe(false);
    expect(canRepairDpkg({ ...brokenDpkg, pendingHostKey: 'SHA256:x' })).toBe(false);
    expect(canRepairDpkg({ ...brokenDpkg, health: null })).toBe(false);
  });
});
