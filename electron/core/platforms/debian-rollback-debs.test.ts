import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  debFileName, isDebSource, keepDebsArgs, KEEP_DEBS_SCRIPT, parseKeepDebs, parseResolvedDebs, RESOLVE_DEBS_SCRIPT,
} from './debian-rollback-debs';
import { LocalRemote } from './local-remote';

/**
 * The scripts run in a real sh against a stand-in apt-get (its `update --print-uris` names one file: repository's
 * list) and apt-helper (copies copy: URLs and checks each SHA-256, as the real one does), with apt's folders moved
 * into a temporary directory: the only changes made to the script text.
 */
let tmp: string;
let bin: string;
let archives: string;
let lists: string;
let repo: string;
const local = new LocalRemote();
const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function shim(name: string, body: string): void {
  fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

const env = (): Record<string, string> => ({ PATH: `${bin}:/usr/bin:/bin`, LOG: path.join(tmp, 'calls'), REPO: repo });
const calls = (): string[] => (fs.existsSync(path.join(tmp, 'calls')) ? fs.readFileSync(path.join(tmp, 'calls'), 'utf8').trim().split('\n') : []);

function script(text: string): string {
  expect(text).toContain('/var/lib/apt/lists/');
  return text.replaceAll('/var/lib/apt/lists/', `${lists}/`).replace('cd /var/cache/apt/archives ', `cd ${archives} `).replaceAll('/usr/lib/apt/apt-helper', path.join(bin, 'apt-helper'));
}

/** A .deb in the stand-in repository (its bytes are all the scripts look at) and its record in the list. */
function publish(name: string, version: string, arch: string, records: string[]): string {
  const rel = `pool/main/${name}/${debFileName(name, version, arch).replace('%3a', '')}`;
  fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  fs.writeFileSync(path.join(repo, rel), `${name} ${version} ${arch}\n`);
  records.push(`Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nDescription: a package\n long text\nFilename: ${rel}\nSize: 20\nSHA256: ${sha(path.join(repo, rel))}\n`);
  return rel;
}

const LIST = 'repo_dists_bookworm_main_binary-amd64_Packages';

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-keep-debs-'));
  bin = path.join(tmp, 'bin');
  archives = path.join(tmp, 'archives');
  lists = path.join(tmp, 'lists');
  repo = path.join(tmp, 'repo');
  for (const d of [bin, path.join(archives, 'partial'), lists, repo]) fs.mkdirSync(d, { recursive: true });
  shim('apt-get', `echo "apt-get $*" >> "$LOG"
if [ "$1" = update ]; then echo "'file:$REPO/dists/bookworm/InRelease' repo_dists_bookworm_InRelease 0 "; echo "'file:$REPO/dists/bookworm/main/binary-amd64/Packages' ${LIST} 0 "; fi
exit 0`);
  shim('apt-helper', `echo "apt-helper $*" >> "$LOG"
if [ "$1" = cat-file ]; then shift; for f in "$@"; do gzip -dc "$f" || exit 100; done; exit 0; fi
[ "$1" = download-file ] || exit 2; shift; rc=0
while [ "$#" -ge 3 ]; do
  src=\${1#copy:}; out=$2; want=\${3#SHA256:}; shift 3
  if [ -f "$src" ] && [ "$(sha256sum < "$src" | cut -d ' ' -f 1)" = "$want" ]; then cp "$src" "$out"; else rc=100; fi
done
exit $rc`);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the lookup as the login user (assessment)', () => {
  it('names the URL and checksum of each version the lists hold, and nothing for one they do not', async () => {
    const records: string[] = [];
    const relA = publish('pw-a', '1.0-1', 'amd64', records);
    const relB = publish('pw-b', '2:3.1-2', 'all', records);
    publish('pw-a', '1.1-1', 'amd64', records);
    fs.writeFileSync(path.join(lists, LIST), records.join('\n'));
    const asked = ['pw-a:amd64=1.0-1', 'pw-b:all=2:3.1-2', 'pw-c:amd64=1-1'];
    const r = await local.script(script(RESOLVE_DEBS_SCRIPT), asked, { env: env() });
    expect(r.code).toBe(0);
    expect(parseResolvedDebs(r.stdout, asked)).toEqual(new Map([
      ['pw-a:amd64=1.0-1', { url: `copy:${repo}/${relA}`, sha256: sha(path.join(repo, relA)) }],
      ['pw-b:all=2:3.1-2', { url: `copy:${repo}/${relB}`, sha256: sha(path.join(repo, relB)) }],
    ]));
    // Nothing fetched, nothing written where apt keeps its files.
    expect(calls()).toEqual(['apt-get update --print-uris -o Debug::NoLocking=1']);
    expect(fs.readdirSync(path.join(archives, 'partial'))).toEqual([]);
  });
});

