/**
 * The local RPM repositories of the rpm-fixture and suse-fixture hosts: the fixture packages built with rpmbuild
 * (noarch, no automatic dependencies, fixed timestamps), indexed by createrepo_c, with an updateinfo.xml added
 * by modifyrepo_c — Rocky-style RLSA advisories for dnf, openSUSE-SU patches for zypper. Built once per
 * definition into the lab cache, like the apt fixture repository.
 *
 * Every package is signed with rpmsign by a throwaway RSA key made by gpg for this build only (no passphrase; the
 * secret key is deleted once the packages are signed). Its public key goes into each repository, and the hosts
 * import it into their rpm databases: dnf and zypper then check the signatures, as on a real machine, and the
 * old .rpm files a deployment keeps can be installed by a rollback with no repository at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run, type Log } from './exec.js';
import { buildOnce, hashOf } from './layers.js';
import { cacheDir } from './paths.js';
import {
  evrOf, RPM_FIXTURE_PACKAGES, RPM_FIXTURE_REPO, rpmFileName, type RpmFixturePackage, type RpmFixtureVersion, type RpmFlavour,
} from './rpm-fixture-packages.js';

const EPOCH = 1704067200; // 2024-01-01T00:00:00Z: build time and mtimes of every package
const PACKAGER = 'Patchwell Lab <lab@patchwell.invalid>';
/** Bump when the way packages or the metadata are built changes. */
const REPO_FORMAT = 2;
const SIGNER = 'Patchwell Lab RPM signing <lab@patchwell.invalid>';

export interface RpmRepos {
  key: string;
  /** One repository directory per flavour (same packages, different advisory ids and date formats). */
  dirs: Record<RpmFlavour, string>;
}

function changelogDate(iso: string): string {
  // rpm wants "Tue Apr 02 2024".
  const d = new Date(iso);
  const day = d.toUTCString().slice(0, 3);
  const month = d.toUTCString().slice(8, 11);
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, '0')} ${d.getUTCFullYear()}`;
}

function changelog(pkg: RpmFixturePackage, upTo: RpmFixtureVersion): string {
  const idx = pkg.versions.indexOf(upTo);
  return pkg.versions.slice(0, idx + 1).reverse().map((v) => {
    const a = v.advisory;
    const date = changelogDate(a?.issued ?? '2024-01-01T00:00:00Z');
    const lines = a ? [`- ${a.title}`, ...a.cves.map((c) => `- Fix ${c}`)] : ['- Initial release'];
    return `* ${date} ${PACKAGER} - ${evrOf(v)}\n${lines.join('\n')}\n`;
  }).join('\n');
}

function specFor(pkg: RpmFixturePackage, v: RpmFixtureVersion, stage: string): string {
  const paths = Object.keys(v.files).sort();
  return [
    `Name: ${pkg.name}`,
    ...(v.epoch ? [`Epoch: ${v.epoch}`] : []),
    `Version: ${v.version}`,
    `Release: ${v.release}`,
    `Summary: ${pkg.summary}`,
    'License: Public Domain',
    'BuildArch: noarch',
    `Packager: ${PACKAGER}`,
    // The hosts' rpm databases hold only fixture packages: an automatic "Requires: /bin/sh" would be unresolvable.
    'AutoReqProv: no',
    '',
    '%description',
    'A small package built by the Patchwell lab so update, advisory and deployment tests have exact expectations.',
    '',
    '%install',
    `cp -a ${stage}/. %{buildroot}/`,
    '',
    '%files',
    ...paths,
    '',
    '%changelog',
    changelog(pkg, v),
  ].join('\n');
}

async function buildRpm(pkg: RpmFixturePackage, v: RpmFixtureVersion, work: string, out: string): Promise<void> {
  const name = `${pkg.name}-${v.version}-${v.release}`;
  const stage = path.join(work, name, 'stage');
  for (const [file, content] of Object.entries(v.files)) {
    const dst = path.join(stage, file);
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.writeFileSync(dst, content, { mode: file.startsWith('/usr/bin/') ? 0o755 : 0o644 });
  }
  const spec = path.join(work, name, `${pkg.name}.spec`);
  fs.writeFileSync(spec, specFor(pkg, v, stage));
  const top = path.join(work, name, 'top');
  await run('rpmbuild', [
    '--define', `_topdir ${top}`, '--define', '_buildhost pw-lab', '--define', 'use_source_date_epoch_as_buildtime 1',
    '--define', 'clamp_mtime_to_source_date_epoch 1', '--define', '_binary_payload w9.xzdio', '--quiet', '-bb', spec,
  ], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: work, LANG: 'C', SOURCE_DATE_EPOCH: String(EPOCH) } });
  fs.copyFileSync(path.join(top, 'RPMS', 'noarch', rpmFileName(pkg.name, v)), path.join(out, rpmFileName(pkg.name, v)));
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * updateinfo.xml as each family publishes it: Red Hat's issued dates as "YYYY-MM-DD hh:mm:ss" and capitalised
 * severities, SUSE's as seconds since the epoch and lower-case severities (zypper reads both).
 */
export function updateinfoXml(flavour: RpmFlavour): string {
  const updates = RPM_FIXTURE_PACKAGES.flatMap((pkg) => pkg.versions.flatMap((v) => {
    const a = v.advisory;
    if (!a) return [];
    const id = flavour === 'rhel' ? a.rhelId : a.suseId;
    const issued = flavour === 'rhel' ? a.issued.replace('T', ' ').replace(/Z$/, '') : String(Date.parse(a.issued) / 1000);
    const severity = flavour === 'rhel' ? a.severity : a.severity.toLowerCase();
    const refs = a.cves.map((c) => `      <reference href="https://www.cve.org/CVERecord?id=${c}" id="${c}" type="cve" title="${c}"/>`);
    return [[
      `  <update from="lab@patchwell.invalid" status="${flavour === 'rhel' ? 'final' : 'stable'}" type="security" version="1">`,
      `    <id>${xml(id)}</id>`,
      `    <title>${xml(`${a.severity}: ${a.title}`)}</title>`,
      `    <issued date="${issued}"/>`,
      `    <severity>${severity}</severity>`,
      `    <summary>${xml(a.title)}</summary>`,
      `    <description>${xml(`${a.title}. Fixes ${a.cves.join(', ')}.`)}</description>`,
      '    <references>',
      ...refs,
      '    </references>',
      '    <pkglist>',
      '      <collection short="pw-lab">',
      '        <name>Patchwell lab fixture</name>',
      `        <package name="${pkg.name}" epoch="${v.epoch}" version="${v.version}" release="${v.release}" arch="noarch" src="${pkg.name}-${v.version}-${v.release}.src.rpm">`,
      `          <filename>${rpmFileName(pkg.name, v)}</filename>`,
      '        </package>',
      '      </collection>',
      '    </pkglist>',
      '  </update>',
    ].join('\n')];
  }));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<updates>\n${updates.join('\n')}\n</updates>\n`;
}

