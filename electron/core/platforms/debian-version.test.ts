import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { compareDebianVersions } from './debian-version';

const hasDpkg = spawnSync('dpkg', ['--version']).status === 0;

// Tricky cases; expected results checked with `dpkg --compare-versions` on Debian 12 (dpkg 1.21.22).
const TABLE: [string, string, number][] = [
  ['1.0', '1.0', 0], ['1.0', '1.0-0', 0], ['0:1.0', '1.0', 0], ['1.0', '1:0.1', -1],
  ['1.0~rc1', '1.0', -1], ['1.0~~', '1.0~', -1], ['1.0~', '1.0', -1], ['1.0', '1.0+', -1], ['1.0+', '1.0.', -1],
  ['1.0a', '1.0', 1], ['1.0a', '1.0+', -1], ['1.0a', '1.0.', -1], ['1.0', '1.0.0', -1], ['1.01', '1.1', 0],
  ['1.10', '1.9', 1], ['2.0', '10.0', -1], ['1.2.3-1', '1.2.3-1~bpo1', 1], ['3.0.22-1~deb12u2', '3.0.19-1~deb12u2', 1],
  ['2.5.0-1+deb12u1', '2.5.0-1', 1], ['5.2.15-2+b13', '5.2.15-2+b8', 1], ['1.0-1ubuntu1', '1.0-1', 1],
  ['1:1.16.5-1.3', '1.17-1', 1], ['a', 'b', -1], ['1.0-a', '1.0-A', 1], ['7.6p2-4', '7.6-0', 1],
  ['1.0-1-2', '1.0-1-10', -1], ['0~', '0', -1], ['00', '0', 0],
];

describe('compareDebianVersions', () => {
  it.each(TABLE)('%s vs %s = %d', (a, b, want) => {
    expect(compareDebianVersions(a, b)).toBe(want);
    expect(compareDebianVersions(b, a)).toBe(want === 0 ? 0 : -want);
  });

  it.skipIf(!hasDpkg)('agrees with dpkg --compare-versions on the table and on 400 generated pairs', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = (s: string): string => s[rnd(s.length)] ?? '';
    const part = (first: string, rest: string, len: number): string => {
      let out = pick(first);
      for (let i = 0; i < len; i++) out += pick(rest);
      return out;
    };
    const gen = (): string => {
      const epoch = rnd(4) === 0 ? `${rnd(3)}:` : '';
      const hasRev = rnd(2) === 0;
      const upstream = part('0123456789', `0123456789abcZ.+~${hasRev ? '-' : ''}${epoch ? ':' : ''}`, rnd(6));
      return `${epoch}${upstream}${hasRev ? `-${part('0123456789ab~', '0123456789ab.+~', rnd(4))}` : ''}`;
    };
    const pairs: [string, string][] = TABLE.map(([a, b]) => [a, b]);
    for (let i = 0; i < 400; i++) {
      const a = gen();
      // Mutate half of the pairs slightly so many compare close to equal.
      pairs.push([a, rnd(2) === 0 ? gen() : a.replace(/\d/, (d) => String((Number(d) + rnd(2)) % 10))]);
    }
    // Exit 0 = true, 1 = false; anything else means dpkg rejected a version, which must not count as "false".
    const dpkg = (a: string, op: string, b: string): boolean | null => {
      const st = spawnSync('dpkg', ['--compare-versions', a, op, b]).status;
      return st === 0 ? true : st === 1 ? false : null;
    };
    const mismatches: string[] = [];
    let checked = 0;
    for (const [a, b] of pairs) {
      const lt = dpkg(a, 'lt', b);
      const eq = dpkg(a, 'eq', b);
      if (lt === null || eq === null) continue;
      checked++;
      const want = lt ? -1 : eq ? 0 : 1;
      if (compareDebianVersions(a, b) !== want) mismatches.push(`${a} vs ${b}: dpkg ${want}, ours ${compareDebianVersions(a, b)}`);
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(350);
  }, 60_000);

  it.runIf(!hasDpkg)('dpkg cross-check skipped: dpkg is not installed on this machine', () => {
    expect(hasDpkg).toBe(false);
  });
});
