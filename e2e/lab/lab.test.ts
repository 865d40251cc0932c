import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopsUnder, mountsUnder } from './cleanup.js';
import { addressOf, cacheDir, PROCESS_MARKER, stateDir } from './paths.js';
import { readCmdline } from './proc.js';
import {
  down, FIXTURE_PACKAGES, FIXTURE_REPO, labAvailable, latestVersion, SCENARIOS, startHost, status, stopHost, up,
  type LabHost, type Scenario,
} from './index.js';

const available = labAvailable();
const inCi = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
if (!available.ok && !inCi) console.warn(`lab tests skipped: ${available.reason}`);

const UP_TIMEOUT = 15 * 60_000;
const SSH_TIMEOUT = 120_000;
// The KEV snapshot the app ships (CC0), so the check runs wherever the repository is.
const KEV_FILE = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../resources/kev/known_exploited_vulnerabilities.json');

interface Result { code: number; stdout: string; stderr: string }

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-lab-test-'));

/** known_hosts pinned to the host key the lab reported: a wrong key fails the connection. */
function knownHosts(h: LabHost): string {
  const file = path.join(tmp, `known_hosts_${h.index}`);
  const key = h.hostPublicKeys['ssh-ed25519'];
  if (!key) throw new Error(`no ed25519 host key reported for ${h.address}`);
  fs.writeFileSync(file, `${h.address} ${key}\n`);
  return file;
}

function sshArgs(h: LabHost): string[] {
  return [
    '-F', '/dev/null', '-o', `UserKnownHostsFile=${knownHosts(h)}`, '-o', 'StrictHostKeyChecking=yes',
    '-o', 'HostKeyAlgorithms=ssh-ed25519', '-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR',
  ];
}

function exec(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, timeout: 100_000 });
  return { code: r.status ?? 255, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function sshKey(h: LabHost, command: string): Result {
  return exec('ssh', [...sshArgs(h), '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', h.keyPath, `admin@${h.address}`, command]);
}

function sshPassword(h: LabHost, password: string, command: string): Result {
  return exec('sshpass', ['-e', 'ssh', ...sshArgs(h), '-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive',
    '-o', 'NumberOfPasswordPrompts=1', `admin@${h.address}`, command], { ...process.env, SSHPASS: password });
}

function ok(r: Result): string {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r.stdout;
}

interface Upgradable { name: string; suite: string; version: string; from: string }

function parseUpgradable(out: string): Upgradable[] {
  return out.split('\n').flatMap((line) => {
    const m = /^([^/\s]+)\/(\S+) (\S+) \S+ \[upgradable from: ([^\]]+)\]/.exec(line);
    return m ? [{ name: m[1] as string, suite: m[2] as string, version: m[3] as string, from: m[4] as string }] : [];
  });
}

function labProcesses(): number[] {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number)
    .filter((pid) => (readCmdline(pid) ?? []).some((a) => a.startsWith(`${PROCESS_MARKER}=${stateDir()}`)));
}

