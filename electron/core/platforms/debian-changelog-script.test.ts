/**
 * The changelog script run by this machine's sh, dpkg-deb and tar against real .debs, with a stand-in apt-get that
 * records each run: a batch's missing .debs come in one apt-get run (each run costs a machine about 0.3 s of CPU
 * loading apt's package cache), and only when that run fails are the rest fetched one at a time, so the output
 * still says which version could not be fetched. And the core's own reader (deb-changelog-read.ts) gives what the
 * script gives, on .debs of every layout the script handles.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changelogFromDeb } from './deb-changelog-read';
import { CHANGELOG_SCRIPT, parseChangelogScriptOutput } from './debian-changelog-fetch';

const hasDpkgDeb = spawnSync('dpkg-deb', ['--version']).status === 0;
const PACKAGES = [
  { name: 'pw-cl-a', version: '1.0-2' },
  { name: 'pw-cl-b', version: '1:2.0-1' },
  { name: 'pw-cl-c', version: '3.1-1' },
];
let dir: string;

interface DebLayout {
  /** Files under the package root, gzip-compressed when the name ends in .gz. */
  files?: Record<string, string>;
  /** Symlinks under the package root: path → target. */
  links?: Record<string, string>;
  compression?: 'gzip' | 'xz' | 'none' | 'zstd';
}

/** Text that zstd cannot shrink much (a fixed linear congruential sequence of letters): several decoder steps. */
function noise(bytes: number): string {
  let x = 12345;
  let out = '';
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += String.fromCharCode(97 + (x >> 16) % 26);
  }
  return out;
}

const entry = (name: string, version: string, suite = 'bookworm-security'): string =>
  `${name} (${version}) ${suite}; urgency=high\n\n  * Fix CVE-2026-0001.\n\n -- T <t@example.invalid>  Mon, 02 Nov 2026 10:00:00 +0000\n`;

