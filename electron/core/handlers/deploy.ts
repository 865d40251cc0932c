import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { getDeployment, getDeploySettings, listDeployments, listWindows, setDeploySettings, setWindows } from '../deploy/deploy-queries';
import { cancelDeployment, resumeDeployment, startDeployment, startRollback } from '../deploy/deployment-actions';
import { planFor } from '../deploy/plan-request';
import { listSnapshots } from '../deploy/snapshot-queries';
import { getRetention, pruneSnapshots } from '../deploy/snapshot-prune';
import { isTimeZone } from '../deploy/window';
import { getHost } from '../machines/machine-queries';
import type { HandlerMap } from './types';

type DeployCalls =
  | 'deploy/plan' | 'deploy/start' | 'deploy/list' | 'deploy/get' | 'deploy/cancel' | 'deploy/resume' | 'deploy/rollback'
  | 'deploy/settings' | 'deploy/set-settings' | 'deploy/windows' | 'deploy/set-windows'
  | 'snapshots/list' | 'snapshots/retention' | 'snapshots/prune';

export const deployHandlers: HandlerMap<DeployCalls> = {
  'deploy/plan': (req, s) => planFor(s.db, req),

  'deploy/start': (req, s) => {
    if (req.deployNow && !req.confirmed) {
      throw new AppError('bad-request', 'Deploy now skips the maintenance windows: confirm it first');
    }
    return startDeployment(s, req);
  },

  'deploy/list': ({ limit }, s) => listDeployments(s.db, limit ?? 100),

  'deploy/get': ({ id }, s) => {
    const d = getDeployment(s.db, id);
    if (!d) throw new AppError('not-found', `No deployment ${id}`);
    return d;
  },

  'deploy/cancel': ({ id }, s) => {
    cancelDeployment(s, id);
    return { ok: true as const };
  },

  'deploy/resume': ({ id, mode }, s) => resumeDeployment(s, id, mode),

  'deploy/rollback': ({ id, hostIds }, s) => startRollback(s, id, hostIds),

  'deploy/settings': ({ ids }, s) => [...getDeploySettings(s.db, ids).values()],

  'deploy/set-settings': ({ ids, patch }, s) => {
    for (const id of ids) if (!getHost(s.db, id)) throw new AppError('not-found', `No machine with id ${id}`);
    if (patch.timezone && !isTimeZone(patch.timezone)) throw new AppError('bad-request', `Unknown time zone ${patch.timezone}`, { timezone: 'Use an IANA zone such as Europe/Berlin' });
    s.db.transaction(() => {
      setDeploySettings(s.db, ids, patch);
      appendAudit(s.db, { actor: 'user', action: 'deploy.settings', targetType: 'host', targetId: ids.join(','), details: patch });
    })();
    s.events.emit('inventory/changed', { hostIds: ids, reason: 'deploy-settings' });
    return { ok: true as const };
  },

  'deploy/windows': (_arg, s) => listWindows(s.db),

  'deploy/set-windows': ({ tag, rules }, s) => {
    s.db.transaction(() => {
      setWindows(s.db, tag, rules);
      appendAudit(s.db, { actor: 'user', action: 'deploy.windows', targetType: 'tag', targetId: tag || '(all)', details: { rules } });
    })();
    return listWindows(s.db);
  },

  'snapshots/list': ({ hostId }, s) => listSnapshots(s.db, hostId),

  'snapshots/retention': (_arg, s) => getRetention(s.db),

  'snapshots/prune': (retention, s) => pruneSnapshots(s, retention),
};


