/**
 * A lab machine that really boots: a virtual machine (KVM when /dev/kvm works, else QEMU's emulator) running
 * Debian with systemd and its own kernel, made from the fixture layer. The namespace hosts share this
 * machine's kernel and have no init, so they cannot reboot; a deployment's reboot path (systemctl reboot,
 * wait for SSH, a new boot id, the newest kernel running) is proven on this one.
 *
 * Network: QEMU's user-mode network with `restrict=on` — the guest reaches nothing outside; the only way in
 * is the forwarded SSH port on a loopback address. The fixture apt repository is copied into the image.
 * One VM at a time, at VM_ADDRESS; `vmDown()` stops it and removes its disk (the image stays cached).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ADMIN_UID } from './base-root.js';
import { ensureCredentials, type Credentials } from './credentials.js';
import { run, shq, type Log } from './exec.js';
import { FIXTURE_REPO } from './fixture-packages.js';
import { fingerprintOf } from './host-keys.js';
import { buildOnce, CHROOT_ENV, ensureLayer, hashOf, lowerDirs, planLayer, type Layer, type LayerRecipe } from './layers.js';
import { readMirrors } from './mirror.js';
import { runInNamespace } from './namespace.js';
import { cacheDir, stateDir } from './paths.js';
import { ensureLayers, makePlan, type Plan } from './recipes.js';
import { mountApiFileSystems, overlayMount } from './sh-snippets.js';

/** Outside the namespace hosts' usual range (11…) and the discovery tests' listeners (.2–.7, .200/29, .241+). */
export const VM_ADDRESS = '127.0.0.100';
export const VM_HOSTNAME = 'pw-lab-vm';
/** On QEMU's command line: stopVm() kills only a process that carries it. */
const VM_MARKER = 'patchwell-lab-vm';
const IMAGE_SIZE = '3G';
/** Bump when what an image holds or records (vm.json) changes, so cached images are rebuilt. */
const VM_FORMAT = 2;
/** The lvm variant's disk: a volume group with the root LV and free extents for the deployment's 2 GiB snapshot. */
const LVM_DISK_SIZE = '4G';
const LVM_ROOT_SIZE = '1.5G';
export const LVM_VG = 'pwvg';

/** plain: ext4 root on the disk; lvm: the same root on an LVM logical volume (the lvm snapshot provider's case). */
export type VmVariant = 'plain' | 'lvm';

const VM_LAYER = [
  'pkgs="systemd-sysv linux-image-amd64 initramfs-tools udev"',
  '# The cached lists may name versions the mirror has dropped since; refresh them then.',
  'apt-get -y --no-install-recommends install $pkgs || { apt-get update && apt-get -y --no-install-recommends install $pkgs; }',
  'mkdir -p /etc/systemd/network',
  "printf '[Match]\\nName=eth*\\n\\n[Network]\\nDHCP=ipv4\\n' > /etc/systemd/network/20-pw-lab.network",
  'systemctl enable systemd-networkd ssh',
  '# Nothing may start apt behind a test: a busy package manager stops a deployment at preflight.',
  'systemctl mask apt-daily.timer apt-daily-upgrade.timer',
  'rm -f /var/cache/apt/*.bin',
].join('\n');

const LVM_LAYER = [
  'apt-get -y --no-install-recommends install lvm2 || { apt-get update && apt-get -y --no-install-recommends install lvm2; }',
  'rm -f /var/cache/apt/*.bin',
].join('\n');

/**
 * Runs as root inside a VM booted from the plain image with a blank second disk: puts a copy of the running
 * root on a logical volume there, with an initramfs that activates it.
 */
const TO_LVM = `set -eu
pvcreate -q /dev/vdb
vgcreate -q ${LVM_VG} /dev/vdb
lvcreate -q -y -L ${LVM_ROOT_SIZE} -n root ${LVM_VG}
mkfs.ext4 -q -L pw-lab-vm-lvm /dev/${LVM_VG}/root
mkdir -p /mnt
mount /dev/${LVM_VG}/root /mnt
cp -ax /. /mnt/
printf '/dev/mapper/${LVM_VG}-root / ext4 rw,errors=remount-ro 0 1\\n' > /mnt/etc/fstab
for d in dev proc sys run; do mount --bind /$d /mnt/$d; done
chroot /mnt update-initramfs -u -k "$(uname -r)" >/dev/null 2>&1
for d in run sys proc dev; do umount /mnt/$d; done
`;

