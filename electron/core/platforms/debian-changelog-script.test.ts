/**
 * The changelog script run by this machine's sh, dpkg-deb and tar against real .debs, with a stand-in apt-get that
 * records each run: a batch's missing .debs come in one apt-get run (each run costs a machine about 0.3 s of CPU
 * loading apt's package cache), and only when that run fails are the rest fetched one at a time, so the output
 * still says which version could not be fetched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGELOG_SCRIPT, parseChangelogScriptOutput } from './debian-changelog-fetch';

const hasDpkgDeb = spawnSync('dpkg-deb', ['--version']).status === 0;
const PACKAGES = [
  { name: 'pw-cl-a', version: '1.0-2' },
  { name: 'pw-cl-b', version: '1:2.0-1' },
  { name: 'pw-cl-c', version: '3.1-1' },
];
let dir: string;

function buildDeb(name: string, version: string, into: string): void {
  const root = fs.mkdtempSync(path.join(dir, 'build-'));
  fs.mkdirSync(path.join(root, 'DEBIAN'));
  fs.writeFileSync(path.join(root, 'DEBIAN/control'), `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: t <t@example.invalid>\nDescription: test\n`);
  const doc = path.join(root, 'usr/share/doc', name);
  fs.mkdirSync(doc, { recursive: true });
  const text = `${name} (${version}) bookworm-security; urgency=high\n\n  * Fix CVE-2026-0001.\n\n -- T <t@example.invalid>  Mon, 02 Nov 2026 10:00:00 +0000\n`;
  fs.writeFileSync(path.join(doc, 'changelog.Debian.gz'), gzipSync(text));
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, path.join(into, `${name}_${version.replace(/:/g, '%3a')}_all.deb`)], { stdio: 'ignore' });
}

function run(specs: string[]): { output: string; aptRuns: string[] } {
  fs.writeFileSync(path.join(dir, 'apt-runs'), '');
  const r = spawnSync('sh', ['-s', '--', '100000', ...specs], {
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