function buildDeb(name: string, version: string, into: string, layout: DebLayout = {}): string {
  const root = fs.mkdtempSync(path.join(dir, 'build-'));
  fs.mkdirSync(path.join(root, 'DEBIAN'));
  fs.writeFileSync(path.join(root, 'DEBIAN/control'), `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: t <t@example.invalid>\nDescription: test\n`);
  const files = layout.files ?? { [`usr/share/doc/${name}/changelog.Debian.gz`]: entry(name, version) };
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), p.endsWith('.gz') ? gzipSync(text) : text);
  }
  for (const [p, target] of Object.entries(layout.links ?? {})) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.symlinkSync(target, path.join(root, p));
  }
  const out = path.join(into, `${name}_${version.replace(/:/g, '%3a')}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', `-Z${layout.compression ?? 'gzip'}`, '--build', root, out], { stdio: 'ignore' });
  return out;
}

function run(specs: string[], maxBytes = 100000): { output: string; aptRuns: string[] } {
  fs.writeFileSync(path.join(dir, 'apt-runs'), '');
  const r = spawnSync('sh', ['-s', '--', String(maxBytes), ...specs], {
    input: CHANGELOG_SCRIPT,
    encoding: 'utf8',
    env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, TMPDIR: dir, PW_REPO: path.join(dir, 'repo'), PW_RUNS: path.join(dir, 'apt-runs') },
  });
  return { output: r.stdout, aptRuns: fs.readFileSync(path.join(dir, 'apt-runs'), 'utf8').split('\n').filter(Boolean) };
}

describe.skipIf(!hasDpkgDeb)('the changelog script on this machine (skipped: no dpkg-deb here)', () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-cl-script-'));
    fs.mkdirSync(path.join(dir, 'repo'));
    fs.mkdirSync(path.join(dir, 'bin'));
    for (const p of PACKAGES) buildDeb(p.name, p.version, path.join(dir, 'repo'));
    // apt-get download, as apt does it: every named version into the current directory, or nothing and exit 100
    // when one of them is unknown.
    fs.writeFileSync(path.join(dir, 'bin/apt-get'), `#!/bin/sh
echo "$*" >> "$PW_RUNS"
[ "$1" = download ] || exit 64
shift; [ "$1" = -q ] && shift
for spec in "$@"; do
  f="$PW_REPO/\${spec%%=*}_$(printf '%s' "\${spec#*=}" | sed 's/:/%3a/g')_all.deb"
  [ -f "$f" ] || { echo "E: Version '\${spec#*=}' for '\${spec%%=*}' was not found"; exit 100; }
done
for spec in "$@"; do cp "$PW_REPO/\${spec%%=*}_$(printf '%s' "\${spec#*=}" | sed 's/:/%3a/g')_all.deb" .; done
`, { mode: 0o755 });
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fetches every missing .deb of the batch in one apt-get run', () => {
    const specs = PACKAGES.map((p) => `${p.name}=${p.version}`);
    const { output, aptRuns } = run(specs);
    expect(aptRuns).toEqual([`download -q ${specs.join(' ')}`]);
    const parsed = parseChangelogScriptOutput(output);
    expect(parsed.map((p) => [p.spec, p.status])).toEqual(specs.map((s) => [s, 'ok']));
    expect(parsed[1]!.text).toContain('pw-cl-b (1:2.0-1) bookworm-security; urgency=high');
    // The .debs it fetched are gone with its temporary directory.
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('patchwell-cl.'))).toEqual([]);
  });

  it('when the batch run fails, fetches the rest one at a time and names the version that could not be fetched', () => {
    const specs = ['pw-cl-a=1.0-2', 'pw-cl-gone=9-9', 'pw-cl-c=3.1-1'];
    const { output, aptRuns } = run(specs);
    expect(aptRuns).toEqual([`download -q ${specs.join(' ')}`, ...specs.map((s) => `download -q ${s}`)]);
    const parsed = parseChangelogScriptOutput(output);
    expect(parsed.map((p) => [p.spec, p.status])).toEqual([['pw-cl-a=1.0-2', 'ok'], ['pw-cl-gone=9-9', 'nodeb'], ['pw-cl-c=3.1-1', 'ok']]);
    expect(parsed[1]!.errors).toEqual(["E: Version '9-9' for 'pw-cl-gone' was not found"]);
  });
});

describe.skipIf(!hasDpkgDeb)('the core reads a changelog out of a .deb as the script does (skipped: no dpkg-deb here)', () => {
  const long = `usr/share/doc/pw-rd-long/${'a-very-long-directory-name-'.repeat(5)}/notes.txt`;
  const cases: { name: string; layout: DebLayout; maxBytes?: number }[] = [
    { name: 'pw-rd-xz', layout: { compression: 'xz' } },
    { name: 'pw-rd-none', layout: { compression: 'none', files: { 'usr/share/doc/pw-rd-none/changelog.gz': entry('pw-rd-none', '1.0-1', 'unstable') } } },
    {
      name: 'pw-rd-binnmu',
      layout: { compression: 'xz', files: { 'usr/share/doc/pw-rd-binnmu/changelog.Debian.gz': entry('pw-rd-binnmu', '1.0-1'), 'usr/share/doc/pw-rd-binnmu/changelog.Debian.amd64.gz': entry('pw-rd-binnmu', '1.0-1+b1', 'unstable') } },
    },
    { name: 'pw-rd-source', layout: { compression: 'xz', files: { 'usr/share/doc/pw-rd-src/changelog.Debian.gz': entry('pw-rd-src', '1.0-1'), 'usr/share/doc/pw-rd-source/README': 'x' } } },
    { name: 'pw-rd-link', layout: { compression: 'xz', files: { 'usr/share/doc/other/README': 'x' }, links: { 'usr/share/doc/pw-rd-link': 'pw-rd-base' } } },
    { name: 'pw-rd-inner', layout: { compression: 'gzip', files: { 'usr/share/doc/pw-rd-real/changelog.Debian.gz': entry('pw-rd-real', '1.0-1') }, links: { 'usr/share/doc/pw-rd-inner': 'pw-rd-real' } } },
    { name: 'pw-rd-none-at-all', layout: { compression: 'xz', files: { 'usr/bin/tool': 'x' } } },
    { name: 'pw-rd-zstd', layout: { compression: 'zstd' } },
    {
      name: 'pw-rd-zstd-big',
      // Ubuntu's layout: zstd, the changelog after a file whose compressed bytes span several of the decoder's steps.
      layout: { compression: 'zstd', files: { 'usr/bin/big': noise(400_000), 'usr/share/doc/pw-rd-zstd-big/changelog.Debian.gz': entry('pw-rd-zstd-big', '1.0-1').repeat(200) } },
    },
    { name: 'pw-rd-long', layout: { compression: 'xz', files: { [long]: 'x', 'usr/share/doc/pw-rd-long/changelog.Debian.gz': entry('pw-rd-long', '1.0-1').repeat(40) } }, maxBytes: 1000 },
  ];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-cl-read-'));
    fs.mkdirSync(path.join(dir, 'repo'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin/apt-get'), `#!/bin/sh
shift; shift
for spec in "$@"; do cp "$PW_REPO/\${spec%%=*}_\${spec#*=}_all.deb" . || exit 100; done
`, { mode: 0o755 });
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(cases)('$name', async ({ name, layout, maxBytes = 100000 }) => {
    const deb = buildDeb(name, '1.0-1', path.join(dir, 'repo'), layout);
    const [byScript] = parseChangelogScriptOutput(run([`${name}=1.0-1`], maxBytes).output);
    const byCore = await changelogFromDeb(fs.readFileSync(deb), name, maxBytes);
    expect(byScript!.status === 'ok' || byScript!.status === 'nochangelog').toBe(true);
    expect(byCore).toEqual({ status: byScript!.status, text: byScript!.text, link: byScript!.link });
  });

  it('leaves an archive it cannot read to the machine, refuses a damaged zstd archive and what is not a .deb', async () => {
    const deb = fs.readFileSync(buildDeb('pw-rd-other', '1.0-1', path.join(dir, 'repo'), { compression: 'zstd' }));
    // The same .deb with its data member renamed data.tar.bz2 (same length, so the ar headers stay valid).
    const at = deb.indexOf('data.tar.zst');
    expect(at).toBeGreaterThan(0);
    const bz2 = Buffer.from(deb);
    bz2.write('data.tar.bz2', at, 'latin1');
    expect(await changelogFromDeb(bz2, 'pw-rd-other', 1000)).toBeNull();
    // The zstd frame's bytes after its header overwritten: the decoder's error, not a changelog made of what came before.
    const damaged = Buffer.from(deb);
    damaged.fill(0xff, at + 60 + 8, at + 60 + 200);
    await expect(changelogFromDeb(damaged, 'pw-rd-other', 1000)).rejects.toThrow();
    await expect(changelogFromDeb(Buffer.from('not a deb at all, just text'), 'x', 1000)).rejects.toThrow(/not an ar archive/);
  });
});
