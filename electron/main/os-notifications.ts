/**
 * The desktop's OS notifications: one for each new notice the core announces (notices/added), opening the
 * notice's page when clicked. Written against a small interface typed from Electron's, so it runs in plain Node
 * under test with a fake; index.ts hands it Electron's Notification. The headless host has no such module: a
 * browser shows the notices in the app only.
 */
import type { NotificationConstructorOptions } from 'electron';
import { events, type Notice, type NoticeKind, type NoticeTarget } from '../../shared/contract';

/** What this module uses of an Electron Notification. */
export interface OsNotification {
  show(): void;
  on(event: 'click', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

export interface OsNotificationDeps {
  /** Electron's Notification.isSupported(): false on a Linux desktop without a notification service. */
  isSupported(): boolean;
  create(options: NotificationConstructorOptions): OsNotification;
  /** Brings the window forward (opening one if none is open) at the notice's page. */
  open(noticeId: number, target: NoticeTarget): void;
}

/** The kinds issue #18 asks an OS notification for: finished deployments, failures, restarts, new KEV exposure. */
export const OS_NOTICE_KINDS: ReadonlySet<NoticeKind> = new Set<NoticeKind>([
  'deploy-finished',
  'deploy-failed',
  'rollback-finished',
  'rollback-failed',
  'assess-failed',
  'reboot-needed',
  'kev-new',
]);

/** Notification centres cut long text; the whole notice is one click away. */
const BODY_MAX = 280;

function bodyOf(n: Notice): string {
  return n.body.length > BODY_MAX ? `${n.body.slice(0, BODY_MAX - 1)}…` : n.body;
}

export interface OsNotifier {
  /** Feeds one event from the core; shows notifications for notices/added and ignores the rest. */
  onCoreEvent(name: string, payload: unknown): void;
  /** Notifications shown and not yet clicked or closed. */
  readonly live: number;
}

export function createOsNotifier(deps: OsNotificationDeps): OsNotifier {
  // Held until clicked or closed: a notification collected by the garbage collector no longer answers its click.
  const live = new Set<OsNotification>();
  const show = (n: Notice): void => {
    const note = deps.create({ title: n.title, body: bodyOf(n), silent: n.severity === 'info' });
    note.on('click', () => {
      live.delete(note);
      deps.open(n.id, n.target);
    });
    note.on('close', () => live.delete(note));
    live.add(note);
    note.show();
  };
  return {
    onCoreEvent(name, payload) {
      if (name !== 'notices/added' || !deps.isSupported()) return;
      // The core is ours, but this crosses a process boundary: read it as the contract says it is.
      const parsed = events['notices/added'].safeParse(payload);
      if (!parsed.success) return;
      for (const n of parsed.data.notices) if (OS_NOTICE_KINDS.has(n.kind)) show(n);
    },
    get live() {
      return live.size;
    },
  };
}
