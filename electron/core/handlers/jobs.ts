import { AppError } from '../../../shared/contract';
import { listAudit, verifyAudit } from '../audit/audit-log';
import { schemaVersion } from '../db/open';
import { getJobDetail, listJobs, listLogLines } from '../jobs/job-queries';
import type { HandlerMap } from './types';

export const jobHandlers: HandlerMap<'storage/status' | 'storage/check' | 'app/info' | 'jobs/list' | 'jobs/get' | 'jobs/log' | 'jobs/cancel' | 'audit/list' | 'audit/verify'> = {
  'storage/status': (_arg, s) => s.storage.status,
  'storage/check': (_arg, s) => s.storage.check(),
  'app/info': (_arg, s) => ({ version: s.version, schemaVersion: schemaVersion(s.db), dataDir: s.dataDir, runtime: s.runtime }),
  'jobs/list': ({ limit }, s) => listJobs(s.db, limit ?? 50),
  'jobs/get': ({ id }, s) => {
    const j = getJobDetail(s.db, id);
    if (!j) throw new AppError('not-found', `No job ${id}`);
    return j;
  },
  'jobs/log': ({ id, afterId }, s) => listLogLines(s.db, id, afterId ?? 0),
  'jobs/cancel': ({ id }, s) => {
    s.jobs.cancel(id);
    return { ok: true as const };
  },
  'audit/list': (arg, s) => listAudit(s.db, arg),
  'audit/verify': (_arg, s) => verifyAudit(s.db),
};
