import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { run, type Log } from './exec.js';
import { FIXTURE_PACKAGES, FIXTURE_REPO, debFileName, type FixturePackage, type FixtureVersion } from './fixture-packages.js';
import { buildOnce, hashOf } from './layers.js';
import { withLock } from './lock.js';
import { cacheDir } from './paths.js';

/** Fixed timestamps make the .debs and the index byte-for-byte reproducible. */
const EPOCH = 1704067200; // 2024-01-01T00:00:00Z
const RELEASE_DATE = 'Mon, 01 Jan 2024 00:00:00 UTC';
const MAINTAINER = 'Patchwell Lab <lab@patchwell.invalid>';
/** Bump when the way packages or the index are built changes (keys must not depend on the runner's transpiled code). */
const REPO_FORMAT = 1;
const KEY_UID = 'Patchwell Lab Fixture Signing <fixture@lab.patchwell.invalid>';

export interface FixtureRepo {
  key: string;
  dir: string;
}

function changelogEntry(pkg: FixturePackage, v: FixtureVersion): string {
  const bullets = [`  * ${v.summary}`, ...v.cves.map((cve) => `  * Fix ${cve}.`)];
  return `${pkg.name} (${v.version}) bookworm-security; urgency=${v.urgency}\n\n${bullets.join('\n')}\n\n -- ${MAINTAINER}  ${v.date}\n`;
}

/** Debian-style changelog: every entry up to this version, newest first. */
export function changelogFor(pkg: FixturePackage, upTo: FixtureVersion): string {
  const idx = pkg.versions.indexOf(upTo);
  return pkg.versions.slice(0, idx + 1).reverse().map((v) => changelogEntry(pkg, v)).join('\n');
}

function writeFile(file: string, content: string | Buffer, mode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.writeFileSync(file, content, { mode });
  fs.chmodSync(file, mode);
}

function setTimes(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) setTimes(p);
    fs.utimesSync(p, EPOCH, EPOCH);
  }
  fs.utimesSync(dir, EPOCH, EPOCH);
}