describe('a machine that keeps its lists compressed', () => {
  it('reads them through apt-helper cat-file, for the lookup and for the deployment alike', async () => {
    const records: string[] = [];
    const rel = publish('pw-a', '1.0-1', 'amd64', records);
    fs.writeFileSync(path.join(lists, `${LIST}.gz`), zlib.gzipSync(records.join('\n')));
    const r = await local.script(script(RESOLVE_DEBS_SCRIPT), ['pw-a:amd64=1.0-1'], { env: env() });
    expect(parseResolvedDebs(r.stdout, ['pw-a:amd64=1.0-1'])).toEqual(new Map([['pw-a:amd64=1.0-1', { url: `copy:${repo}/${rel}`, sha256: sha(path.join(repo, rel)) }]]));
    expect(calls().map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['apt-get update', 'apt-helper cat-file']);

    fs.rmSync(path.join(tmp, 'calls'));
    const k = await local.script(script(KEEP_DEBS_SCRIPT), ['pw-a:amd64=1.0-1'], { env: env() });
    expect(parseKeepDebs(k.stdout)).toEqual({ present: [], downloaded: ['pw-a:amd64=1.0-1'], viaAptGet: [], unavailable: [] });
    expect(calls().map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['apt-get update', 'apt-helper cat-file', 'apt-helper download-file']);
    // The unpacked list went with the script.
    expect(fs.readdirSync(path.join(archives, 'partial'))).toEqual([]);
  });
});

describe('keeping the .debs (deployment, root)', () => {
  let records: string[];
  let rel: string;
  const spec = 'pw-a:amd64=1.0-1';
  beforeEach(() => {
    records = [];
    rel = publish('pw-a', '1.0-1', 'amd64', records);
    fs.writeFileSync(path.join(lists, LIST), records.join('\n'));
  });
  const kept = (): string => fs.readFileSync(path.join(archives, 'pw-a_1.0-1_amd64.deb'), 'utf8');

  it('fetches a version the assessment found without reading the lists', async () => {
    const args = keepDebsArgs([{ name: 'pw-a', arch: 'amd64', version: '1.0-1' }], new Map([[spec, { url: `copy:${repo}/${rel}`, sha256: sha(path.join(repo, rel)) }]]));
    const r = await local.script(script(KEEP_DEBS_SCRIPT), args, { env: env() });
    expect(r.code).toBe(0);
    expect(parseKeepDebs(r.stdout)).toEqual({ present: [], downloaded: [spec], viaAptGet: [], unavailable: [] });
    expect(kept()).toBe('pw-a 1.0-1 amd64\n');
    // One apt-helper run; no apt-get at all (no print-uris, no grep through the lists, no download).
    expect(calls()).toEqual([`apt-helper download-file copy:${repo}/${rel} partial/patchwell-pw-a_1.0-1_amd64.deb SHA256:${sha(path.join(repo, rel))}`]);
    expect(fs.readdirSync(path.join(archives, 'partial'))).toEqual([]);
  });

  it('looks the version up in the lists when its file is not where the assessment found it, or not with that checksum', async () => {
    for (const source of [{ url: `copy:${repo}/pool/gone.deb`, sha256: sha(path.join(repo, rel)) }, { url: `copy:${repo}/${rel}`, sha256: '0'.repeat(64) }]) {
      fs.rmSync(path.join(archives, 'pw-a_1.0-1_amd64.deb'), { force: true });
      fs.rmSync(path.join(tmp, 'calls'), { force: true });
      const args = keepDebsArgs([{ name: 'pw-a', arch: 'amd64', version: '1.0-1' }], new Map([[spec, source]]));
      const r = await local.script(script(KEEP_DEBS_SCRIPT), args, { env: env() });
      expect(parseKeepDebs(r.stdout)).toEqual({ present: [], downloaded: [spec], viaAptGet: [], unavailable: [] });
      expect(kept()).toBe('pw-a 1.0-1 amd64\n');
      expect(calls().map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['apt-helper download-file', 'apt-get update', 'apt-helper download-file']);
      // Nothing that failed its checksum is left behind or kept.
      expect(fs.readdirSync(path.join(archives, 'partial'))).toEqual([]);
    }
  });

  it('keeps what is there, and looks up only the versions that came without a source', async () => {
    fs.writeFileSync(path.join(archives, 'pw-b_2.0_all.deb'), 'kept before\n');
    const args = keepDebsArgs([{ name: 'pw-b', arch: 'all', version: '2.0' }, { name: 'pw-a', arch: 'amd64', version: '1.0-1' }]);
    const r = await local.script(script(KEEP_DEBS_SCRIPT), args, { env: env() });
    expect(parseKeepDebs(r.stdout)).toEqual({ present: ['pw-b:all=2.0'], downloaded: [spec], viaAptGet: [], unavailable: [] });
    expect(calls().map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['apt-get update', 'apt-helper download-file']);
  });
});

