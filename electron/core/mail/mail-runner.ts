/**
 * The mailer in the core: it listens to the event bus for the event mails and is ticked every minute for the
 * digest. Mails leave one at a time, in the order their events came; a send that fails is recorded (deliver.ts)
 * and never stops the core or the next mail.
 */
import type { EventEnvelope, MailSettings } from '../../../shared/contract';
import type { CoreServices } from '../services';
import { deliver } from './deliver';
import { collectDigest, renderDigest } from './digest';
import { digestDue } from './digest-due';
import { assessFailedMail, deployFinishedMail, kevMail, rebootMail, type EventMail } from './event-mails';
import { readMailSettings, readMemory, updateMemory } from './mail-settings';
import { machinesNeedingReboot, newKevFindings, openKevFindings } from './mail-queries';

type MailServices = Pick<CoreServices, 'db' | 'vault' | 'events'>;

const DAY = 86_400_000;
/** A digest that could not be sent is tried again after this long, not every minute. */
export const DIGEST_RETRY_MS = 15 * 60_000;

const digestRunning = new WeakSet<object>();

/**
 * Sends the digest when its time of day has passed since the last one; resolves true when one was sent. The core
 * calls this every minute (the schedules helper may later call it from its scheduler instead).
 */
export async function runMailDigestIfDue(s: Pick<CoreServices, 'db' | 'vault'>, now: number): Promise<boolean> {
  const m = readMailSettings(s.db);
  if (!m?.enabled || !m.digest.enabled || digestRunning.has(s.db)) return false;
  const memory = readMemory(s.db);
  if (!digestDue(now, memory.lastDigestAt ?? null, m.digest.timeOfDay)) return false;
  if (memory.lastDigestAttemptAt != null && now - memory.lastDigestAttemptAt < DIGEST_RETRY_MS) return false;
  digestRunning.add(s.db);
  try {
    updateMemory(s.db, { lastDigestAttemptAt: now }, now);
    const data = collectDigest(s.db, memory.lastDigestAt ?? now - DAY, now, memory.digestKevSeen);
    await deliver(s, m, 'digest', renderDigest(data), { now: () => now });
    updateMemory(s.db, { lastDigestAt: now, digestKevSeen: data.kevKeys }, now);
    return true;
  } catch {
    // Recorded by deliver (audit and last error); the next try comes after DIGEST_RETRY_MS.
    return false;
  } finally {
    digestRunning.delete(s.db);
  }
}

/** The mails an event calls for, given the settings; updates what the mailer remembers as reported. */
export function mailsForEvent(s: Pick<CoreServices, 'db'>, m: MailSettings, e: EventEnvelope, now: number): EventMail[] {
  const out: EventMail[] = [];
  let checkReboots = false;
  let checkKev = false;
  if (e.name === 'deploy/finished') {
    const mail = deployFinishedMail(s.db, e.payload, m.events);
    if (mail) out.push(mail);
    checkReboots = checkKev = true;
  } else if (e.name === 'assess/finished') {
    const mail = assessFailedMail(s.db, e.payload, m.events);
    if (mail) out.push(mail);
    checkReboots = checkKev = true;
  } else if (e.name === 'inventory/changed' && e.payload.reason === 'feeds') {
    // A feed import can put an already open update on the KEV list.
    checkKev = true;
  }
  if (!checkReboots && !checkKev) return out;
  const memory = readMemory(s.db);
  const patch: Parameters<typeof updateMemory>[1] = {};
  if (checkReboots) {
    const current = machinesNeedingReboot(s.db);
    const seen = memory.rebootSeen;
    // The first look takes the baseline: machines that already needed a reboot were not news to anyone.
    const fresh = seen ? current.filter((p) => !seen.includes(p.hostId)) : [];
    if (fresh.length && m.events.reboot) out.push(rebootMail(fresh));
    patch.rebootSeen = current.map((p) => p.hostId);
  }
  if (checkKev) {
    const { fresh, keys } = newKevFindings(openKevFindings(s.db, now), memory.kevSeen);
    if (fresh.length && m.events.kev) out.push(kevMail(fresh));
    patch.kevSeen = keys;
  }
  updateMemory(s.db, patch, now);
  return out;
}

export interface MailRunner {
  stop(): void;
  /** Resolves when every mail queued so far has been sent or has failed (tests, and a clean shutdown). */
  idle(): Promise<void>;
}

/**
 * Subscribes to the bus and ticks the digest every `everyMs` (unless `digest` is false: a process that runs no
 * schedules, like the command line, must not send a second digest); the clock is injectable for tests.
 */
export function startMail(s: MailServices, options: { now?: () => number; everyMs?: number; digest?: boolean } = {}): MailRunner {
  const now = options.now ?? Date.now;
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<unknown>): void => {
    queue = queue.then(work).then(
      () => undefined,
      () => undefined, // recorded by deliver; one failed mail must not hold back the next
    );
  };
  const unsubscribe = s.events.subscribe((e) => {
    if (e.name !== 'deploy/finished' && e.name !== 'assess/finished' && e.name !== 'inventory/changed') return;
    const m = readMailSettings(s.db);
    if (!m?.enabled) return;
    const at = now();
    for (const { kind, mail } of mailsForEvent(s, m, e, at)) enqueue(() => deliver(s, m, kind, mail, { now }));
  });
  const tick = (): void => enqueue(() => runMailDigestIfDue(s, now()));
  const timer = options.digest === false ? null : setInterval(tick, options.everyMs ?? 60_000);
  timer?.unref();
  return {
    stop() {
      if (timer) clearInterval(timer);
      unsubscribe();
    },
    idle: () => queue,
  };
}