async function buildDeb(pkg: FixturePackage, v: FixtureVersion, work: string, out: string): Promise<void> {
  const tree = path.join(work, `${pkg.name}-${v.version}`);
  for (const [file, content] of Object.entries(v.files)) {
    writeFile(path.join(tree, file), content, file.startsWith('/usr/bin/') ? 0o755 : 0o644);
  }
  const doc = path.join(tree, 'usr/share/doc', pkg.name);
  writeFile(path.join(doc, 'changelog.Debian.gz'), zlib.gzipSync(changelogFor(pkg, v), { level: 9 }), 0o644);
  writeFile(path.join(doc, 'copyright'), `Test package for the Patchwell lab. Public domain.\n`, 0o644);
  const installedKiB = Object.values(v.files).reduce((n, c) => n + Math.ceil(c.length / 1024), 0) + 2;
  writeFile(path.join(tree, 'DEBIAN/control'), [
    `Package: ${pkg.name}`,
    `Version: ${v.version}`,
    'Architecture: all',
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedKiB}`,
    'Section: misc',
    'Priority: optional',
    `Description: ${pkg.description}`,
    ' A small package built by the Patchwell lab so update, CVE and deployment tests',
    ' have exact expectations.',
    '',
  ].join('\n'), 0o644);
  setTimes(tree);
  await run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', tree, path.join(out, debFileName(pkg.name, v.version))], {
    env: { ...process.env, SOURCE_DATE_EPOCH: String(EPOCH) },
  });
}

function gpgDir(): string {
  return path.join(cacheDir(), 'fixture-gpg');
}

async function gpg(args: string[], log?: Log): Promise<string> {
  const r = await run('gpg', ['--homedir', gpgDir(), '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { log });
  return r.stdout;
}

/** The repository's signing key: made once, then kept in the cache so every build signs alike. */
async function ensureSigningKey(log: Log): Promise<string> {
  const fprFile = path.join(gpgDir(), 'fingerprint');
  return withLock(path.join(cacheDir(), 'fixture-gpg.lock'), 'fixture key', async () => {
    if (fs.existsSync(fprFile)) return fs.readFileSync(fprFile, 'utf8').trim();
    fs.rmSync(gpgDir(), { recursive: true, force: true });
    fs.mkdirSync(gpgDir(), { recursive: true, mode: 0o700 });
    log('generating the fixture repository signing key');
    try {
      await gpg(['--quick-gen-key', KEY_UID, 'ed25519', 'sign', 'never']);
      const listing = await gpg(['--with-colons', '--list-secret-keys', KEY_UID]);
      const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
      if (!fpr) throw new Error(`no fingerprint in gpg output:\n${listing}`);
      fs.writeFileSync(fprFile, `${fpr}\n`);
      return fpr;
    } finally {
      await stopAgent();
    }
  });
}

/** gpg starts an agent on first use; the lab leaves no process behind. */
async function stopAgent(): Promise<void> {
  await run('gpgconf', ['--homedir', gpgDir(), '--kill', 'all'], { allowFail: true });
}

/** Builds (once per fixture definition and key) the signed flat apt repository of the fixture packages. */
export async function ensureFixtureRepo(log: Log): Promise<FixtureRepo> {
  const fpr = await ensureSigningKey(log);
  const key = hashOf(['fixture-repo', REPO_FORMAT, FIXTURE_PACKAGES, FIXTURE_REPO, fpr, MAINTAINER, EPOCH, RELEASE_DATE]);
  const dir = path.join(cacheDir(), `fixture-repo-${key}`);
  await buildOnce(dir, `fixture apt repository (${key})`, log, async (tmp) => {
    const pool = path.join(tmp, 'pool');
    const work = path.join(tmp, '.work');
    fs.mkdirSync(pool, { recursive: true });
    for (const pkg of FIXTURE_PACKAGES) for (const v of pkg.versions) await buildDeb(pkg, v, work, pool);
    fs.rmSync(work, { recursive: true });
    const packages = (await run('apt-ftparchive', ['packages', 'pool'], { cwd: tmp })).stdout;
    fs.writeFileSync(path.join(tmp, 'Packages'), packages);
    fs.writeFileSync(path.join(tmp, 'Packages.gz'), zlib.gzipSync(packages, { level: 9 }));
    const release = (await run('apt-ftparchive', [
      '-o', `APT::FTPArchive::Release::Origin=${FIXTURE_REPO.origin}`,
      '-o', `APT::FTPArchive::Release::Label=${FIXTURE_REPO.origin}`,
      '-o', 'APT::FTPArchive::Release::Suite=pw-fixture',
      '-o', 'APT::FTPArchive::Release::Codename=pw-fixture',
      '-o', `APT::FTPArchive::Release::Date=${RELEASE_DATE}`,
      'release', '.',
    ], { cwd: tmp })).stdout;
    fs.writeFileSync(path.join(tmp, 'Release'), release);
    try {
      await gpg(['--local-user', fpr, '--digest-algo', 'SHA512', '--clearsign', '-o', path.join(tmp, 'InRelease'), path.join(tmp, 'Release')]);
      await gpg(['--local-user', fpr, '--digest-algo', 'SHA512', '--armor', '--detach-sign', '-o', path.join(tmp, 'Release.gpg'), path.join(tmp, 'Release')]);
      fs.writeFileSync(path.join(tmp, 'pw-fixture.gpg'), gpgBinary(['--export', fpr]));
    } finally {
      await stopAgent();
    }
    // apt's _apt sandbox user reads the repository through the bind mount.
    await run('chmod', ['-R', 'a+rX,go-w', tmp]);
  });
  return { key, dir };
}

function gpgBinary(args: string[]): Buffer {
  const r = spawnSync('gpg', ['--homedir', gpgDir(), '--batch', ...args]);
  if (r.status !== 0 || r.stdout.length === 0) throw new Error(`gpg ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

export function fixtureSources(): string {
  return [
    'Types: deb',
    `URIs: file:${FIXTURE_REPO.pathInHost}`,
    'Suites: ./',
    `Signed-By: ${FIXTURE_REPO.keyring}`,
    '',
  ].join('\n');
}
