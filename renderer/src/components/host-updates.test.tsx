/**
 * A machine's updates count its findings (the core's one definition), not its security-suite updates: a
 * KEV-listed update from another repository said "(0 security)" here while Patches flagged it.
 */
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeResult, Host, PendingUpdateView } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { HostUpdates } from './host-updates';

const NOW = Date.UTC(2026, 10, 22);

const host = {
  id: 3, address: '127.0.0.3', hostname: null, displayName: 'files01', osFamily: 'linux', osName: 'Debian GNU/Linux', osVersion: '12', kernel: null,
  tags: [], criticality: 'normal', exposed: false, sshPort: 22, transport: 'ssh', winrmPort: null, winrmHttps: false, winrmCert: null, credentialId: null,
  sshHostKey: null, pendingHostKey: null, pendingWinrmCert: null, contactAllowedAt: null, platform: 'debian', arch: 'amd64', uptimeSeconds: 3600, rebootRequired: false, rebootReasons: [], health: null,
  lastAssessedAt: NOW, lastError: null, mac: null, vendor: null, fingerprints: [], osGuess: null, pendingCount: 3, securityCount: 0, openPorts: [22],
  reachability: 'up', source: 'manual', notes: '', firstSeen: null, lastSeen: null, createdAt: NOW, updatedAt: NOW,
} satisfies Host;

const update = (id: number, pkg: string, cves: string[]): PendingUpdateView => ({
  id, hostId: 3, package: pkg, arch: 'amd64', installedVersion: '1', candidateVersion: '2', source: 'bookworm-backports', isSecurity: false,
  urgency: null, held: false, cves, advisoryIds: [], detectedAt: NOW,
});

afterEach(() => {
  cleanup();
  setTransport(null);
});

describe('HostUpdates', () => {
  it("counts the machine's findings beside its pending updates", async () => {
    const answers: Record<string, unknown> = {
      'machines/updates': [update(1, 'liblog-java', ['CVE-2021-44228']), update(2, 'tzdata', []), update(3, 'vim', [])],
      'machines/assessments': [],
    };
    setTransport({
      invoke: async (name: string): Promise<BridgeResult> => ({ ok: true, value: answers[name] ?? null }),
      onEvent: () => () => undefined,
      onState: (fn) => (fn('open'), () => undefined),
    });
    render(<HostUpdates host={host} findings={1} />);
    expect(await screen.findByRole('heading', { name: '3 pending updates (1 finding)' })).toBeDefined();
  });
});
