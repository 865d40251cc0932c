/**
 * Changelogs read by the core from the .debs the office cache holds, once per file for the whole fleet.
 *
 * Trust: a machine only names a file (its package lists' Filename and SHA-256). The core finds that file among
 * what the cache fetched from a repository, hashes the bytes itself, and reads the changelog only when the hash is
 * the one named; results are kept by that hash and the package name. A machine that names the wrong file or hash
 * gets no result (it reads its own changelog, as without the cache), and cannot change what another machine is
 * told: another machine gets a kept result only for the same bytes and the same package.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { changelogFromDeb, type DebChangelog } from '../platforms/deb-changelog-read';
import type { RepositoryDeb } from '../platforms/debian-changelog-fetch';

/** Larger files are left to the machine: the core reads a .deb whole into memory. */
const MAX_DEB_BYTES = 256 * 1024 * 1024;
/** Characters of changelog text kept (each up to the script's byte cap, most a few tens of kB); oldest go first. */
const MAX_KEPT_CHARS = 64 * 1024 * 1024;
/** .debs decompressed at once: each is held in memory while it is read. */
const AT_ONCE = 2;

export interface RepositoryFiles {
  repositoryFile?(filename: string): string | null;
  fetchRepositoryFile?(filename: string): Promise<string | null>;
}

export class FleetChangelogs {
  private readonly kept = new Map<string, DebChangelog>();
  private keptChars = 0;
  private readonly running = new Map<string, Promise<DebChangelog | null>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Files read and reads answered from what was kept: what the bench and the tests look at. */
  readonly counters = { read: 0, reused: 0, refused: 0 };

  constructor(
    private readonly files: () => RepositoryFiles | null,
    private readonly maxBytes: number,
  ) {}

  /**
   * The changelog of `deb.name` from the named file, or null when the core cannot vouch for one. With `fetch`, a
   * file the cache does not hold yet is fetched into it first (OfficeCache.fetchRepositoryFile), so that no machine
   * has to download it for the core.
   */
  read(deb: RepositoryDeb, fetch = false): Promise<DebChangelog | null> {
    if (!/^[0-9a-f]{64}$/.test(deb.sha256) || deb.filename.startsWith('/') || deb.filename.split('/').includes('..')) return Promise.resolve(null);
    const key = `${deb.sha256}\u0000${deb.name}`;
    const hit = this.kept.get(key);
    if (hit) {
      this.counters.reused++;
      // Most recently used last: the bound drops the files no machine asked about for longest.
      this.kept.delete(key);
      this.kept.set(key, hit);
      return Promise.resolve(hit);
    }
    // Machines asking at once for the same file share one read; a different file name is a different read, so one
    // machine naming the wrong file cannot fail another's.
    const runKey = `${key}\u0000${deb.filename}\u0000${fetch ? 'fetch' : 'held'}`;
    let p = this.running.get(runKey);
    if (!p) {
      p = this.readFile(deb, key, fetch).finally(() => this.running.delete(runKey));
      this.running.set(runKey, p);
    }
    return p;
  }

  private async readFile(deb: RepositoryDeb, key: string, fetch: boolean): Promise<DebChangelog | null> {
    const files = this.files();
    let file = files?.repositoryFile?.(deb.filename) ?? null;
    if (!file && fetch) {
      try {
        file = (await files?.fetchRepositoryFile?.(deb.filename)) ?? null;
      } catch {
        // The repository could not be reached from here: the machine downloads it, as before.
      }
    }
    if (!file) return null;
    await this.slot();
    try {
      const stat = await fs.promises.stat(file);
      if (stat.size > MAX_DEB_BYTES) return null;
      const bytes = await fs.promises.readFile(file);
      if (createHash('sha256').update(bytes).digest('hex') !== deb.sha256) {
        this.counters.refused++;
        return null;
      }
      const result = await changelogFromDeb(bytes, deb.name, this.maxBytes);
      if (!result) return null;
      this.counters.read++;
      // Two machines naming the same bytes by different file names both read them: keep one.
      this.keptChars += result.text.length - (this.kept.get(key)?.text.length ?? 0);
      this.kept.delete(key);
      this.kept.set(key, result);
      for (const [k, v] of this.kept) {
        if (this.keptChars <= MAX_KEPT_CHARS) break;
        this.kept.delete(k);
        this.keptChars -= v.text.length;
      }
      return result;
    } catch {
      // Evicted while read, or not a .deb the reader understands: the machine reads it as before.
      return null;
    } finally {
      this.release();
    }
  }

  private async slot(): Promise<void> {
    if (this.active < AT_ONCE) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
