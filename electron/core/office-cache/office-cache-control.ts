/**
 * Runs the office cache as the settings say: started with the core when enabled, and changed at once when the
 * settings change (off closes it, on starts it, offline mode and the bound apply to the running cache).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError, type OfficeCacheSettings, type OfficeCacheStats } from '../../../shared/contract';
import { OfficeCache } from './office-cache';
import type { ConnectUpstream } from './upstream';

export const officeCacheDir = (dataDir: string): string => path.join(dataDir, 'office-cache');

export class OfficeCacheControl {
  private cache: OfficeCache | null = null;
  /** The previous cache closing: a new one must not open the same folder before it is done. */
  private closing: Promise<void> | null = null;
  readonly dir: string;

  /**
   * `runs` is false in a process that does not own the data folder (the command line while the app may run):
   * two caches on one folder would delete each other's downloads.
   */
  constructor(
    dataDir: string,
    private readonly runs: boolean,
    private readonly connectUpstream?: ConnectUpstream,
  ) {
    this.dir = officeCacheDir(dataDir);
  }

  get current(): OfficeCache | null {
    return this.cache;
  }

  apply(settings: OfficeCacheSettings): Promise<void> {
    if (!this.runs || !settings.enabled) {
      const old = this.cache;
      this.cache = null;
      if (!old) return this.closing ?? Promise.resolve();
      const closing = old.close().finally(() => {
        if (this.closing === closing) this.closing = null;
      });
      this.closing = closing;
      return closing;
    }
    if (this.cache) {
      this.cache.setOffline(settings.offline);
      this.cache.setMaxBytes(settings.maxBytes);
      return Promise.resolve();
    }
    const create = (): Promise<void> => {
      const cache = new OfficeCache({ dir: this.dir, maxBytes: settings.maxBytes, offline: settings.offline, connectUpstream: this.connectUpstream });
      this.cache = cache;
      return cache.listen().then(
        () => undefined,
        (err: unknown) => {
          // Jobs then go on without the cache; the Settings page shows it off.
          console.error(`Patchwell: the office cache could not start: ${err instanceof Error ? err.message : String(err)}`);
          if (this.cache === cache) this.cache = null;
        },
      );
    };
    // At start-up there is nothing to wait for: the cache exists as soon as the core does.
    return this.closing ? this.closing.then(create) : create();
  }

  status(settings: OfficeCacheSettings): OfficeCacheStats {
    if (this.cache) return this.cache.stats();
    return { enabled: false, offline: settings.offline, dir: this.dir, bytes: 0, maxBytes: settings.maxBytes, files: 0, hits: 0, misses: 0, bytesFromUpstream: 0, bytesServed: 0 };
  }

  async clear(settings: OfficeCacheSettings): Promise<OfficeCacheStats> {
    if (!this.runs) throw new AppError('unavailable', 'The office cache belongs to the Patchwell app; empty it there');
    if (this.cache) await this.cache.clear();
    else {
      await this.closing;
      // Off, the folder is nobody's: deleting it is emptying it.
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
    return this.status(settings);
  }

  async close(): Promise<void> {
    const old = this.cache;
    this.cache = null;
    await this.closing;
    if (old) await old.close();
  }
}
