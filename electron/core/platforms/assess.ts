/**
 * One host assessment over any platform: facts, installed packages, pending updates and health, each step run
 * even when another fails (a broken dpkg must not hide the facts), failures recorded with their message.
 */
import { errorMessage } from './exec-util';
import type { Facts, Health, InstalledPackage, PendingUpdatesOptions, PendingUpdatesResult, Platform } from './platform';
import type { Remote } from './remote';

export interface Assessment {
  platform: Platform['id'];
  facts: Facts | null;
  installed: InstalledPackage[] | null;
  pending: PendingUpdatesResult | null;
  health: Health | null;
  /** Steps that failed, with the command's error (exit code and stderr tail where the Remote gave one). */
  errors: { step: 'facts' | 'installed' | 'pending' | 'health'; message: string }[];
}

export async function assess(platform: Platform, remote: Remote, options: PendingUpdatesOptions = {}): Promise<Assessment> {
  const a: Assessment = { platform: platform.id, facts: null, installed: null, pending: null, health: null, errors: [] };
  const step = async <T>(name: Assessment['errors'][number]['step'], f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      a.errors.push({ step: name, message: errorMessage(e) });
      return null;
    }
  };
  // Sequential on purpose: one SSH connection per host, and apt/dnf hold locks the other steps would wait on.
  a.facts = await step('facts', () => platform.facts(remote));
  a.installed = await step('installed', () => platform.installedPackages(remote));
  a.pending = await step('pending', () => platform.pendingUpdates(remote, options));
  a.health = await step('health', () => platform.health(remote));
  return a;
}
