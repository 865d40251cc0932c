import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_UID } from './base-root.js';
import type { Credentials } from './credentials.js';
import { shq } from './exec.js';
import { generateHostKeys, HOST_KEY_TYPES, type HostKeys } from './host-keys.js';
import type { HostRecord } from './host-record.js';
import { CHROOT_ENV } from './layers.js';
import { addressOf, hostDir } from './paths.js';
import { bindReadOnly, mountApiFileSystems, overlayMount } from './sh-snippets.js';
import type { Scenario } from './types.js';
import { ROOT_SUBVOLUME } from './btrfs-image.js';
import { noRouteTail } from './no-route.js';

export const INCOMING = '/var/lib/pw-lab/incoming';
export const PREPARED_MARK = '/var/lib/pw-lab/prepared';

export function hostnameOf(index: number, scenario: Scenario): string {
  return `lab-${index}-${scenario}`;
}

export const hostPaths = (index: number) => {
  const dir = hostDir(index);
  return {
    dir,
    upper: path.join(dir, 'upper'),
    work: path.join(dir, 'work'),
    root: path.join(dir, 'root'),
    prep: path.join(dir, 'prep'),
    disk: path.join(dir, 'disk.img'),
    runScript: path.join(dir, 'run.sh'),
    log: path.join(dir, 'host.log'),
  };
};

function sudoersFor(s: Scenario): string | null {
  if (s === 'no-sudo') return null;
  if (s === 'sudo-password') return 'admin ALL=(ALL:ALL) ALL\n';
  return 'admin ALL=(ALL:ALL) NOPASSWD: ALL\n';
}

function sshdFor(index: number, s: Scenario): string {
  const pw = s === 'key-only' ? 'no' : 'yes';
  return [
    '# Patchwell lab: this host listens only on its own loopback address.',
    `ListenAddress ${addressOf(index)}:22`,
    `PasswordAuthentication ${pw}`,
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    '',
  ].join('\n');
}

/** Runs once inside the chroot on first start; installs the per-host files with the right owners. */
function firstBootScript(hasSudoers: boolean): string {
  const lines = [
    `in=${INCOMING}`,
    'install -m 644 "$in/hostname" /etc/hostname',
    'install -m 644 "$in/hosts" /etc/hosts',
    ...HOST_KEY_TYPES.flatMap((k) => [
      `install -m 600 "$in/${k.file}" /etc/ssh/${k.file}`,
      `install -m 644 "$in/${k.file}.pub" /etc/ssh/${k.file}.pub`,
    ]),
    'install -m 644 "$in/sshd-host.conf" /etc/ssh/sshd_config.d/20-pw-lab-host.conf',
    hasSudoers ? 'install -m 440 "$in/sudoers" /etc/sudoers.d/pw-lab' : 'rm -f /etc/sudoers.d/pw-lab',
    'install -m 600 -o admin -g admin "$in/authorized_keys" /home/admin/.ssh/authorized_keys',
    'chpasswd < "$in/chpasswd"',
    `date -u +%Y-%m-%dT%H:%M:%SZ > ${PREPARED_MARK}`,
    'rm -rf "$in"',
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes hosts/N/prep: what first boot installs (host keys, config, credentials). */
export async function writePrep(index: number, s: Scenario, creds: Credentials): Promise<HostKeys> {
  const p = hostPaths(index);
  const hostname = hostnameOf(index, s);
  fs.mkdirSync(p.prep, { recursive: true, mode: 0o700 });
  const put = (name: string, content: string, mode = 0o644): void => fs.writeFileSync(path.join(p.prep, name), content, { mode });
  put('hostname', `${hostname}\n`);
  // sudo resolves the host name; without this line every sudo prints "unable to resolve host".
  put('hosts', `127.0.0.1\tlocalhost\n${addressOf(index)}\t${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  put('sshd-host.conf', sshdFor(index, s));
  const sudoers = sudoersFor(s);
  if (sudoers) put('sudoers', sudoers, 0o440);
  put('authorized_keys', `${creds.publicKey}\n`, 0o600);
  put('chpasswd', `admin:${creds.password}\n`, 0o600);
  put('first-boot.sh', firstBootScript(sudoers !== null), 0o700);
  fs.chownSync(path.join(p.prep, 'authorized_keys'), ADMIN_UID, ADMIN_UID);
  return generateHostKeys(p.prep, hostname);
}

/**
 * The script a host's namespace runs: its hostname, its root (overlay or btrfs loop), kernel file
 * systems, the fixture repository, first-boot setup, then sshd in the foreground as PID 1.
 */
export function runScript(rec: HostRecord, marker: string): string {
  const p = hostPaths(rec.index);
  const r = shq(p.root);
  const rootMount = rec.lowerDirs
    ? overlayMount(rec.lowerDirs, p.upper, p.work, p.root)
    // autoclear (-o loop): the loop device is released when the namespace, and so the mount, ends.
    : `mount -o loop,subvol=${ROOT_SUBVOLUME} ${shq(p.disk)} ${r}`;
  return [
    '#!/bin/sh',
    `# ${marker}: started by the Patchwell lab (e2e/lab); stopped by \`npm run lab -- down\`.`,
    'set -eu',
    `hostname ${shq(rec.hostname)}`,
    rootMount,
    mountApiFileSystems(p.root),
    ...rec.binds.map((b) => bindReadOnly(b.src, path.join(p.root, b.dst))),
    `if [ ! -e ${r}${PREPARED_MARK} ]; then`,
    `  mkdir -p ${r}${INCOMING} && cp -a ${shq(p.prep)}/. ${r}${INCOMING}/`,
    `  chroot ${r} ${CHROOT_ENV} /bin/sh -eu ${INCOMING}/first-boot.sh`,
    'fi',
    ...(rec.scenario === 'no-route'
      ? noRouteTail(p.dir, addressOf(rec.index), `chroot ${r} ${CHROOT_ENV} /usr/sbin/sshd -D -e`)
      : [`exec chroot ${r} ${CHROOT_ENV} /usr/sbin/sshd -D -e`]),
    '',
  ].join('\n');
}
