/** Reads a machine's package-manager health over an open session and records it on its row, outside an assessment. */
import type { Host } from '../../../shared/contract';
import type { Db } from '../db/open';
import { detectPlatform, probeOs } from '../platforms';
import type { Health, Platform } from '../platforms/platform';
import type { Remote } from '../platforms/remote';
import { recordHealth } from './machine-queries';

export async function platformOf(session: Remote): Promise<Platform> {
  const os = await probeOs(session);
  const platform = detectPlatform(os);
  if (!platform) throw new Error(`${os.prettyName ?? os.id} is not a platform Patchwell can check`);
  return platform;
}

export async function readAndRecordHealth(db: Db, host: Pick<Host, 'id'>, session: Remote, platform?: Platform): Promise<Health> {
  const p = platform ?? (await platformOf(session));
  const health = await p.health(session);
  recordHealth(db, host.id, health);
  return health;
}
