import { describe, expect, it } from 'vitest';
import type { NotificationConstructorOptions } from 'electron';
import type { Notice, NoticeTarget } from '../../shared/contract';
import { createOsNotifier, type OsNotification } from './os-notifications';

/** Stands in for Electron's Notification: records what was shown and lets a test click or close it. */
class FakeNotification implements OsNotification {
  shown = false;
  private readonly listeners = new Map<string, (() => void)[]>();
  constructor(readonly options: NotificationConstructorOptions) {}
  show(): void {
    this.shown = true;
  }
  on(event: 'click' | 'close', listener: () => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  fire(event: 'click' | 'close'): void {
    for (const l of this.listeners.get(event) ?? []) l();
  }
}

function setup(supported = true) {
  const created: FakeNotification[] = [];
  const opened: [number, NoticeTarget][] = [];
  const notifier = createOsNotifier({
    isSupported: () => supported,
    create: (o) => {
      const n = new FakeNotification(o);
      created.push(n);
      return n;
    },
    open: (id, target) => opened.push([id, target]),
  });
  return { notifier, created, opened };
}

const notice = (over: Partial<Notice>): Notice => ({
  id: 1,
  kind: 'deploy-finished',
  severity: 'info',
  title: 'Deployment finished: 2 of 2 machines updated',
  body: 'Approved updates on 2 machines\n2 updated.',
  target: { page: 'deployments', id: 7 },
  createdAt: 1,
  seenAt: null,
  ...over,
});

describe('OS notifications', () => {
  it('shows one notification per new notice, and a click opens the notice’s page', () => {
    const { notifier, created, opened } = setup();
    notifier.onCoreEvent('notices/added', {
      notices: [notice({}), notice({ id: 2, kind: 'kev-new', severity: 'error', title: 'New known-exploited exposure', target: { page: 'patches', id: null } })],
    });
    expect(created.map((n) => [n.shown, n.options.title, n.options.silent])).toEqual([
      [true, 'Deployment finished: 2 of 2 machines updated', true],
      [true, 'New known-exploited exposure', false],
    ]);
    expect(created[0]!.options.body).toBe('Approved updates on 2 machines\n2 updated.');
    expect(notifier.live).toBe(2);
    created[1]!.fire('click');
    expect(opened).toEqual([[2, { page: 'patches', id: null }]]);
    created[0]!.fire('close');
    expect(notifier.live).toBe(0);
  });

  it('ignores other events, payloads that break the contract, and desktops without notifications', () => {
    const { notifier, created } = setup();
    notifier.onCoreEvent('deploy/changed', { deploymentId: 1 });
    notifier.onCoreEvent('notices/added', { notices: [{ id: 'x' }] });
    expect(created).toEqual([]);
    const unsupported = setup(false);
    unsupported.notifier.onCoreEvent('notices/added', { notices: [notice({})] });
    expect(unsupported.created).toEqual([]);
  });

  it('shortens a long body', () => {
    const { notifier, created } = setup();
    notifier.onCoreEvent('notices/added', { notices: [notice({ body: 'x'.repeat(1000) })] });
    expect(created[0]!.options.body).toHaveLength(280);
    expect(created[0]!.options.body!.endsWith('…')).toBe(true);
  });
});
