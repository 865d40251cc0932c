import { describe, expect, it } from 'vitest';
import type { BridgeResult, PatchRow } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialPatchesState, machineItems, machineKey, usePatchesStore, visibleRows } from './patches-store';

const row = (pkg: string, score: number, over: Partial<PatchRow> = {}): PatchRow => ({
  key: `${pkg}\u00001`,
  package: pkg,
  candidateVersion: '1',
  installedVersions: ['0'],
  hostIds: [1],
  hostLabels: ['pc-1'],
  isSecurity: true,
  urgency: 'medium',
  cves: [],
  kevCves: [],
  ransomware: false,
  epss: null,
  epssPercentile: null,
  risk: { score, band: 'medium', why: '', factors: [] },
  approvedHosts: 0,
  firstDetectedAt: 0,
  notes: [],
  ...over,
});

describe('visibleRows', () => {
  const rows = [row('tzdata', 5, { isSecurity: false }), row('openssl', 90, { kevCves: ['CVE-2024-1'], cves: ['CVE-2024-1'] }), row('curl', 40, { epss: 0.5, hostIds: [1, 2, 3], hostLabels: ['a', 'nas', 'c'] })];
  const view = (o: Partial<typeof initialPatchesState>) => visibleRows({ ...initialPatchesState, rows, ...o }).map((r) => r.package);

  it('sorts by risk by default, and by the other keys on request', () => {
    expect(view({})).toEqual(['openssl', 'curl', 'tzdata']);
    expect(view({ sort: 'package' })).toEqual(['curl', 'openssl', 'tzdata']);
    expect(view({ sort: 'machines' })).toEqual(['curl', 'openssl', 'tzdata']);
    expect(view({ sort: 'epss' })).toEqual(['curl', 'openssl', 'tzdata']);
  });

  it('filters by text (package, CVE, machine), known-exploited and security', () => {
    expect(view({ filter: 'cve-2024' })).toEqual(['openssl']);
    expect(view({ filter: 'NAS' })).toEqual(['curl']);
    expect(view({ onlyKev: true })).toEqual(['openssl']);
    expect(view({ onlySecurity: true })).toEqual(['openssl', 'curl']);
  });
});

describe('machineItems', () => {
  const rows = [row('openssl', 90, { kevCves: ['CVE-2024-1'], cves: ['CVE-2024-1'], hostIds: [1, 2] }), row('tzdata', 5, { isSecurity: false, hostIds: [2] })];
  const byMachine = [
    { hostId: 1, label: 'web', score: 90, band: 'critical' as const, updates: [{ key: rows[0]!.key, score: 90, band: 'critical' as const, why: 'KEV', approved: false }] },
    {
      hostId: 2,
      label: 'desk',
      score: 60,
      band: 'high' as const,
      updates: [
        { key: rows[0]!.key, score: 60, band: 'high' as const, why: 'KEV on a low machine', approved: true },
        { key: rows[1]!.key, score: 5, band: 'low' as const, why: 'not security', approved: false },
      ],
    },
  ];
  const items = (o: Partial<typeof initialPatchesState>) => machineItems({ ...initialPatchesState, rows, byMachine, ...o });

  it('puts each machine before its updates, with the machine-specific score and approval', () => {
    expect(items({}).map((i) => (i.kind === 'machine' ? `# ${i.label} ${i.count}` : `${i.row.package} ${i.score} ${i.approved}`))).toEqual([
      '# web 1',
      'openssl 90 false',
      '# desk 2',
      'openssl 60 true',
      'tzdata 5 false',
    ]);
  });

  it('filters updates, dropping machines left with none; a machine name shows all its updates', () => {
    expect(items({ onlySecurity: true }).map((i) => i.kind === 'machine' ? i.label : i.row.package)).toEqual(['web', 'openssl', 'desk', 'openssl']);
    expect(items({ filter: 'tzdata' }).map((i) => i.kind === 'machine' ? i.label : i.row.package)).toEqual(['desk', 'tzdata']);
    expect(items({ filter: 'DESK' }).filter((i) => i.kind === 'update')).toHaveLength(2);
    expect(items({ byMachine: null })).toEqual([]);
  });

  it('approves a selection made by machine on that machine only', async () => {
    const sent: unknown[] = [];
    setTransport({
      invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
        if (name === 'patches/approve') {
          sent.push(arg);
          return { ok: true, value: { approved: 1 } };
        }
        if (name === 'patches/list') return { ok: true, value: { rows, feeds: [] } };
        if (name === 'patches/by-machine') return { ok: true, value: byMachine };
        throw new Error(name);
      },
      onEvent: () => () => undefined,
      onState: (fn) => (fn('open'), () => undefined),
    });
    usePatchesStore.setState({ ...initialPatchesState, rows, byMachine, groupBy: 'machine', selected: [machineKey(2, rows[1]!.key)] });
    expect(await usePatchesStore.getState().approveSelected()).toBe(1);
    expect(sent).toEqual([{ items: [{ package: 'tzdata', candidateVersion: '1', hostIds: [2] }] }]);
  });
});
