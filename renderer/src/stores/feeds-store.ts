/** The vulnerability feeds in force, importing newer files, and downloading them when the user allows it. */
import { create } from 'zustand';
import type { CallResult, FeedDownloadState, FeedView } from '../../../shared/contract';
import { feedDownloadService } from '../services/feed-download-service';
import { feedsService, fileToBase64 } from '../services/feeds-service';

export type FeedImport = CallResult<'feeds/import'>;

export interface FeedsState {
  /** Null until first read. */
  feeds: FeedView[] | null;
  /** Null until read: the download part is left out until then. */
  download: FeedDownloadState | null;
}

export interface FeedsActions {
  load(): Promise<void>;
  /** Imports and then rereads the feeds; failures (a damaged file, say) reach the caller, which shows them. */
  importFile(file: File): Promise<FeedImport>;
  importPath(path: string): Promise<FeedImport>;
  loadDownload(): Promise<void>;
  setDownloadAllowed(allowed: boolean): Promise<FeedDownloadState>;
  /** Starts the refresh job; its progress is the job's (jobs store), and loadDownload reads how it went. */
  downloadNow(): Promise<number>;
}

export const initialFeedsState: FeedsState = { feeds: null, download: null };

export const useFeedsStore = create<FeedsState & FeedsActions>()((set, get) => ({
  ...initialFeedsState,
  async load() {
    try {
      set({ feeds: await feedsService.list() });
    } catch {
      // The table keeps what it showed; an import says what is wrong if the core is.
    }
  },
  async importFile(file) {
    const r = await feedsService.importFile(file.name, await fileToBase64(file), file.lastModified);
    await get().load();
    return r;
  },
  async importPath(path) {
    const r = await feedsService.importPath(path);
    await get().load();
    return r;
  },
  async loadDownload() {
    try {
      set({ download: await feedDownloadService.state() });
    } catch {
      // Left out, as before: the files below still work.
    }
  },
  async setDownloadAllowed(allowed) {
    const download = await feedDownloadService.setAllowed(allowed);
    set({ download });
    return download;
  },
  async downloadNow() {
    return (await feedDownloadService.download()).jobId;
  },
}));