/** Runs in the image's root before it is packed: who may log in, and how the machine names itself. */
function setupScript(creds: Credentials): string {
  return [
    `echo ${VM_HOSTNAME} > /etc/hostname`,
    `printf '127.0.0.1\\tlocalhost\\n127.0.1.1\\t${VM_HOSTNAME}\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n' > /etc/hosts`,
    "printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\\n' > /etc/fstab",
    'rm -f /etc/ssh/ssh_host_*',
    "ssh-keygen -q -t ed25519 -N '' -C root@" + VM_HOSTNAME + ' -f /etc/ssh/ssh_host_ed25519_key',
    "ssh-keygen -q -t ecdsa -b 256 -N '' -C root@" + VM_HOSTNAME + ' -f /etc/ssh/ssh_host_ecdsa_key',
    "printf 'PasswordAuthentication yes\\nKbdInteractiveAuthentication no\\nPubkeyAuthentication yes\\n' > /etc/ssh/sshd_config.d/20-pw-lab-host.conf",
    "printf 'admin ALL=(ALL:ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/pw-lab && chmod 440 /etc/sudoers.d/pw-lab",
    `printf '%s\\n' ${shq(creds.publicKey)} > /home/admin/.ssh/authorized_keys`,
    `chown ${ADMIN_UID}:${ADMIN_UID} /home/admin/.ssh/authorized_keys && chmod 600 /home/admin/.ssh/authorized_keys`,
    `printf 'admin:%s\\n' ${shq(creds.password)} | chpasswd`,
    'rm -f /var/cache/apt/*.bin',
  ].join('\n');
}

export interface VmImage {
  dir: string;
  disk: string;
  kernel: string;
  initrd: string;
  info: string;
}

export interface VmInfo {
  kernelRelease: string;
  hostKeyFingerprint: string;
  /** `type base64` of the ed25519 host key, for a known_hosts line. */
  hostKey: string;
  /** The kernel's root= (the plain disk, or the LV). */
  rootDevice: string;
  accel: string;
}

export interface LabVm {
  address: string;
  hostname: string;
  username: string;
  password: string;
  keyPath: string;
  hostKeyFingerprint: string;
  /** The kernel the image boots (`uname -r`). */
  kernelRelease: string;
  /** 'kvm' or 'tcg' (emulated: slower, same behaviour). */
  accel: 'kvm' | 'tcg';
  variant: VmVariant;
}

