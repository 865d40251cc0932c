/**
 * Notices (from the core's database, so a reload still shows the unseen ones) and opening the page each one is
 * about. Kept live by notices/added; the desktop shell asks for one to be opened with notices/open.
 */
import { create } from 'zustand';
import type { Notice, NoticeTarget } from '../../../shared/contract';
import { noticesService } from '../services/notices-service';
import { useDeployStore } from './deploy-store';
import { useMachinesStore } from './machines-store';
import { useUiStore } from './ui-store';

export interface NoticesState {
  notices: Notice[];
  loaded: boolean;
  /** The notices list in the tray is open. */
  open: boolean;
}

export interface NoticesActions {
  load(): Promise<void>;
  /** New notices from the core, newest first in the list. */
  added(notices: Notice[]): void;
  /** Goes to the notice's page and marks it seen. */
  openNotice(notice: Notice): Promise<void>;
  /** The same for a notice known by id only (an OS notification clicked), with its target when known. */
  openById(id: number, target?: NoticeTarget): Promise<void>;
  markAllSeen(): Promise<void>;
  clearSeen(): Promise<void>;
  setOpen(open: boolean): void;
}

export const initialNoticesState: NoticesState = { notices: [], loaded: false, open: false };

/** Shows a notice's page, with its record open where the page has a detail view. */
export function goToTarget(target: NoticeTarget): void {
  useUiStore.getState().go(target.page);
  if (target.id === null) return;
  if (target.page === 'deployments') void useDeployStore.getState().open(target.id).catch(() => undefined);
  if (target.page === 'machines') useMachinesStore.getState().openDetail(target.id);
}

export const useNoticesStore = create<NoticesState & NoticesActions>()((set, get) => ({
  ...initialNoticesState,
  async load() {
    set({ notices: await noticesService.list(), loaded: true });
  },
  added(notices) {
    set((s) => {
      const ids = new Set(notices.map((n) => n.id));
      return { notices: [...notices, ...s.notices.filter((n) => !ids.has(n.id))].sort((a, b) => b.id - a.id) };
    });
  },
  async openNotice(notice) {
    set((s) => ({ open: false, notices: s.notices.map((n) => (n.id === notice.id && n.seenAt === null ? { ...n, seenAt: Date.now() } : n)) }));
    goToTarget(notice.target);
    if (notice.seenAt === null) await noticesService.markSeen([notice.id]);
  },
  async openById(id, target) {
    let notice = get().notices.find((n) => n.id === id);
    if (!notice) {
      // Not in the list yet (a window just opened for it): the core's list has it.
      await get().load();
      notice = get().notices.find((n) => n.id === id);
    }
    if (notice) await get().openNotice(notice);
    else if (target) goToTarget(target);
  },
  async markAllSeen() {
    const now = Date.now();
    set((s) => ({ notices: s.notices.map((n) => (n.seenAt === null ? { ...n, seenAt: now } : n)) }));
    await noticesService.markSeen();
  },
  async clearSeen() {
    await noticesService.clearSeen();
    set((s) => ({ notices: s.notices.filter((n) => n.seenAt === null) }));
  },
  setOpen: (open) => set({ open }),
}));

export const noticesSelectors = {
  unseen: (s: NoticesState): Notice[] => s.notices.filter((n) => n.seenAt === null),
  unseenCount: (s: NoticesState): number => s.notices.reduce((c, n) => c + (n.seenAt === null ? 1 : 0), 0),
};

/** `#notice=12`, the address a window opened for a clicked OS notification carries; null otherwise. */
export function noticeIdFromHash(hash: string): number | null {
  const m = /^#notice=([1-9]\d{0,15})$/.exec(hash);
  return m ? Number(m[1]) : null;
}
