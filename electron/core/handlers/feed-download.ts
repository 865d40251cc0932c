import { AppError } from '../../../shared/contract';
import { downloadFeeds, feedSourcesFor, downloadState, setDownloadAllowed } from '../intel/feed-download';
import type { CoreServices } from '../services';
import type { HandlerMap } from './types';

const sourcesOf = (s: CoreServices) => s.feedSources ?? feedSourcesFor(s.db);
let running: Promise<unknown> | null = null;

export const feedDownloadHandlers: HandlerMap<'feeds/download-state' | 'feeds/set-download' | 'feeds/download'> = {
  'feeds/download-state': (_arg, s) => downloadState(s.db, sourcesOf(s)),
  'feeds/set-download': ({ allowed }, s) => setDownloadAllowed(s.db, allowed, sourcesOf(s)),
  'feeds/download': async (_arg, s) => {
    if (!downloadState(s.db, sourcesOf(s)).allowed) {
      throw new AppError('bad-request', 'Downloading feeds is off: allow it in Settings → Vulnerability feeds, or import the files instead');
    }
    if (running) throw new AppError('conflict', 'A feed download is already running');
    const work = downloadFeeds(s.db, sourcesOf(s));
    running = work;
    try {
      const state = await work;
      if (state.lastRun?.outcomes.some((o) => o.ok)) s.events.emit('inventory/changed', { hostIds: [], reason: 'feeds' });
      return state;
    } finally {
      running = null;
    }
  },
};
