import { clearSeenNotices, listNotices, markNoticesSeen } from '../notices/notice-queries';
import type { HandlerMap } from './types';

export const noticeHandlers: HandlerMap<'notices/list' | 'notices/mark-seen' | 'notices/clear-seen'> = {
  'notices/list': ({ limit }, s) => listNotices(s.db, limit),
  'notices/mark-seen': ({ ids }, s) => {
    markNoticesSeen(s.db, ids, Date.now());
    return { ok: true as const };
  },
  'notices/clear-seen': (_arg, s) => ({ cleared: clearSeenNotices(s.db) }),
};
