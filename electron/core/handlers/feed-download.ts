import { ensureDailyFeedRefresh } from '../schedules/schedules';
import { downloadState, feedSourcesFor, setDownloadAllowed } from '../intel/feed-download';
import { startFeedRefresh } from '../intel/feed-refresh';
import type { CoreServices } from '../services';
import type { HandlerMap } from './types';

const sourcesOf = (s: CoreServices) => s.feedSources ?? feedSourcesFor(s.db);

export const feedDownloadHandlers: HandlerMap<'feeds/download-state' | 'feeds/set-download' | 'feeds/download'> = {
  'feeds/download-state': (_arg, s) => downloadState(s.db, sourcesOf(s)),
  'feeds/set-download': ({ allowed }, s) => {
    const state = setDownloadAllowed(s.db, allowed, sourcesOf(s));
    if (allowed) ensureDailyFeedRefresh(s, Date.now());
    return state;
  },
  'feeds/download': (_arg, s) => ({ jobId: startFeedRefresh(s) }),
};
