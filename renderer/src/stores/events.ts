/**
 * The one place push events reach the renderer. A table says which store actions each event runs; components
 * subscribe to nothing. A store refetches on an event only while something on screen shows it (see
 * {@link watch}); a store not shown is loaded again when it is next shown, so hidden pages cost the core nothing.
 */
import type { EventName, EventPayload } from '../../../shared/contract';
import { onAnyEvent, onConnectionState } from '../services/client';
import { useDashboardStore } from './dashboard-store';
import { showsLogOf, useDeployStore } from './deploy-store';
import { useDiscoveryStore } from './discovery-store';
import { useMachinesStore } from './machines-store';
import { useJobsStore } from './jobs-store';
import { useMachineRiskStore } from './machine-risk-store';
import { useNoticesStore } from './notices-store';
import { usePatchesStore } from './patches-store';
import { isFinishedReportJob, useReportsStore } from './reports-store';
import { useStorageStore } from './storage-store';
import { endsScheduledRun, useSchedulesStore } from './schedules-store';
import { useUiStore } from './ui-store';

/** The server data a component can show, each loaded by one action. */
export const loaders = {
  hosts: () => useMachinesStore.getState().load(),
  // The tray's list: a failure leaves the last one (the core says why on the next call that matters).
  jobs: () => useJobsStore.getState().load().catch(() => undefined),
  'machine-risk': () => useMachineRiskStore.getState().load(),
  tags: () => useMachineRiskStore.getState().loadTags(),
  patches: () => usePatchesStore.getState().load(),
  deploy: () => useDeployStore.getState().load(),
  reports: () => useReportsStore.getState().load(),
  dashboard: () => useDashboardStore.getState().load(),
  storage: () => useStorageStore.getState().load().catch(() => undefined),
  schedules: () => useSchedulesStore.getState().load(),
  // Like the tray's jobs: a failure leaves the last list.
  notices: () => useNoticesStore.getState().load().catch(() => undefined),
} satisfies Record<string, () => Promise<unknown>>;

export type LiveKey = keyof typeof loaders;

/**
 * Refetches coalesced into one per this many ms: a deployment changes many times a second while it runs, and
 * each change would otherwise reload its list, plan and log.
 */
const COALESCE_MS: Partial<Record<LiveKey, number>> = { deploy: 250 };

const watchers = new Map<LiveKey, number>();
const timers = new Map<LiveKey, ReturnType<typeof setTimeout>>();
let unsubscribe: (() => void) | null = null;

export const isShown = (key: LiveKey): boolean => (watchers.get(key) ?? 0) > 0;

/** Loads a shown store now, or once at the end of its coalescing window. */
function refresh(key: LiveKey): void {
  if (!isShown(key)) return;
  const ms = COALESCE_MS[key];
  if (ms === undefined) {
    void loaders[key]();
    return;
  }
  if (timers.has(key)) return;
  timers.set(
    key,
    setTimeout(() => {
      timers.delete(key);
      if (isShown(key)) void loaders[key]();
    }, ms),
  );
}

type Route<K extends EventName> = (payload: EventPayload<K>) => void;

/**
 * Event name → what it runs. A new event is routed by adding its line here. Routes through `refresh` run
 * only for stores on screen; the others keep state nobody refetches (a job's progress, a scan's results).
 */
export const routes: { [K in EventName]?: readonly Route<K>[] } = {
  'inventory/changed': [
    () => refresh('hosts'),
    () => refresh('machine-risk'),
    () => refresh('tags'),
    () => refresh('patches'),
    () => refresh('deploy'),
    () => refresh('dashboard'),
  ],
  'deploy/changed': [() => refresh('deploy')],
  // A deployment's or rollback's end changes the fleet's figures, not only the Deployments page.
  'deploy/finished': [() => refresh('deploy'), () => refresh('dashboard'), () => refresh('machine-risk')],
  'assess/finished': [() => refresh('dashboard')],
  'job/updated': [
    ({ job, targets }) => useJobsStore.getState().applyUpdate(job, targets),
    ({ job }) => useReportsStore.getState().jobUpdated(job),
    ({ job }) => isFinishedReportJob(job) && refresh('reports'),
    ({ job }) => job.state !== 'running' && job.state !== 'queued' && endsScheduledRun(useSchedulesStore.getState(), job.id) && refresh('schedules'),
  ],
  'job/log': [
    ({ lines }) => useJobsStore.getState().appendLog(lines),
    ({ lines }) => showsLogOf(useDeployStore.getState(), lines) && refresh('deploy'),
  ],
  'core/storage': [(state) => useStorageStore.getState().apply(state)],
  'schedules/changed': [() => refresh('schedules')],
  'reports/changed': [(change) => useReportsStore.getState().reportChanged(change), () => refresh('reports')],
  'discovery/host': [({ jobId, result }) => useDiscoveryStore.getState().addResult(jobId, result)],
  'notices/added': [({ notices }) => useNoticesStore.getState().added(notices)],
  'notices/open': [({ noticeId, target }) => void useNoticesStore.getState().openById(noticeId, target).catch(() => undefined)],
};

function dispatch(name: EventName, payload: unknown): void {
  // The table pairs each name with routes for its payload; TypeScript cannot follow that pairing through a
  // lookup by a name known only at run time, so the payload is handed on as the name's type here.
  const list = routes[name] as readonly ((p: unknown) => void)[] | undefined;
  for (const route of list ?? []) route(payload);
}

function subscribe(): () => void {
  let dropped = false;
  const offs = [
    onAnyEvent(dispatch),
    onConnectionState((c) => {
      useUiStore.getState().setConnection(c);
      if (c === 'closed') dropped = true;
      // After a reconnect the core may have restarted and events were missed: refetch everything shown.
      if (c === 'open' && dropped) {
        dropped = false;
        for (const key of watchers.keys()) refresh(key);
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}

/**
 * Marks a store as shown until the returned function is called, and loads it now. The first watch subscribes
 * to the core's events, the last unwatch unsubscribes (so a test's fake transport is never outlived).
 */
export function watch(key: LiveKey): () => void {
  watchers.set(key, (watchers.get(key) ?? 0) + 1);
  unsubscribe ??= subscribe();
  void loaders[key]();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const left = (watchers.get(key) ?? 1) - 1;
    if (left > 0) {
      watchers.set(key, left);
      return;
    }
    watchers.delete(key);
    clearTimeout(timers.get(key));
    timers.delete(key);
    if (watchers.size === 0 && unsubscribe) {
      unsubscribe();
      unsubscribe = null;
    }
  };
}