function imageFiles(dir: string): VmImage {
  return { dir, disk: path.join(dir, 'disk.raw'), kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img'), info: path.join(dir, 'vm.json') };
}

/** Packs a layer (plus the fixture repository and the setup script's changes) into an ext4 image with its kernel. */
async function buildExt4Image(tmp: string, layer: Layer, repoDir: string, setup: string, log: Log): Promise<void> {
  const files = imageFiles(tmp);
  const flat = path.join(tmp, 'flat');
  const root = path.join(tmp, 'root');
  fs.mkdirSync(flat);
  fs.mkdirSync(root);
  const setupFile = path.join(tmp, 'setup.sh');
  fs.writeFileSync(setupFile, setup);
  const repoInRoot = path.join(root, FIXTURE_REPO.pathInHost);
  await runInNamespace([
    overlayMount(lowerDirs(layer), null, null, flat),
    `cp -a ${shq(flat)}/. ${shq(root)}/`,
    `umount ${shq(flat)}`,
    `mkdir -p ${shq(repoInRoot)} && cp -a ${shq(repoDir)}/. ${shq(repoInRoot)}/`,
    mountApiFileSystems(root),
    `chroot ${shq(root)} ${CHROOT_ENV} /bin/sh -eu < ${shq(setupFile)}`,
    `umount -R ${shq(path.join(root, 'dev'))} && umount ${shq(path.join(root, 'proc'))} ${shq(path.join(root, 'run'))}`,
    `k=$(ls ${shq(root)}/boot/vmlinuz-* | sort -V | tail -n 1)`,
    `cp "$k" ${shq(files.kernel)}`,
    `cp ${shq(root)}/boot/initrd.img-"\${k##*/vmlinuz-}" ${shq(files.initrd)}`,
    `echo "\${k##*/vmlinuz-}" > ${shq(path.join(tmp, 'kernel-release'))}`,
    `cp ${shq(root)}/etc/ssh/ssh_host_ed25519_key.pub ${shq(path.join(tmp, 'host-key.pub'))}`,
    `truncate -s ${IMAGE_SIZE} ${shq(files.disk)}`,
    `mkfs.ext4 -q -F -L pw-lab-vm -d ${shq(root)} ${shq(files.disk)}`,
  ].join('\n'), log);
  const info: Omit<VmInfo, 'accel'> = {
    kernelRelease: fs.readFileSync(path.join(tmp, 'kernel-release'), 'utf8').trim(),
    hostKeyFingerprint: fingerprintOf(fs.readFileSync(path.join(tmp, 'host-key.pub'), 'utf8')),
    hostKey: fs.readFileSync(path.join(tmp, 'host-key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' '),
    rootDevice: '/dev/vda',
  };
  fs.writeFileSync(files.info, JSON.stringify(info));
  for (const f of [flat, root, setupFile, path.join(tmp, 'kernel-release'), path.join(tmp, 'host-key.pub')]) fs.rmSync(f, { recursive: true, force: true });
}

interface VmPlan {
  layers: { recipe: LayerRecipe; layer: Layer }[];
  repoDir: string;
  setup: string;
  /** The plain image (vm layer). */
  plainDir: string;
  /** The plain image of the vm-lvm layer, which the LVM image is converted from. */
  lvmSourceDir: string;
  lvmDir: string;
}

/** Where each VM cache entry lives, from the recipes alone (nothing is built). */
export function planVm(plan: Plan, creds: Credentials): VmPlan {
  const repoBind = [{ src: plan.repo.dir, dst: FIXTURE_REPO.pathInHost }];
  const vmRecipe: LayerRecipe = { name: 'vm', parent: plan.layers.fixture, script: VM_LAYER, inputs: [], binds: repoBind };
  const vmLayer = planLayer(vmRecipe);
  const lvmRecipe: LayerRecipe = { name: 'vm-lvm', parent: vmLayer, script: LVM_LAYER, inputs: [], binds: repoBind };
  const lvmLayer = planLayer(lvmRecipe);
  const setup = setupScript(creds);
  const imageKey = (layer: Layer): string => hashOf(['vm-image', VM_FORMAT, layer.key, plan.repo.key, IMAGE_SIZE, setup]);
  const images = path.join(cacheDir(), 'images');
  return {
    layers: [{ recipe: vmRecipe, layer: vmLayer }, { recipe: lvmRecipe, layer: lvmLayer }],
    repoDir: plan.repo.dir,
    setup,
    plainDir: path.join(images, `vm-${imageKey(vmLayer)}`),
    lvmSourceDir: path.join(images, `vm-${imageKey(lvmLayer)}`),
    lvmDir: path.join(images, `vm-lvm-${hashOf(['vm-lvm-image', imageKey(lvmLayer), LVM_DISK_SIZE, TO_LVM])}`),
  };
}

/** The cache entries the VM uses (for `lab prune`, which must keep them). */
export function vmCacheEntries(plan: Plan, creds: Credentials): string[] {
  const p = planVm(plan, creds);
  return [...p.layers.map((l) => path.dirname(l.layer.dir)), p.plainDir, p.lvmSourceDir, p.lvmDir];
}

/** Builds (once per recipe and lab credentials) the VM's disk image, kernel and initrd. */
async function ensureVmImage(creds: Credentials, variant: VmVariant, log: Log): Promise<VmImage> {
  const plan = await makePlan(readMirrors(), false, log);
  await ensureLayers(plan, ['fixture'], log);
  const p = planVm(plan, creds);
  const wanted = variant === 'lvm' ? p.layers : p.layers.slice(0, 1);
  for (const l of wanted) await ensureLayer(l.layer, l.recipe, log);
  const layer = wanted.at(-1)!.layer;
  const dir = variant === 'lvm' ? p.lvmSourceDir : p.plainDir;
  await buildOnce(dir, `VM image (${path.basename(dir)})`, log, (tmp) => buildExt4Image(tmp, layer, p.repoDir, p.setup, log));
  if (variant === 'plain') return imageFiles(dir);
  await buildOnce(p.lvmDir, `VM image on LVM (${path.basename(p.lvmDir)})`, log, (tmp) => convertToLvm(imageFiles(dir), tmp, creds, log));
  return imageFiles(p.lvmDir);
}

/** Boots the plain image with a blank second disk, copies its root onto an LV there, and keeps that disk. */
async function convertToLvm(plain: VmImage, tmp: string, creds: Credentials, log: Log): Promise<void> {
  const out = imageFiles(tmp);
  const info = JSON.parse(fs.readFileSync(plain.info, 'utf8')) as Omit<VmInfo, 'accel'>;
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', plain.disk, path.join(tmp, 'boot.qcow2')]);
  await run('truncate', ['-s', LVM_DISK_SIZE, out.disk]);
  const knownHosts = path.join(tmp, 'known_hosts');
  fs.writeFileSync(knownHosts, `${VM_ADDRESS} ${info.hostKey}\n`);
  const ssh = (command: string, input?: string): Promise<{ stdout: string }> =>
    run('ssh', ['-i', creds.keyPath, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'LogLevel=ERROR', `admin@${VM_ADDRESS}`, command], input === undefined ? {} : { input });
  const pid = await startQemu(tmp, plain, [`file=${path.join(tmp, 'boot.qcow2')},if=virtio,format=qcow2`, `file=${out.disk},if=virtio,format=raw`], info.rootDevice);
  try {
    await waitForSsh(VM_ADDRESS, kvmUsable() ? 120_000 : 600_000);
    log('converting the VM root to LVM (copy and initramfs, a few minutes when emulated)');
    await ssh('sudo sh -s', TO_LVM);
    const initrd = await ssh(`sudo base64 -w0 /mnt/boot/initrd.img-${info.kernelRelease}`);
    fs.writeFileSync(out.initrd, Buffer.from(initrd.stdout.trim(), 'base64'));
    await ssh(`sudo sh -c 'umount /mnt && vgchange -q -an ${LVM_VG} && sync'`);
    await ssh('sudo systemctl poweroff').catch(() => undefined);
    for (let i = 0; i < 600 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
  } finally {
    if (fs.existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }
  if (fs.statSync(out.initrd).size < 1_000_000) throw new Error('the LVM initramfs read back from the VM is too small');
  fs.copyFileSync(plain.kernel, out.kernel);
  fs.writeFileSync(out.info, JSON.stringify({ ...info, rootDevice: `/dev/mapper/${LVM_VG}-root` }));
  for (const f of ['boot.qcow2', 'known_hosts', 'console.log', 'qemu.pid']) fs.rmSync(path.join(tmp, f), { force: true });
}

/** Starts QEMU in the background with the image's kernel; returns its pid. */
async function startQemu(dir: string, image: VmImage, drives: readonly string[], rootDevice: string): Promise<number> {
  const accel = kvmUsable() ? 'kvm' : 'tcg';
  const pidFile = path.join(dir, 'qemu.pid');
  await run('qemu-system-x86_64', [
    '-name', `${VM_HOSTNAME},process=${VM_MARKER}`,
    '-machine', `q35,accel=${accel}`,
    '-m', '768', '-smp', '1',
    '-nodefaults', '-display', 'none',
    '-serial', `file:${path.join(dir, 'console.log')}`,
    '-kernel', image.kernel, '-initrd', image.initrd,
    '-append', `root=${rootDevice} rw console=ttyS0 net.ifnames=0 panic=-1`,
    ...drives.flatMap((d) => ['-drive', d]),
    '-netdev', `user,id=n0,restrict=on,hostfwd=tcp:${VM_ADDRESS}:22-:22`,
    '-device', 'virtio-net-pci,netdev=n0',
    '-pidfile', pidFile,
    '-daemonize',
  ]);
  return Number(fs.readFileSync(pidFile, 'utf8').trim());
}

function vmDir(): string {
  return path.join(stateDir(), 'vm');
}

/**
 * KVM only where the CPU shows hardware virtualisation: on these machines /dev/kvm exists inside a VM whose
 * CPU has no vmx/svm flag, and a guest started with it hangs while the kernel decompresses (seen here).
 */
function kvmUsable(): boolean {
  if (process.env.PATCHWELL_LAB_VM_ACCEL === 'tcg') return false;
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
    return /^flags\s*:.*\b(vmx|svm)\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** Whether this machine can run the VM, and if not, why. */
export function vmAvailable(): { ok: true } | { ok: false; reason: string } {
  for (const tool of ['qemu-system-x86_64', 'qemu-img', 'mkfs.ext4']) {
    const found = (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(path.join(d, tool)));
    if (!found) return { ok: false, reason: `missing ${tool} (apt-get install qemu-system-x86 qemu-utils e2fsprogs)` };
  }
  return { ok: true };
}

function runningPid(): number | null {
  const file = path.join(vmDir(), 'qemu.pid');
  if (!fs.existsSync(file)) return null;
  const pid = Number(fs.readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return null;
  try {
    // Only a process we started: its command line carries the marker.
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(VM_MARKER) ? pid : null;
  } catch {
    return null;
  }
}

/** Resolves once the guest's sshd answers with its banner (QEMU accepts on the host side before the guest listens). */
function sshBanner(address: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port: 22 });
    let data = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('data', (d) => {
      data += d.toString('latin1');
      if (data.includes('\n')) done(data.startsWith('SSH-2.0-'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

export async function waitForSsh(address: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await sshBanner(address, 3000)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the lab VM did not answer SSH on ${address}:22 within ${Math.round(deadlineMs / 1000)} s (console: ${path.join(vmDir(), 'console.log')})`);
}

/** Starts the VM on a fresh disk (a copy-on-write layer over the cached image) and waits until SSH answers. */
export async function vmUp(opts: { variant?: VmVariant; onLog?: Log } = {}): Promise<LabVm> {
  const log: Log = opts.onLog ?? (() => {});
  const variant = opts.variant ?? 'plain';
  const available = vmAvailable();
  if (!available.ok) throw new Error(`the lab VM cannot run here: ${available.reason}`);
  await vmDown();
  const creds = await ensureCredentials();
  const image = await ensureVmImage(creds, variant, log);
  const info = JSON.parse(fs.readFileSync(image.info, 'utf8')) as Omit<VmInfo, 'accel'>;
  const dir = vmDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const disk = path.join(dir, 'disk.qcow2');
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', image.disk, disk]);
  const accel = kvmUsable() ? 'kvm' : 'tcg';
  if (accel === 'tcg') log('no usable KVM: the lab VM runs emulated (slower)');
  await startQemu(dir, image, [`file=${disk},if=virtio,format=qcow2`], info.rootDevice);
  await waitForSsh(VM_ADDRESS, accel === 'kvm' ? 120_000 : 600_000);
  log(`lab VM (${variant}) up at ${VM_ADDRESS} (${accel}, kernel ${info.kernelRelease})`);
  return {
    address: VM_ADDRESS, hostname: VM_HOSTNAME, username: 'admin', password: creds.password, keyPath: creds.keyPath,
    hostKeyFingerprint: info.hostKeyFingerprint, kernelRelease: info.kernelRelease, accel, variant,
  };
}

/** Stops the VM (if it runs) and removes its disk. */
export async function vmDown(): Promise<void> {
  const pid = runningPid();
  if (pid) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 50));
  }
  fs.rmSync(vmDir(), { recursive: true, force: true });
}