describe.skipIf(!available.ok && !inCi)('the lab', () => {
  let hosts: LabHost[] = [];
  let before: LabHost[] = [];
  const host = (s: Scenario): LabHost => {
    const h = hosts.find((x) => x.scenario === s);
    if (!h) throw new Error(`no ${s} host in the lab`);
    return h;
  };

  beforeAll(async () => {
    if (!available.ok) throw new Error(`the lab cannot run on this machine (CI, so failing instead of skipping): ${available.reason}`);
    before = await status();
    hosts = await up({ scenarios: [...SCENARIOS], onLog: (l) => { if (!l.startsWith('  ')) console.log(`[lab] ${l}`); } });
  }, UP_TIMEOUT);

  afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  it('starts one host of each scenario with its own hostname and host key, reachable by key', () => {
    expect(hosts.map((h) => h.scenario)).toEqual([...SCENARIOS]);
    expect(new Set(hosts.map((h) => h.hostKeyFingerprint)).size).toBe(hosts.length);
    expect(fs.statSync(hosts[0]?.keyPath ?? '').mode & 0o777).toBe(0o600);
    for (const h of hosts) {
      expect(h.address).toBe(addressOf(h.index));
      expect(h.hostname).toBe(`lab-${h.index}-${h.scenario}`);
      expect(h.running).toBe(true);
      expect(h.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(h.hostKeyFingerprints['ssh-ed25519']).toBe(h.hostKeyFingerprint);
      expect(ok(sshKey(h, 'hostname')).trim()).toBe(h.hostname);
    }
  }, SSH_TIMEOUT);

  it('accepts the printed password, except on key-only hosts', () => {
    const stale = host('stale');
    expect(stale.password).toMatch(/^pw-lab-/);
    expect(ok(sshPassword(stale, stale.password ?? '', 'id -un')).trim()).toBe('admin');
    const keyOnly = host('key-only');
    expect(keyOnly.password).toBeNull();
    const refused = sshPassword(keyOnly, stale.password ?? '', 'true');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Permission denied \(publickey\)/);
  }, SSH_TIMEOUT);

  it('a stale host has real security updates pending, with older versions still installable', () => {
    const out = ok(sshKey(host('stale'), 'apt list --upgradable 2>/dev/null'));
    const security = parseUpgradable(out).filter((u) => u.suite.endsWith('-security'));
    expect(security.length, out).toBeGreaterThan(0);
    const first = security[0] as Upgradable;
    const madison = ok(sshKey(host('stale'), `apt-cache madison ${first.name}`));
    expect(madison).toContain(first.version);
    expect(madison).toContain(first.from);
  }, SSH_TIMEOUT);

  it('a current host has no updates pending', () => {
    expect(parseUpgradable(ok(sshKey(host('current'), 'apt list --upgradable 2>/dev/null')))).toEqual([]);
  }, SSH_TIMEOUT);

  it('a fixture host shows exactly the fixture updates, even after apt-get update', () => {
    const h = host('fixture');
    const expected = FIXTURE_PACKAGES.map((p) => ({ name: p.name, suite: 'pw-fixture', version: latestVersion(p).version, from: p.installed }));
    expect(parseUpgradable(ok(sshKey(h, 'apt list --upgradable 2>/dev/null')))).toEqual(expected);
    ok(sshKey(h, 'sudo apt-get update -qq'));
    expect(parseUpgradable(ok(sshKey(h, 'apt list --upgradable 2>/dev/null')))).toEqual(expected);
    for (const p of FIXTURE_PACKAGES) {
      expect(ok(sshKey(h, `dpkg-query -W -f '\${Version}' ${p.name}`))).toBe(p.installed);
      expect(ok(sshKey(h, `cat /usr/share/${p.name}/VERSION`)).trim()).toBe(p.installed);
    }
    // The newest .deb's changelog names its CVEs and urgency, as Debian's do.
    const c = FIXTURE_PACKAGES[2];
    if (!c) throw new Error('fixture list changed');
    const latest = latestVersion(c);
    const log = ok(sshKey(h, `cd /tmp && apt-get download -qq ${c.name}=${latest.version} && dpkg-deb --fsys-tarfile ${c.name}_${latest.version}_all.deb | tar -xO ./usr/share/doc/${c.name}/changelog.Debian.gz | zcat`));
    expect(log).toContain(`${c.name} (${latest.version}) bookworm-security; urgency=${latest.urgency}`);
    for (const cve of latest.cves) expect(log).toContain(cve);
  }, SSH_TIMEOUT);

  it('fixture CVEs marked as KEV are exactly those in the KEV catalog', () => {
    const kev = new Set((JSON.parse(fs.readFileSync(KEV_FILE, 'utf8')) as { vulnerabilities: { cveID: string }[] }).vulnerabilities.map((v) => v.cveID));
    const all = FIXTURE_PACKAGES.flatMap((p) => p.versions);
    for (const v of all) expect(v.kevCves).toEqual(v.cves.filter((c) => kev.has(c)));
    expect(all.some((v) => v.kevCves.length > 0)).toBe(true);
    expect(all.some((v) => v.cves.some((c) => !kev.has(c)))).toBe(true);
  });

  it('sudo: no password on stale, password on sudo-password, none at all on no-sudo', () => {
    ok(sshKey(host('stale'), 'sudo -n true'));
    const sp = host('sudo-password');
    expect(sp.sudoPassword).toBe(sp.password);
    expect(sshKey(sp, 'sudo -n true').stderr).toMatch(/password is required/);
    expect(ok(sshKey(sp, `echo '${sp.sudoPassword ?? ''}' | sudo -S -p '' id -u`)).trim()).toBe('0');
    const ns = host('no-sudo');
    expect(ns.sudoPassword).toBeNull();
    const denied = sshKey(ns, `echo '${ns.password ?? ''}' | sudo -S -p '' true`);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/not in the sudoers file/);
  }, SSH_TIMEOUT);

  it('a broken-dpkg host has an interrupted package that dpkg --audit reports', () => {
    const out = ok(sshKey(host('broken-dpkg'), 'sudo dpkg --audit'));
    expect(out).toMatch(/unpacked but not yet configured/);
    expect(out).toContain(FIXTURE_REPO.brokenPackage.name);
  }, SSH_TIMEOUT);

  it('a btrfs host takes and restores real snapshots', () => {
    const h = host('btrfs');
    expect(ok(sshKey(h, 'findmnt -n -o FSTYPE /')).trim()).toBe('btrfs');
    ok(sshKey(h, 'echo before | sudo tee /etc/pw-lab-test >/dev/null'));
    const snap = ok(sshKey(h, 'sudo snapper --no-dbus -c root create -p -d pw-lab-test')).trim();
    expect(snap).toMatch(/^\d+$/);
    ok(sshKey(h, 'echo after | sudo tee /etc/pw-lab-test >/dev/null'));
    expect(ok(sshKey(h, 'cat /etc/pw-lab-test')).trim()).toBe('after');
    ok(sshKey(h, `sudo snapper --no-dbus -c root undochange ${snap}..0`));
    expect(ok(sshKey(h, 'cat /etc/pw-lab-test')).trim()).toBe('before');
    // Plain btrfs too: a read-only snapshot of / holds the old content.
    ok(sshKey(h, 'sudo btrfs subvolume snapshot -r / /.snapshots/pw-raw && echo changed | sudo tee /etc/pw-lab-test >/dev/null'));
    expect(ok(sshKey(h, 'sudo cat /.snapshots/pw-raw/etc/pw-lab-test')).trim()).toBe('before');
    ok(sshKey(h, 'sudo btrfs subvolume delete /.snapshots/pw-raw && sudo snapper --no-dbus -c root delete ' + snap));
  }, SSH_TIMEOUT);

  it('stop-host takes a machine away and start-host brings it back with the same key', async () => {
    const h = host('current');
    await stopHost(h.address);
    expect((await status()).find((x) => x.address === h.address)?.running).toBe(false);
    expect(sshKey(h, 'true').code).toBe(255);
    await startHost(h.address);
    const again = (await status()).find((x) => x.address === h.address);
    expect(again?.running).toBe(true);
    expect(again?.hostKeyFingerprint).toBe(h.hostKeyFingerprint);
    expect(ok(sshKey(h, 'hostname')).trim()).toBe(h.hostname);
  }, SSH_TIMEOUT);

  it('up is idempotent and reconciles a different spec', async () => {
    const started = Date.now();
    const same = await up({ scenarios: [...SCENARIOS] });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(same.map((h) => h.hostKeyFingerprint)).toEqual(hosts.map((h) => h.hostKeyFingerprint));
    const more = await up({ scenarios: [...SCENARIOS, 'key-only'] });
    expect(more.map((h) => h.scenario)).toEqual([...SCENARIOS, 'key-only']);
    const extra = more[SCENARIOS.length] as LabHost;
    expect(ok(sshKey(extra, 'hostname')).trim()).toBe(`lab-${extra.index}-key-only`);
    const back = await up({ scenarios: [...SCENARIOS] });
    expect(back.map((h) => h.hostKeyFingerprint)).toEqual(hosts.map((h) => h.hostKeyFingerprint));
  }, UP_TIMEOUT);

  it('down leaves no mounts, loop devices or processes behind', async () => {
    await down();
    expect(await status()).toEqual([]);
    expect(mountsUnder([stateDir(), cacheDir()], '/proc/mounts')).toEqual([]);
    expect(loopsUnder([stateDir(), cacheDir()])).toEqual([]);
    expect(labProcesses()).toEqual([]);
    for (const h of hosts) expect(sshKey(h, 'true').code).toBe(255);
    // Other suites may share this lab: bring back what was up before this file ran.
    if (before.length > 0) await up({ scenarios: before.map((h) => h.scenario) });
  }, UP_TIMEOUT);

  it('rejects hostile input with clear errors', async () => {
    await expect(up({ hosts: 0 })).rejects.toThrow(/hosts must be a whole number/);
    await expect(up({ scenarios: ['nope' as Scenario] })).rejects.toThrow(/unknown scenario "nope"/);
    await expect(stopHost('10.0.0.1')).rejects.toThrow(/not a lab address/);
    await expect(stopHost('127.0.0.11; rm -rf /')).rejects.toThrow(/not a lab address/);
  });
});
