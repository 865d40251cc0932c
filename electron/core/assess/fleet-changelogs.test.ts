/**
 * The core reads a changelog from a .deb the office cache holds once for the whole fleet, only from bytes whose
 * SHA-256 it computed itself, and a machine that names the wrong file, hash or package changes nothing for another.
 * And the fetch flow: the core's read first, then (with the cache lent) a download through it, then the machine's
 * own script for the rest.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchChangelogs } from '../platforms/debian-changelog-fetch';
import { FakeRemote } from '../platforms/fake-remote';
import { FleetChangelogs } from './fleet-changelogs';

const hasDpkgDeb = spawnSync('dpkg-deb', ['--version']).status === 0;
let dir: string;
/** Filename (as a Packages record names it) → path of the file the stand-in cache holds. */
const held = new Map<string, string>();
const cache = { repositoryFile: (filename: string) => held.get(filename) ?? null };

function deb(name: string, version: string, cve: string): { filename: string; sha256: string } {
  const root = fs.mkdtempSync(path.join(dir, 'build-'));
  fs.mkdirSync(path.join(root, 'DEBIAN'));
  fs.writeFileSync(path.join(root, 'DEBIAN/control'), `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: t <t@example.invalid>\nDescription: test\n`);
  fs.mkdirSync(path.join(root, 'usr/share/doc', name), { recursive: true });
  fs.writeFileSync(path.join(root, 'usr/share/doc', name, 'changelog.Debian.gz'),
    gzipSync(`${name} (${version}) bookworm-security; urgency=high\n\n  * Fix ${cve}.\n\n -- T <t@example.invalid>  Mon, 02 Nov 2026 10:00:00 +0000\n`));
  const file = path.join(dir, `${name}_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, file], { stdio: 'ignore' });
  const filename = `pool/main/p/${name}/${name}_${version}_all.deb`;
  held.set(filename, file);
  return { filename, sha256: createHash('sha256').update(fs.readFileSync(file)).digest('hex') };
}

describe.skipIf(!hasDpkgDeb)('changelogs read by the core for the fleet (skipped: no dpkg-deb here)', () => {
  let a: { filename: string; sha256: string };
  let b: { filename: string; sha256: string };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-fleet-cl-'));
    a = deb('pw-fl-a', '1.0-2', 'CVE-2026-1111');
    b = deb('pw-fl-b', '2.0-1', 'CVE-2026-2222');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads each file once however many machines ask, also at the same time', async () => {
    const fleet = new FleetChangelogs(() => cache, 100_000);
    const asks = Array.from({ length: 20 }, () => fleet.read({ name: 'pw-fl-a', version: '1.0-2', ...a }));
    const results = await Promise.all(asks);
    expect(results.every((r) => r?.status === 'ok' && r.text.includes('CVE-2026-1111'))).toBe(true);
    await fleet.read({ name: 'pw-fl-a', version: '1.0-2', ...a });
    expect(fleet.counters).toEqual({ read: 1, reused: 1, refused: 0 });
  });

  it('trusts no machine: a wrong hash, another file, another package or a path outside the pool give nothing to anyone else', async () => {
    const fleet = new FleetChangelogs(() => cache, 100_000);
    // The right file with a hash that is not its own: refused, and nothing kept.
    expect(await fleet.read({ name: 'pw-fl-a', version: '1.0-2', filename: a.filename, sha256: b.sha256 })).toBeNull();
    expect(fleet.counters.refused).toBe(1);
    // Another package's file under this hash: the bytes are not these.
    expect(await fleet.read({ name: 'pw-fl-a', version: '1.0-2', filename: b.filename, sha256: a.sha256 })).toBeNull();
    // pw-fl-a's bytes named as pw-fl-b: read and kept for those bytes under that name only…
    expect((await fleet.read({ name: 'pw-fl-b', version: '2.0-1', ...a }))?.text).toContain('CVE-2026-1111');
    // …so a machine naming pw-fl-b's own file gets pw-fl-b's changelog, and pw-fl-a's file still gives pw-fl-a's.
    const honestB = await fleet.read({ name: 'pw-fl-b', version: '2.0-1', ...b });
    expect(honestB?.text).toContain('CVE-2026-2222');
    expect(honestB?.text).not.toContain('CVE-2026-1111');
    expect((await fleet.read({ name: 'pw-fl-a', version: '1.0-2', ...a }))?.text).toContain('CVE-2026-1111');
    expect(fleet.counters).toEqual({ read: 3, reused: 0, refused: 2 });
    expect(await fleet.read({ name: 'pw-fl-a', version: '1.0-2', filename: '../../etc/passwd', sha256: a.sha256 })).toBeNull();
    expect(await fleet.read({ name: 'pw-fl-a', version: '1.0-2', filename: a.filename, sha256: 'not-a-hash' })).toBeNull();
    // No cache lent, or a file it does not hold: nothing.
    expect(await new FleetChangelogs(() => null, 100_000).read({ name: 'pw-fl-a', version: '1.0-2', ...a })).toBeNull();
    expect(await fleet.read({ name: 'pw-fl-c', version: '1', filename: 'pool/main/p/pw-fl-c/pw-fl-c_1_all.deb', sha256: a.sha256 })).toBeNull();
  });

  it('fetchChangelogs: the core reads what the cache holds, the machine downloads the rest through it once, and reads only what is left', async () => {
    const fleet = new FleetChangelogs(() => cache, 100_000);
    const show = (name: string, version: string, f: { filename: string; sha256: string } | null): string =>
      `Package: ${name}\nVersion: ${version}\nSize: 1000\n${f ? `Filename: ${f.filename}\nSHA256: ${f.sha256}\n` : ''}\n`;
    // The cache holds pw-fl-a's file before this machine asks; pw-fl-b's arrives with the machine's download.
    const bFile = held.get(b.filename)!;
    held.delete(b.filename);
    const remote = new FakeRemote()
      .on(['apt-cache', 'show', 'pw-fl-a=1.0-2', 'pw-fl-b=2.0-1', 'pw-fl-z=3-1'], {
        stdout: show('pw-fl-a', '1.0-2', a) + show('pw-fl-b', '2.0-1', b) + show('pw-fl-z', '3-1', null),
      })
      .on('script:debian-prefetch-debs', () => {
        held.set(b.filename, bFile);
        return { stdout: '' };
      })
      .on('script:debian-changelogs', { stdout: '@@PW-BEGIN pw-fl-z=3-1\n|pw-fl-z (3-1) unstable; urgency=low\n|\n|  * CVE-2026-3333.\n@@PW-END ok\n' });
    remote.proxyUrl = 'http://127.0.0.1:40000';
    const wanted = [{ name: 'pw-fl-a', version: '1.0-2' }, { name: 'pw-fl-b', version: '2.0-1' }, { name: 'pw-fl-z', version: '3-1' }];
    const { infos, warnings } = await fetchChangelogs(remote, wanted, { fromRepository: (d) => fleet.read(d) });
    expect(warnings).toEqual([]);
    expect(infos.get('pw-fl-a=1.0-2')?.entries[0]?.cves).toEqual(['CVE-2026-1111']);
    expect(infos.get('pw-fl-b=2.0-1')?.entries[0]?.cves).toEqual(['CVE-2026-2222']);
    expect(infos.get('pw-fl-z=3-1')?.entries[0]?.cves).toEqual(['CVE-2026-3333']);
    const scripts = remote.calls.filter((c) => c.argv[0]?.startsWith('script:')).map((c) => c.argv);
    // Only what the cache did not hold was downloaded; only what has no file the core can vouch for went to the machine.
    expect(scripts).toEqual([['script:debian-prefetch-debs', 'pw-fl-b=2.0-1'], ['script:debian-changelogs', '524288', 'pw-fl-z=3-1']]);
    expect(fleet.counters.read).toBe(2);
  });

  it('fetchChangelogs: what the cache does not hold, it fetches for the core, so the machine downloads nothing', async () => {
    const bFile = held.get(b.filename)!;
    held.delete(b.filename);
    const fetched: string[] = [];
    const fetching = {
      ...cache,
      fetchRepositoryFile: (filename: string): Promise<string | null> => {
        fetched.push(filename);
        if (filename === b.filename) held.set(b.filename, bFile);
        if (filename === 'pool/main/p/pw-fl-y/pw-fl-y_4-1_all.deb') return Promise.reject(new Error('no route to the repository'));
        return Promise.resolve(held.get(filename) ?? null);
      },
    };
    const fleet = new FleetChangelogs(() => fetching, 100_000);
    // Without the flag, a read only looks at what is held.
    expect(await fleet.read({ name: 'pw-fl-b', version: '2.0-1', ...b })).toBeNull();
    expect(fetched).toEqual([]);
    const show = (name: string, version: string, f: { filename: string; sha256: string }): string =>
      `Package: ${name}\nVersion: ${version}\nSize: 1000\nFilename: ${f.filename}\nSHA256: ${f.sha256}\n\n`;
    const y = { filename: 'pool/main/p/pw-fl-y/pw-fl-y_4-1_all.deb', sha256: a.sha256 };
    const remote = new FakeRemote()
      .on(['apt-cache', 'show', 'pw-fl-a=1.0-2', 'pw-fl-b=2.0-1', 'pw-fl-y=4-1'], { stdout: show('pw-fl-a', '1.0-2', a) + show('pw-fl-b', '2.0-1', b) + show('pw-fl-y', '4-1', y) })
      .on('script:debian-prefetch-debs', { stdout: '' })
      .on('script:debian-changelogs', { stdout: '@@PW-BEGIN pw-fl-y=4-1\n|pw-fl-y (4-1) unstable; urgency=low\n|\n|  * CVE-2026-4444.\n@@PW-END ok\n' });
    remote.proxyUrl = 'http://127.0.0.1:40000';
    const wanted = [{ name: 'pw-fl-a', version: '1.0-2' }, { name: 'pw-fl-b', version: '2.0-1' }, { name: 'pw-fl-y', version: '4-1' }];
    const { infos, warnings } = await fetchChangelogs(remote, wanted, { fromRepository: (d, fetch) => fleet.read(d, fetch) });
    expect(warnings).toEqual([]);
    expect(infos.get('pw-fl-b=2.0-1')?.entries[0]?.cves).toEqual(['CVE-2026-2222']);
    expect(infos.get('pw-fl-y=4-1')?.entries[0]?.cves).toEqual(['CVE-2026-4444']);
    // pw-fl-a was held: not fetched. pw-fl-b was fetched by the cache; pw-fl-y's repository could not be reached from
    // the core, so only pw-fl-y went to the machine: downloaded through the cache, then read there.
    expect(fetched).toEqual([b.filename, y.filename]);
    const scripts = remote.calls.filter((c) => c.argv[0]?.startsWith('script:')).map((c) => c.argv);
    expect(scripts).toEqual([['script:debian-prefetch-debs', 'pw-fl-y=4-1'], ['script:debian-changelogs', '524288', 'pw-fl-y=4-1']]);
  });
});
