import fs from 'node:fs';
import path from 'node:path';
import { run, shq, type Log } from './exec.js';
import { buildOnce, CHROOT_ENV, hashOf, lowerDirs, type Layer } from './layers.js';
import { runInNamespace } from './namespace.js';
import { cacheDir } from './paths.js';
import { mountApiFileSystems, overlayMount } from './sh-snippets.js';

/** Sparse size of a btrfs host's disk: room for upgrades and a few snapshots, costs only what is used. */
const IMAGE_SIZE = '4G';
/** The root subvolume; a host mounts it as / so `btrfs subvolume snapshot /` and snapper work inside. */
export const ROOT_SUBVOLUME = '@';

const SNAPPER_SETUP = [
  '# No D-Bus daemon runs in a lab host, so snapper is used with --no-dbus (as the app must).',
  'snapper --no-dbus -c root create-config /',
  'rm -f /var/cache/apt/*.bin',
].join('\n');

export interface BtrfsImage {
  key: string;
  file: string;
}

export function planImage(tools: Layer): BtrfsImage {
  const key = hashOf(['btrfs-image', tools.key, IMAGE_SIZE, ROOT_SUBVOLUME, SNAPPER_SETUP]);
  return { key, file: path.join(cacheDir(), 'images', `btrfs-${key}`, 'disk.img') };
}

/** A pristine btrfs disk image holding the flattened layers in subvolume @, snapper configured for /. */
export async function ensureImage(image: BtrfsImage, tools: Layer, log: Log): Promise<void> {
  await buildOnce(path.dirname(image.file), `btrfs image (${image.key})`, log, async (tmp) => {
    const img = path.join(tmp, 'disk.img');
    const top = path.join(tmp, 'top');
    const flat = path.join(tmp, 'flat');
    const root = path.join(tmp, 'root');
    for (const d of [top, flat, root]) fs.mkdirSync(d);
    await run('truncate', ['-s', IMAGE_SIZE, img]);
    await run('mkfs.btrfs', ['-q', '-L', 'pw-lab', img]);
    const setup = path.join(tmp, 'setup.sh');
    fs.writeFileSync(setup, SNAPPER_SETUP);
    await runInNamespace([
      `mount -o loop ${shq(img)} ${shq(top)}`,
      `btrfs subvolume create ${shq(path.join(top, ROOT_SUBVOLUME))}`,
      overlayMount(lowerDirs(tools), null, null, flat),
      `cp -a ${shq(flat)}/. ${shq(path.join(top, ROOT_SUBVOLUME))}/`,
      `umount ${shq(flat)}`,
      `mount -o loop,subvol=${ROOT_SUBVOLUME} ${shq(img)} ${shq(root)}`,
      mountApiFileSystems(root),
      `chroot ${shq(root)} ${CHROOT_ENV} /bin/sh -eu < ${shq(setup)}`,
      '# Unmount explicitly so the file system is clean before the image is published.',
      `umount -R ${shq(root)}`,
      `umount ${shq(top)}`,
    ].join('\n'), log);
    for (const d of [top, flat, root, setup]) fs.rmSync(d, { recursive: true, force: true });
  });
}

/** Each btrfs host writes to its own sparse copy of the pristine image. */
export async function copyImage(image: BtrfsImage, dest: string): Promise<void> {
  await run('cp', ['--sparse=always', image.file, dest]);
}