describe('what goes to the machine and what comes back', () => {
  const sum = 'ab'.repeat(32);
  it('hands over only a URL and checksum apt-helper may be given; anything else makes the machine look the version up', () => {
    const items = ['a', 'b', 'c', 'd', 'e'].map((n) => ({ name: `pw-${n}`, arch: 'amd64', version: '1.0' }));
    const sources = new Map([
      ['pw-a:amd64=1.0', { url: 'http://deb.debian.org/debian/pool/main/p/pw-a/pw-a_1.0_amd64.deb', sha256: sum }],
      ['pw-b:amd64=1.0', { url: 'http://x/$(reboot)', sha256: sum }],
      ['pw-c:amd64=1.0', { url: 'copy:/srv/repo/pool/pw-c_1.0_amd64.deb', sha256: 'AB'.repeat(32) }],
      ['pw-d:amd64=1.0', { url: 'ftp://x/pw-d.deb', sha256: sum }],
      ['pw-e:amd64=1.0', { url: 'http://x/a|b', sha256: sum }],
    ]);
    expect(keepDebsArgs(items, sources)).toEqual([
      `pw-a:amd64=1.0|http://deb.debian.org/debian/pool/main/p/pw-a/pw-a_1.0_amd64.deb|${sum}`,
      'pw-b:amd64=1.0', 'pw-c:amd64=1.0', 'pw-d:amd64=1.0', 'pw-e:amd64=1.0',
    ]);
    expect(() => keepDebsArgs([{ name: 'pw-a', arch: 'amd64', version: '1.0 --x' }])).toThrow(/Debian version/);
    expect(isDebSource({ url: 'copy:/srv/repo/x.deb', sha256: sum })).toBe(true);
    expect(isDebSource({ url: "copy:/srv/repo/x'.deb", sha256: sum })).toBe(false);
  });

  it('reads back only the versions asked, with a URL and checksum that pass', () => {
    const out = [
      `found pw-a:amd64=1.0 http://deb.debian.org/debian/pool/pw-a_1.0_amd64.deb ${sum}`,
      `found pw-z:amd64=1.0 http://deb.debian.org/debian/pool/pw-z_1.0_amd64.deb ${sum}`,
      `found pw-b:amd64=1.0 http://x/\`id\` ${sum}`,
      'found pw-c:amd64=1.0 http://x/pw-c.deb short',
      `found pw-a:amd64=1.0 http://elsewhere/pw-a.deb ${sum}`,
      'noise',
    ].join('\n');
    expect(parseResolvedDebs(out, ['pw-a:amd64=1.0', 'pw-b:amd64=1.0', 'pw-c:amd64=1.0'])).toEqual(new Map([
      ['pw-a:amd64=1.0', { url: 'http://deb.debian.org/debian/pool/pw-a_1.0_amd64.deb', sha256: sum }],
    ]));
  });
});
