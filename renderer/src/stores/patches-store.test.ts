import { describe, expect, it } from 'vitest';
import type { PatchRow } from '../../../shared/contract';
import { initialPatchesState, visibleRows } from './patches-store';

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
