import { beforeEach, describe, expect, it } from 'vitest';
import type { BridgeResult, Host } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { hostsSelectors, initialMachinesState, useMachinesStore } from './machines-store';

function host(id: number, over: Partial<Host> = {}): Host {
  return {
    id,
    address: `127.0.0.${id}`,
    hostname: null,
    displayName: null,
    osFamily: 'linux',
    osName: null,
    osVersion: null,
    kernel: null,
    tags: [],
    criticality: 'normal',
    sshPort: 22,
    credentialId: null,
    sshHostKey: null,
    openPorts: [],
    reachability: 'unknown',
    source: 'manual',
    notes: '',
    firstSeen: null,
    lastSeen: null,
    createdAt: 1,
    updatedAt: 1,
    pendingHostKey: null, pendingWinrmCert: null, contactAllowedAt: null,
    exposed: false,
    transport: 'ssh',
    winrmPort: null,
    winrmHttps: false,
    winrmCert: null,
    platform: null,
    arch: null,
    uptimeSeconds: null,
    rebootRequired: null,
    rebootReasons: [],
    health: null,
    lastAssessedAt: null,
    lastError: null,
    mac: null,
    vendor: null,
    fingerprints: [],
    osGuess: null,
    pendingCount: 0,
    securityCount: 0,
    ...over,
  };
}

/** A transport that answers like the core would, recording the calls. */
function fakeCore(state: { hosts: Host[] }) {
  const calls: { name: string; arg: unknown }[] = [];
  setTransport({
    async invoke(name, arg): Promise<BridgeResult> {
      calls.push({ name, arg });
      if (name === 'machines/list') return { ok: true, value: state.hosts };
      if (name === 'machines/create') {
        const a = arg as { address: string };
        if (state.hosts.some((h) => h.address === a.address)) {
          return { ok: false, error: { name: 'AppError', message: 'taken', code: 'conflict', fields: { address: 'taken' } } };
        }
        const h = host(state.hosts.length + 1, { address: a.address });
        state.hosts = [...state.hosts, h];
        return { ok: true, value: h };
      }
      if (name === 'machines/remove') {
        const ids = (arg as { ids: number[] }).ids;
        state.hosts = state.hosts.filter((h) => !ids.includes(h.id));
        return { ok: true, value: { ok: true } };
      }
      return { ok: false, error: { name: 'AppError', message: `unexpected ${name}`, code: 'unknown-call' } };
    },
    onEvent: () => () => undefined,
    onState: () => () => undefined,
  });
  return calls;
}

beforeEach(() => {
  useMachinesStore.setState(initialMachinesState);
});

describe('hosts store', () => {
  it('loads, creates and removes through the client, keeping selection consistent', async () => {
    const state = { hosts: [host(1), host(2)] };
    const calls = fakeCore(state);
    await useMachinesStore.getState().load();
    expect(useMachinesStore.getState().hosts).toHaveLength(2);
    useMachinesStore.getState().setSelected([1, 2]);
    await useMachinesStore.getState().create({ address: '127.0.0.50' });
    expect(useMachinesStore.getState().hosts.map((h) => h.address)).toContain('127.0.0.50');
    await useMachinesStore.getState().remove([2]);
    expect(useMachinesStore.getState().selectedIds).toEqual([1]);
    expect(calls.map((c) => c.name)).toEqual(['machines/list', 'machines/create', 'machines/list', 'machines/remove', 'machines/list']);
  });

  it('rethrows the core error with its field messages', async () => {
    fakeCore({ hosts: [host(1)] });
    await expect(useMachinesStore.getState().create({ address: '127.0.0.1' })).rejects.toMatchObject({
      code: 'conflict',
      fields: { address: 'taken' },
    });
  });

  it('shows a load failure instead of an empty list', async () => {
    setTransport({
      invoke: async () => ({ ok: false, error: { name: 'Disconnected', message: 'Lost the connection', code: 'unavailable' } }),
      onEvent: () => () => undefined,
      onState: () => () => undefined,
    });
    await useMachinesStore.getState().load();
    expect(useMachinesStore.getState()).toMatchObject({ loaded: true, loadError: 'Lost the connection' });
  });

  it('computes labels and counts with pure selectors', () => {
    expect(hostsSelectors.label(host(1, { displayName: 'NAS', hostname: 'nas' }))).toBe('NAS');
    expect(hostsSelectors.label(host(1, { hostname: 'nas' }))).toBe('nas');
    expect(hostsSelectors.label(host(3))).toBe('127.0.0.3');
    const s = { ...initialMachinesState, hosts: [host(1, { reachability: 'up' }), host(2, { reachability: 'down' }), host(3)] };
    expect(hostsSelectors.counts(s)).toEqual({ total: 3, up: 1, down: 1, unknown: 1 });
  });
});
