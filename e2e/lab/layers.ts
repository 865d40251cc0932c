import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run, shq, type Log } from './exec.js';
import { withLock } from './lock.js';
import { runInNamespace } from './namespace.js';
import { cacheDir } from './paths.js';
import { bindReadOnly, mountApiFileSystems, overlayMount } from './sh-snippets.js';

/** Bumped when the way layers are built changes, so old cache entries are not reused. */
const LAYER_FORMAT = 3;

/** A read-only file tree in the cache: the base root or an overlay upper dir on top of its parents. */
export interface Layer {
  name: string;
  key: string;
  /** The tree itself (base: the root; other layers: the upper dir). */
  dir: string;
  /** Nearest parent first. */
  parents: Layer[];
}

export interface Bind {
  src: string;
  /** Absolute path inside the root. */
  dst: string;
}

export interface LayerRecipe {
  name: string;
  parent: Layer;
  /** Shell run as root inside the chroot, with `set -eu`. */
  script: string;
  /** Anything else the result depends on (e.g. the fixture repository's key). */
  inputs: readonly string[];
  binds?: readonly Bind[];
}

export function hashOf(parts: readonly unknown[]): string {
  return crypto.createHash('sha256').update(JSON.stringify([LAYER_FORMAT, ...parts])).digest('hex').slice(0, 16);
}

/** Layer dirs for overlay's lowerdir, top first. */
export function lowerDirs(layer: Layer): string[] {
  return [layer.dir, ...layer.parents.map((p) => p.dir)];
}

export function aptArchiveDir(): string {
  return path.join(cacheDir(), 'apt-archives');
}

/** Environment for commands in a chroot: the machine's own variables must not leak in. */
export const CHROOT_ENV = 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive';

/**
 * Shell that mounts a chroot's support file systems, the shared .deb cache (so every build downloads
 * a package once) and the host's resolv.conf, then runs the recipe script in the chroot.
 */
export function chrootRunScript(root: string, recipeFile: string, binds: readonly Bind[] = []): string {
  const r = shq(root);
  const archives = aptArchiveDir();
  return [
    mountApiFileSystems(root),
    `mkdir -p ${shq(path.join(archives, 'partial'))} ${r}/var/cache/apt/archives`,
    `mount --bind ${shq(archives)} ${r}/var/cache/apt/archives`,
    `if [ -f ${r}/etc/resolv.conf ] && [ ! -L ${r}/etc/resolv.conf ]; then mount --bind /etc/resolv.conf ${r}/etc/resolv.conf; fi`,
    ...binds.map((b) => bindReadOnly(b.src, path.join(root, b.dst))),
    `chroot ${r} ${CHROOT_ENV} /bin/sh -eu < ${shq(recipeFile)}`,
  ].join('\n');
}

export function layerFromKey(name: string, key: string, parent: Layer): Layer {
  return { name, key, dir: path.join(cacheDir(), 'layers', `${name}-${key}`, 'upper'), parents: [parent, ...parent.parents] };
}

export function recipeKey(recipe: LayerRecipe): string {
  return hashOf([recipe.name, recipe.parent.key, recipe.script, recipe.inputs, (recipe.binds ?? []).map((b) => b.dst)]);
}

export function planLayer(recipe: LayerRecipe): Layer {
  return layerFromKey(recipe.name, recipeKey(recipe), recipe.parent);
}

function buildLock(): string {
  return path.join(cacheDir(), 'build.lock');
}

/**
 * Builds a cache entry once: work happens in `<final>.tmp` and is renamed into place, so a crash
 * never leaves a half-built entry that looks finished. Callers serialize on the build lock.
 */
export async function buildOnce(finalDir: string, what: string, log: Log, build: (tmp: string) => Promise<void>): Promise<void> {
  if (fs.existsSync(finalDir)) return;
  await withLock(buildLock(), 'build', async () => {
    if (fs.existsSync(finalDir)) return;
    const tmp = `${finalDir}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const started = Date.now();
    log(`building ${what}`);
    await build(tmp);
    fs.renameSync(tmp, finalDir);
    log(`built ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 60 * 60_000, log);
}

/** Makes sure the layer and its parents exist, building what is missing (parents first). */
export async function ensureLayer(layer: Layer, recipe: LayerRecipe, log: Log): Promise<void> {
  const entry = path.dirname(layer.dir);
  await buildOnce(entry, `layer ${layer.name} (${layer.key})`, log, async (tmp) => {
    const upper = path.join(tmp, 'upper');
    const work = path.join(tmp, 'work');
    const merged = path.join(tmp, 'merged');
    for (const d of [upper, work, merged]) fs.mkdirSync(d);
    const recipeFile = path.join(tmp, 'recipe.sh');
    fs.writeFileSync(recipeFile, recipe.script);
    await runInNamespace([
      overlayMount(lowerDirs(recipe.parent), upper, work, merged),
      chrootRunScript(merged, recipeFile, recipe.binds),
    ].join('\n'), log);
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(merged, { recursive: true, force: true });
    fs.rmSync(recipeFile);
  });
}

/** Sizes for status output and the README's figures. */
export async function duKiB(dir: string): Promise<number> {
  const r = await run('du', ['-sk', dir], { allowFail: true });
  return Number(r.stdout.split('\t')[0] ?? 0);
}
