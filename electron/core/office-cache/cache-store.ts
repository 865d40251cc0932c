/**
 * The office cache on disk: complete files named by a hash of their URL (so no URL can name a path outside the
 * folder), an index of what they are, and least-recently-used eviction at the size bound. Only complete
 * downloads are ever added: the caller renames a finished temp file in through `add`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { UrlKind } from './request-target';

export interface CacheEntry {
  /** The normalised URL. */
  key: string;
  kind: Exclude<UrlKind, 'pass'>;
  size: number;
  contentType?: string;
  lastModified?: string;
  etag?: string;
  storedAt: number;
  lastUsed: number;
}

interface IndexFile {
  version: 1;
  entries: CacheEntry[];
}

const decoded = (text: string): string | null => {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
};

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export class CacheStore {
  private readonly entries = new Map<string, CacheEntry>();
  private total = 0;
  private dirty = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private tempSeq = 0;

  constructor(
    readonly dir: string,
    private maxBytes: number,
    private readonly clock: () => number,
  ) {}

  private get indexPath(): string {
    return path.join(this.dir, 'index.json');
  }

  private get filesDir(): string {
    return path.join(this.dir, 'files');
  }

  private get tempDir(): string {
    return path.join(this.dir, 'tmp');
  }

  /** Where a URL's file lives: two hex characters of fan-out, so no directory holds every file. */
  fileOf(key: string): string {
    const h = hashKey(key);
    return path.join(this.filesDir, h.slice(0, 2), h);
  }

  /** A fresh temp file name for a download; temp files left by a crash are removed by `load`. */
  tempFile(): string {
    this.tempSeq += 1;
    return path.join(this.tempDir, `${process.pid}-${this.tempSeq}-${hashKey(String(this.clock()) + String(this.tempSeq)).slice(0, 8)}`);
  }

  /**
   * Reads the index and keeps only entries whose file is there with the recorded size; files and temp files the
   * index does not name (a crash between rename and index write, or mid-download) are deleted.
   */
  load(): void {
    fs.mkdirSync(this.filesDir, { recursive: true, mode: 0o700 });
    fs.rmSync(this.tempDir, { recursive: true, force: true });
    fs.mkdirSync(this.tempDir, { recursive: true, mode: 0o700 });
    let stored: CacheEntry[] = [];
    try {
      const parsed = JSON.parse(fs.readFileSync(this.indexPath, 'utf8')) as Partial<IndexFile>;
      if (parsed.version === 1 && Array.isArray(parsed.entries)) stored = parsed.entries.filter(validEntry);
    } catch {
      // No index yet, or an unreadable one: start empty; the orphan sweep below removes its files.
    }
    const known = new Set<string>();
    for (const e of stored) {
      const file = this.fileOf(e.key);
      const st = statOrNull(file);
      if (!st || st.size !== e.size || this.entries.has(e.key)) continue;
      this.entries.set(e.key, e);
      this.total += e.size;
      known.add(path.basename(file));
    }
    for (const sub of fs.readdirSync(this.filesDir)) {
      const subDir = path.join(this.filesDir, sub);
      if (!fs.statSync(subDir).isDirectory()) {
        fs.rmSync(subDir, { force: true });
        continue;
      }
      for (const name of fs.readdirSync(subDir)) if (!known.has(name)) fs.rmSync(path.join(subDir, name), { force: true, recursive: true });
    }
    this.evict();
    this.writeIndex();
  }

  get(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  /**
   * A held package file whose URL's path ends in `/<filename>` (compared decoded, as package managers quote some
   * characters and not others), or undefined. Only package files: an index is revalidated and may be replaced.
   */
  findPackageFile(filename: string): CacheEntry | undefined {
    const tail = `/${filename}`;
    const base = filename.slice(filename.lastIndexOf('/') + 1);
    for (const e of this.entries.values()) {
      if (e.kind !== 'immutable') continue;
      // The file name first (a string compare per entry), the whole decoded path only for a match.
      const last = e.key.slice(e.key.lastIndexOf('/') + 1);
      if (last !== base && !(last.includes('%') && decoded(last) === base)) continue;
      const pathname = decoded(new URL(e.key).pathname);
      if (pathname?.endsWith(tail)) return e;
    }
    return undefined;
  }

  /**
   * The roots of the Debian-style repositories whose indexes the cache holds ("http://host/debian/" for
   * ".../debian/dists/bookworm/InRelease"), most recently used first.
   */
  repositoryRoots(): string[] {
    const used = new Map<string, number>();
    for (const e of this.entries.values()) {
      if (e.kind === 'immutable' && !e.key.includes('/by-hash/')) continue;
      const at = e.key.indexOf('/dists/');
      if (at < 0) continue;
      const root = e.key.slice(0, at + 1);
      used.set(root, Math.max(used.get(root) ?? 0, e.lastUsed));
    }
    return [...used].sort((a, b) => b[1] - a[1]).map(([root]) => root);
  }

  /** Marks an entry used (for LRU) and its metadata refreshed after a 304. */
  touch(key: string, refresh?: Pick<CacheEntry, 'lastModified' | 'etag'>): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.lastUsed = this.clock();
    if (refresh?.lastModified) e.lastModified = refresh.lastModified;
    if (refresh?.etag) e.etag = refresh.etag;
    this.markDirty();
  }

  /**
   * Moves a complete temp file into the cache under its URL, replacing what was there, then evicts down to the
   * bound. A file larger than the whole bound is not kept (it is deleted), and false is returned.
   */
  add(tempPath: string, entry: Omit<CacheEntry, 'storedAt' | 'lastUsed'>): boolean {
    if (entry.size > this.maxBytes) {
      fs.rmSync(tempPath, { force: true });
      return false;
    }
    this.remove(entry.key);
    const file = this.fileOf(entry.key);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.renameSync(tempPath, file);
    const now = this.clock();
    this.entries.set(entry.key, { ...entry, storedAt: now, lastUsed: now });
    this.total += entry.size;
    this.evict(entry.key);
    // Batched like last-used times: a crash forgets at most a second of additions, and load() sweeps their files.
    this.markDirty();
    return true;
  }

  remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.total -= e.size;
    fs.rmSync(this.fileOf(key), { force: true });
    this.markDirty();
  }

  setMaxBytes(bytes: number): void {
    this.maxBytes = bytes;
    this.evict();
    this.writeIndex();
  }

  clear(): void {
    for (const key of [...this.entries.keys()]) this.remove(key);
    this.writeIndex();
  }

  get bytes(): number {
    return this.total;
  }

  get files(): number {
    return this.entries.size;
  }

  get limit(): number {
    return this.maxBytes;
  }

  /** Writes pending last-used times; called on close. */
  flush(): void {
    if (this.dirty) this.writeIndex();
  }

  private evict(keep?: string): void {
    if (this.total <= this.maxBytes) return;
    // Map order is insertion order, not use order: sort once per eviction (rare next to reads).
    const byAge = [...this.entries.values()].filter((e) => e.key !== keep).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const e of byAge) {
      if (this.total <= this.maxBytes) break;
      this.remove(e.key);
    }
  }

  private markDirty(): void {
    this.dirty = true;
    // Last-used times are batched: one write a second at most while busy, the rest at close.
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, 1000);
    this.flushTimer.unref();
  }

  private writeIndex(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const body: IndexFile = { version: 1, entries: [...this.entries.values()] };
    const tmp = `${this.indexPath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(body), { mode: 0o600 });
    fs.renameSync(tmp, this.indexPath);
    this.dirty = false;
  }
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

function validEntry(e: unknown): e is CacheEntry {
  if (typeof e !== 'object' || e === null) return false;
  const r = e as Record<string, unknown>;
  const optStr = (v: unknown) => v === undefined || typeof v === 'string';
  return (
    typeof r.key === 'string' &&
    /^http:\/\//.test(r.key) &&
    (r.kind === 'immutable' || r.kind === 'index') &&
    Number.isSafeInteger(r.size) &&
    (r.size as number) >= 0 &&
    typeof r.storedAt === 'number' &&
    typeof r.lastUsed === 'number' &&
    optStr(r.contentType) &&
    optStr(r.lastModified) &&
    optStr(r.etag)
  );
}