/** Signs every package in `packages` with a key made here and now; returns the armoured public key. */
async function signAll(packages: string, work: string): Promise<string> {
  const home = path.join(work, 'gnupg');
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: work, LANG: 'C', GNUPGHOME: home };
  const gpg = (args: string[]): Promise<{ stdout: string }> => run('gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env });
  try {
    // RSA rather than ed25519: every rpm (4.14 and up) checks RSA signatures, whatever its OpenPGP backend.
    await gpg(['--quick-gen-key', SIGNER, 'rsa3072', 'sign', 'never']);
    const fpr = /^fpr:+([0-9A-F]{40}):/m.exec((await gpg(['--with-colons', '--list-secret-keys'])).stdout)?.[1];
    if (!fpr) throw new Error('gpg made no signing key for the rpm fixtures');
    const files = fs.readdirSync(packages).filter((f) => f.endsWith('.rpm')).map((f) => path.join(packages, f));
    // Debian's rpm names gpg2, which Debian does not ship; the key has no passphrase, so no pinentry is asked.
    await run('rpmsign', ['--define', '__gpg /usr/bin/gpg', '--define', `_gpg_name ${fpr}`, '--define', `_gpg_path ${home}`, '--addsign', ...files], { env });
    return (await gpg(['--armor', '--export', fpr])).stdout;
  } finally {
    // gpg starts an agent on first use; the lab leaves no process behind.
    await run('gpgconf', ['--kill', 'all'], { env, allowFail: true });
  }
}

async function indexRepo(dir: string, flavour: RpmFlavour, packages: string, publicKey: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(packages, path.join(dir, 'Packages'), { recursive: true });
  fs.writeFileSync(path.join(dir, RPM_FIXTURE_REPO.signingKey), publicKey);
  await run('createrepo_c', ['--quiet', '--revision', String(EPOCH), '--set-timestamp-to-revision', dir]);
  // modifyrepo_c names the metadata file after its input, so the input is called updateinfo.xml.
  const staged = path.join(path.dirname(dir), `.updateinfo-${flavour}`, 'updateinfo.xml');
  fs.mkdirSync(path.dirname(staged), { recursive: true });
  fs.writeFileSync(staged, updateinfoXml(flavour));
  await run('modifyrepo_c', ['--mdtype=updateinfo', staged, path.join(dir, 'repodata')]);
  fs.rmSync(path.dirname(staged), { recursive: true });
}

/** Builds (once per fixture definition) both repositories; the key changes with any input. */
export async function ensureRpmRepos(log: Log): Promise<RpmRepos> {
  const key = hashOf(['rpm-repo', REPO_FORMAT, RPM_FIXTURE_PACKAGES, RPM_FIXTURE_REPO, PACKAGER, EPOCH, SIGNER]);
  const root = path.join(cacheDir(), `rpm-repo-${key}`);
  const dirs = { rhel: path.join(root, 'rhel'), suse: path.join(root, 'suse') };
  await buildOnce(root, `fixture rpm repositories (${key})`, log, async (tmp) => {
    const work = path.join(tmp, '.work');
    const packages = path.join(tmp, '.packages');
    fs.mkdirSync(packages, { recursive: true });
    for (const pkg of RPM_FIXTURE_PACKAGES) for (const v of pkg.versions) await buildRpm(pkg, v, work, packages);
    const publicKey = await signAll(packages, work);
    for (const flavour of ['rhel', 'suse'] as const) await indexRepo(path.join(tmp, flavour), flavour, packages, publicKey);
    fs.rmSync(work, { recursive: true });
    fs.rmSync(packages, { recursive: true });
    await run('chmod', ['-R', 'a+rX,go-w', tmp]);
  });
  return { key, dirs };
}
