import fs from 'node:fs';
import path from 'node:path';
import { shq, type Log } from './exec.js';
import { buildOnce, chrootRunScript, hashOf, type Layer } from './layers.js';
import { debianSources, type Mirrors } from './mirror.js';
import { runInNamespace } from './namespace.js';
import { cacheDir } from './paths.js';

export const SUITE = 'bookworm';
/**
 * python3-apt: most office Debian machines have Python, and Ansible's apt module (the deployment benchmark's
 * peer, and the scale-out test) needs it on the managed machine. Patchwell itself needs none of it.
 */
export const BASE_PACKAGES = ['openssh-server', 'sudo', 'python3-apt'] as const;
/** uid of the lab's `admin` user in every host; prepared files are chowned to it from outside. */
export const ADMIN_UID = 1000;

const SSHD_COMMON = [
  '# Patchwell lab: settings every lab host shares.',
  '# Only the keys the lab generates per host (no RSA: it is slow to generate for 50 hosts).',
  'HostKey /etc/ssh/ssh_host_ed25519_key',
  'HostKey /etc/ssh/ssh_host_ecdsa_key',
  '# There is no DNS for 127.0.0.N clients; a reverse lookup would only add delay.',
  'UseDNS no',
  '# Test suites open many connections at once.',
  'MaxStartups 200:30:400',
  'MaxSessions 50',
  '',
].join('\n');

function baseScript(m: Mirrors): string {
  return [
    '# Host keys come per host from the lab; keys made here would be shared by every host.',
    'rm -f /etc/ssh/ssh_host_*',
    'rm -f /etc/apt/sources.list',
    `cat > /etc/apt/sources.list.d/debian.sources <<'PW_EOF'\n${debianSources(m)}PW_EOF`,
    '# Lab hosts have no init: a package upgrade must not start a second sshd (it would bind 0.0.0.0:22).',
    `printf '#!/bin/sh\\n# Patchwell lab: no init here, never start services from maintainer scripts.\\nexit 101\\n' > /usr/sbin/policy-rc.d`,
    'chmod 755 /usr/sbin/policy-rc.d',
    `useradd --create-home --uid ${ADMIN_UID} --shell /bin/bash --comment 'Patchwell lab admin' admin`,
    'install -d -m 700 -o admin -g admin /home/admin/.ssh',
    '# The audit loginuid cannot always be set from a chroot; a failure must not refuse the login.',
    "sed -i 's/^session\\s\\+required\\s\\+pam_loginuid.so/session optional pam_loginuid.so/' /etc/pam.d/sshd",
    `cat > /etc/ssh/sshd_config.d/10-pw-lab.conf <<'PW_EOF'\n${SSHD_COMMON}PW_EOF`,
    'mkdir -p /var/lib/pw-lab /srv/pw-fixture-repo',
    '# Installed systems have it (systemd makes it); mount, df and snapper read it.',
    '[ -e /etc/mtab ] || ln -s ../proc/self/mounts /etc/mtab',
    '# Package lists in the base: a stale host shows its pending updates without a first apt-get update.',
    'apt-get update',
    'rm -f /var/cache/apt/*.bin',
  ].join('\n');
}

/** The debootstrap root every host and layer starts from, cached by the hash of its recipe. */
export function planBase(m: Mirrors): Layer & { script: string } {
  const script = baseScript(m);
  const key = hashOf(['base', SUITE, 'minbase', BASE_PACKAGES, m, script]);
  return { name: 'base', key, dir: path.join(cacheDir(), 'layers', `base-${key}`, 'root'), parents: [], script };
}

export async function ensureBase(base: Layer & { script: string }, m: Mirrors, log: Log): Promise<void> {
  await buildOnce(path.dirname(base.dir), `base root (debootstrap ${SUITE} minbase + ${BASE_PACKAGES.join(', ')})`, log, async (tmp) => {
    const root = path.join(tmp, 'root');
    const debs = path.join(cacheDir(), 'debootstrap-debs');
    fs.mkdirSync(debs, { recursive: true });
    const recipeFile = path.join(tmp, 'recipe.sh');
    fs.writeFileSync(recipeFile, base.script);
    // debootstrap mounts /proc and /sys in the target itself: inside the namespace they stay private.
    await runInNamespace([
      `debootstrap --variant=minbase --include=${BASE_PACKAGES.join(',')} --cache-dir=${shq(debs)} ${SUITE} ${shq(root)} ${shq(m.debian)}`,
      chrootRunScript(root, recipeFile),
    ].join('\n'), log);
    fs.rmSync(recipeFile);
  });
}
