import fs from 'node:fs';
import path from 'node:path';

/** Programs the lab runs on the machine itself (see debian-packages.txt for their packages). */
const TOOLS = ['debootstrap', 'unshare', 'setpriv', 'mount', 'umount', 'losetup', 'chroot', 'ssh-keygen', 'gpg', 'gpgconf', 'apt-ftparchive', 'dpkg-deb', 'mkfs.btrfs', 'truncate', 'cp', 'rpmbuild', 'createrepo_c', 'modifyrepo_c'];

function onPath(cmd: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  return dirs.some((d) => {
    try { fs.accessSync(path.join(d, cmd), fs.constants.X_OK); return true; } catch { return false; }
  });
}

/** A listener on 0.0.0.0:22 or [::]:22 (e.g. the machine's own sshd) keeps hosts from binding 127.0.0.N:22. */
function wildcardSsh(): string | null {
  const files: [string, RegExp][] = [['/proc/net/tcp', /^\s*\d+: 00000000:0016 00000000:0000 0A /m], ['/proc/net/tcp6', /^\s*\d+: 0{32}:0016 0{32}:0000 0A /m]];
  for (const [file, re] of files) {
    try { if (re.test(fs.readFileSync(file, 'utf8'))) return file.endsWith('6') ? '[::]:22' : '0.0.0.0:22'; } catch { /* no IPv6 */ }
  }
  return null;
}

/** Whether lab hosts can run on this machine, and if not, why (tests print or fail with it). */
export function labAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `needs Linux (namespaces, overlayfs), this is ${process.platform}` };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { ok: false, reason: 'needs root (mounts, namespaces, chroot); run as root' };
  const missing = TOOLS.filter((t) => !onPath(t));
  if (missing.length > 0) return { ok: false, reason: `missing programs: ${missing.join(', ')} — apt-get install $(cat e2e/lab/debian-packages.txt)` };
  let fsTypes = '';
  try { fsTypes = fs.readFileSync('/proc/filesystems', 'utf8'); } catch { /* checked below */ }
  if (!/\toverlay$/m.test(fsTypes)) return { ok: false, reason: 'the kernel has no overlay file system (modprobe overlay)' };
  const wildcard = wildcardSsh();
  if (wildcard) return { ok: false, reason: `something listens on ${wildcard}, so hosts cannot bind 127.0.0.N:22; stop the machine's sshd or make it listen on specific addresses` };
  return { ok: true };
}
