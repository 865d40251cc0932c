import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalRemote } from '../../platforms/local-remote';
import { KEEP_DIR, keptCount, RPM_KEEP_SCRIPT, RPM_RESTORE_SCRIPT, RPM_VERIFY_SCRIPT, rpmFileName, rpmSpec } from './rpm-common';

/**
 * The scripts run in a real sh against stand-in dnf/zypper/rpm commands on PATH that record their arguments,
 * with the keep folder moved into a temporary directory (the only change made to the script text).
 */
let tmp: string;
let bin: string;
let keep: string;
const remote = new LocalRemote();

function shim(name: string, body: string): void {
  fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

function script(text: string): string {
  expect(text).toContain(`dir=${KEEP_DIR}`);
  return text.replace(`dir=${KEEP_DIR}`, `dir=${keep}`).replace('chown root:root "$dir" && ', '');
}

const env = (): Record<string, string> => ({ PATH: `${bin}:/usr/bin:/bin`, LOG: path.join(tmp, 'calls') });
const calls = (): string[] => (fs.existsSync(path.join(tmp, 'calls')) ? fs.readFileSync(path.join(tmp, 'calls'), 'utf8').trim().split('\n') : []);

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-rpm-'));
  bin = path.join(tmp, 'bin');
  keep = path.join(tmp, 'keep');
  fs.mkdirSync(bin);
  shim('rpm', 'echo "rpm $*" >> "$LOG"; exit 0');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('rpm file names and specs', () => {
  it('names files without the epoch, as repositories do, and specs with it', () => {
    const i = { name: 'openssl-libs', version: '1:3.0.7-27.el9', arch: 'x86_64' };
    expect(rpmFileName(i)).toBe('openssl-libs-3.0.7-27.el9.x86_64.rpm');
    expect(rpmSpec('dnf', i)).toBe('openssl-libs-1:3.0.7-27.el9.x86_64');
    expect(rpmSpec('zypper', i)).toBe('openssl-libs.x86_64=1:3.0.7-27.el9');
  });
});

describe('keeping the old packages', () => {
  it('keeps what dnf downloads, says what it already had and what no repository offers', async () => {
    // dnf "downloads" only pw-a; pw-b is kept already; pw-c is offered nowhere.
    shim('dnf', 'echo "dnf $*" >> "$LOG"; for a in "$@"; do case "$a" in --downloaddir=*) d=${a#--downloaddir=};; esac; done; case "$*" in *pw-a-1.0-1.noarch*) echo x > "$d/pw-a-1.0-1.noarch.rpm"; exit 0;; esac; exit 1');
    fs.mkdirSync(keep, { recursive: true });
    fs.writeFileSync(path.join(keep, 'pw-b-2.0-1.noarch.rpm'), 'kept');
    const r = await remote.script(script(RPM_KEEP_SCRIPT), ['dnf', 'pw-a-1.0-1.noarch.rpm', 'pw-a-1.0-1.noarch', 'pw-b-2.0-1.noarch.rpm', 'pw-b-2.0-1.noarch', 'pw-c-3.0-1.noarch.rpm', 'pw-c-3.0-1.noarch'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['present pw-b-2.0-1.noarch.rpm', 'downloaded pw-a-1.0-1.noarch.rpm', 'unavailable pw-c-3.0-1.noarch.rpm']);
    expect(fs.readFileSync(path.join(keep, 'pw-a-1.0-1.noarch.rpm'), 'utf8')).toBe('x\n');
    expect((fs.statSync(keep).mode & 0o777).toString(8)).toBe('700');
    // No temporary folder is left behind.
    expect(fs.readdirSync(keep).sort()).toEqual(['pw-a-1.0-1.noarch.rpm', 'pw-b-2.0-1.noarch.rpm']);
    // One dnf start for everything not kept yet; it exited 0, so the missing pw-c is not asked for again.
    expect(calls().filter((c) => c.startsWith('dnf'))).toEqual([expect.stringMatching(/reinstall --downloadonly --downloaddir=\S+ pw-a-1\.0-1\.noarch pw-c-3\.0-1\.noarch$/)]);
  });

  it('asks for nothing when every file is kept already', async () => {
    shim('dnf', 'echo "dnf $*" >> "$LOG"; exit 1');
    fs.mkdirSync(keep, { recursive: true });
    fs.writeFileSync(path.join(keep, 'pw-a-1.0-1.noarch.rpm'), 'kept');
    const r = await remote.script(script(RPM_KEEP_SCRIPT), ['dnf', 'pw-a-1.0-1.noarch.rpm', 'pw-a-1.0-1.noarch'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('present pw-a-1.0-1.noarch.rpm');
    expect(calls().filter((c) => c.startsWith('dnf'))).toEqual([]);
  });

  it('when one package stops the whole download, tries each missing package on its own', async () => {
    // zypper fails the batch (nothing saved) whenever pw-c is in it; alone, pw-a and pw-b download.
    shim('zypper', 'echo "zypper $*" >> "$LOG"; for a in "$@"; do case "$a" in pw-c*) exit 8;; esac; done; while [ $# -gt 0 ]; do case "$1" in --pkg-cache-dir) d=$2; shift;; pw-*) n=${1%%.noarch=*}; v=${1#*=}; mkdir -p "$d/pw-fixture/noarch"; echo "$n" > "$d/pw-fixture/noarch/$n-$v.noarch.rpm";; esac; shift; done; exit 0');
    const r = await remote.script(script(RPM_KEEP_SCRIPT), ['zypper', 'pw-a-1.0-1.noarch.rpm', 'pw-a.noarch=1.0-1', 'pw-b-2.0-1.noarch.rpm', 'pw-b.noarch=2.0-1', 'pw-c-3.0-1.noarch.rpm', 'pw-c.noarch=3.0-1'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['downloaded pw-a-1.0-1.noarch.rpm', 'downloaded pw-b-2.0-1.noarch.rpm', 'unavailable pw-c-3.0-1.noarch.rpm']);
    expect(fs.readFileSync(path.join(keep, 'pw-b-2.0-1.noarch.rpm'), 'utf8')).toBe('pw-b\n');
    expect(calls().filter((c) => c.startsWith('zypper')).map((c) => c.replace(/--pkg-cache-dir \S+ /, ''))).toEqual([
      'zypper --non-interactive --quiet download pw-a.noarch=1.0-1 pw-b.noarch=2.0-1 pw-c.noarch=3.0-1',
      'zypper --non-interactive --quiet download pw-a.noarch=1.0-1',
      'zypper --non-interactive --quiet download pw-b.noarch=2.0-1',
      'zypper --non-interactive --quiet download pw-c.noarch=3.0-1',
    ]);
  });

  it('does not trust a symbolic link in the keep folder', async () => {
    shim('dnf', 'exit 1');
    fs.mkdirSync(keep, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'elsewhere.rpm'), 'planted');
    fs.symlinkSync(path.join(tmp, 'elsewhere.rpm'), path.join(keep, 'pw-a-1.0-1.noarch.rpm'));
    const r = await remote.script(script(RPM_KEEP_SCRIPT), ['dnf', 'pw-a-1.0-1.noarch.rpm', 'pw-a-1.0-1.noarch'], { env: env() });
    expect(r.stdout.trim()).toBe('unavailable pw-a-1.0-1.noarch.rpm');
  });
});

describe('restoring versions', () => {
  beforeEach(() => {
    fs.mkdirSync(keep, { recursive: true });
    fs.writeFileSync(path.join(keep, 'pw-a-1.0-1.noarch.rpm'), 'kept');
    shim('dnf', 'echo "dnf $*" >> "$LOG"');
    shim('zypper', 'echo "zypper $*" >> "$LOG"');
  });
  const args = ['pw-a-1.0-1.noarch.rpm', 'pw-a-1.0-1.noarch', 'pw-b-2.0-1.noarch.rpm', 'pw-b-2.0-1.noarch'];

  it('installs kept files where it has them and exact versions from the repositories otherwise, signatures checked', async () => {
    const r = await remote.script(script(RPM_RESTORE_SCRIPT), ['dnf', 'kept', ...args], { env: env() });
    expect(r.code).toBe(0);
    // An unreachable repository is skipped, so a machine cut off from its mirrors still installs the kept files.
    expect(calls()).toEqual([`dnf -y --setopt=localpkg_gpgcheck=1 --setopt=skip_if_unavailable=True install ${keep}/pw-a-1.0-1.noarch.rpm pw-b-2.0-1.noarch`]);
    expect(keptCount(r.stdout)).toEqual({ kept: 1, of: 2 });
  });

  it('uses only the repositories in repo mode, and zypper allows the downgrade', async () => {
    const r = await remote.script(script(RPM_RESTORE_SCRIPT), ['zypper', 'repo', 'pw-a-1.0-1.noarch.rpm', 'pw-a.noarch=1.0-1', 'pw-b-2.0-1.noarch.rpm', 'pw-b.noarch=2.0-1'], { env: env() });
    expect(calls()).toEqual(['zypper --non-interactive install --oldpackage --no-recommends pw-a.noarch=1.0-1 pw-b.noarch=2.0-1']);
    expect(keptCount(r.stdout)).toEqual({ kept: 0, of: 2 });
  });

  it('writes the files of versions the rpm database already names again, from the kept files (reinstall mode)', async () => {
    await remote.script(script(RPM_RESTORE_SCRIPT), ['dnf', 'reinstall', ...args], { env: env() });
    await remote.script(script(RPM_RESTORE_SCRIPT), ['zypper', 'reinstall', 'pw-a-1.0-1.noarch.rpm', 'pw-a.noarch=1.0-1'], { env: env() });
    expect(calls()).toEqual([
      `dnf -y --setopt=localpkg_gpgcheck=1 --setopt=skip_if_unavailable=True reinstall ${keep}/pw-a-1.0-1.noarch.rpm pw-b-2.0-1.noarch`,
      `zypper --non-interactive install --oldpackage --no-recommends --force ${keep}/pw-a-1.0-1.noarch.rpm`,
    ]);
  });

  it('dnf in repo mode does not skip an unreachable repository: the versions must come from one', async () => {
    await remote.script(script(RPM_RESTORE_SCRIPT), ['dnf', 'repo', ...args], { env: env() });
    expect(calls()).toEqual(['dnf -y --setopt=localpkg_gpgcheck=1 install pw-a-1.0-1.noarch pw-b-2.0-1.noarch']);
  });
});

describe('checking files against the rpm database', () => {
  it('names the packages rpm -V finds altered or missing files in, and only those', async () => {
    // Flags and "missing" as rpm -V prints them; pw-b verifies clean (rpm -V prints nothing).
    shim('rpm', 'echo "rpm $*" >> "$LOG"; case "$*" in *" pw-a") echo "..5......    /usr/share/pw-a/VERSION"; exit 1;; *" pw-c") echo "missing     /usr/bin/pw-c"; exit 1;; esac; exit 0');
    const r = await remote.script(RPM_VERIFY_SCRIPT, ['pw-a', 'pw-b', 'pw-c'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['altered pw-a', 'altered pw-c']);
    // Configuration files are the administrator's; time stamps and owners are not what a rollback is judged on.
    expect(calls()[0]).toBe('rpm -V --noconfig --nomtime --nomode --nouser --nogroup --nordev --nocaps pw-a');
  });
});
