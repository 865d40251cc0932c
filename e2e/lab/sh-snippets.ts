import { shq } from './exec.js';

/**
 * Shell lines that give a chroot the kernel file systems programs expect: its own /proc
 * (the caller is in a new PID namespace, so ps shows the host's processes only), a small /dev
 * with just the safe device nodes and a private devpts (ssh sessions need ptys), and an empty /run.
 * Run inside a private mount namespace: everything disappears with the namespace.
 */
export function mountApiFileSystems(root: string): string {
  const r = shq(root);
  return [
    `mount -t proc -o nosuid,nodev,noexec proc ${r}/proc`,
    `mount -t tmpfs -o nosuid,mode=0755,size=1m devtmp ${r}/dev`,
    `for node in 'null 1 3' 'zero 1 5' 'full 1 7' 'random 1 8' 'urandom 1 9' 'tty 5 0'; do set -- $node; mknod -m 666 ${r}/dev/$1 c $2 $3; done`,
    `mkdir -m 755 ${r}/dev/pts && mkdir -m 1777 ${r}/dev/shm`,
    `mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts ${r}/dev/pts`,
    `ln -s pts/ptmx ${r}/dev/ptmx && ln -s /proc/self/fd ${r}/dev/fd`,
    `ln -s /proc/self/fd/0 ${r}/dev/stdin && ln -s /proc/self/fd/1 ${r}/dev/stdout && ln -s /proc/self/fd/2 ${r}/dev/stderr`,
    `mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m shm ${r}/dev/shm`,
    `mount -t tmpfs -o nosuid,nodev,mode=0755,size=64m run ${r}/run`,
    `mkdir -p ${r}/run/sshd ${r}/run/lock && chmod 1777 ${r}/run/lock`,
  ].join('\n');
}

/** A read-only bind mount (two steps: the ro flag of `mount --bind -o ro` is ignored by older kernels). */
export function bindReadOnly(src: string, dst: string): string {
  return `mkdir -p ${shq(dst)}\nmount --bind ${shq(src)} ${shq(dst)}\nmount -o remount,bind,ro ${shq(dst)}`;
}

export function overlayMount(lowerdirs: readonly string[], upper: string | null, work: string | null, target: string): string {
  const opts = [`lowerdir=${lowerdirs.join(':')}`];
  if (upper && work) opts.push(`upperdir=${upper}`, `workdir=${work}`);
  return `mount -t overlay pw-lab -o ${shq(opts.join(','))} ${shq(target)}`;
}
