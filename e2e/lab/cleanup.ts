import fs from 'node:fs';
import { run, type Log } from './exec.js';

/** Decodes the octal escapes /proc uses for spaces and the like in mount points. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

function under(p: string, roots: readonly string[]): boolean {
  return roots.some((r) => p === r || p.startsWith(`${r}/`));
}

/** Mount points in the machine's own mount table that lie inside the given dirs. */
export function mountsUnder(roots: readonly string[], mountinfo = '/proc/self/mountinfo'): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync(mountinfo, 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (mp && under(unescapeMount(mp), roots)) out.push(unescapeMount(mp));
  }
  return out;
}

/** Loop devices whose backing file lies inside the given dirs. */
export function loopsUnder(roots: readonly string[]): { device: string; file: string }[] {
  const out: { device: string; file: string }[] = [];
  if (!fs.existsSync('/sys/block')) return out;
  for (const name of fs.readdirSync('/sys/block')) {
    if (!name.startsWith('loop')) continue;
    let file: string;
    try {
      file = fs.readFileSync(`/sys/block/${name}/loop/backing_file`, 'utf8').trim().replace(/ \(deleted\)$/, '');
    } catch {
      continue;
    }
    if (under(file, roots)) out.push({ device: `/dev/${name}`, file });
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Lab mounts live in the hosts' private namespaces and vanish with them, so this normally finds
 * nothing; it exists for what a killed or older run may have left in the machine's table.
 * Deepest first, so nested mounts come off before their parents.
 */
export async function removeStrayMounts(roots: readonly string[], log: Log): Promise<void> {
  const mounts = mountsUnder(roots).sort((a, b) => b.length - a.length);
  for (const mp of mounts) {
    log(`unmounting stray lab mount ${mp}`);
    const r = await run('umount', [mp], { allowFail: true });
    if (r.code !== 0) await run('umount', ['-l', mp], { allowFail: true });
  }
}

/** Waits for autoclear loop devices to go (namespace teardown is asynchronous), then detaches leftovers. */
export async function detachLoops(roots: readonly string[], log: Log, waitMs = 5000): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (loopsUnder(roots).length > 0 && Date.now() < deadline) await sleep(100);
  for (const loop of loopsUnder(roots)) {
    log(`detaching loop device ${loop.device} (${loop.file})`);
    await run('losetup', ['-d', loop.device], { allowFail: true });
  }
}
