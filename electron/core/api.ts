/**
 * The core's call handlers, one per name in the contract, gathered from the per-domain modules.
 * `dispatch` is the only way in: it treats the name and argument as unknown, rejects unknown names,
 * parses the argument with the contract's schema, and turns every failure into a wire error.
 */
import { AppError, type CallName, calls, fieldsFromZod, isCallName } from '../../shared/contract';
import { ansibleHandlers } from './handlers/ansible';
import { assessHandlers } from './handlers/assess';
import { credentialHandlers } from './handlers/credentials';
import { credentialTestHandlers } from './handlers/credential-test';
import { deployHandlers } from './handlers/deploy';
import { feedHandlers } from './handlers/feeds';
import { reportHandlers } from './handlers/reports';
import { discoveryHandlers } from './handlers/discovery';
import { machineHandlers } from './handlers/machines';
import { machineStateHandlers } from './handlers/machine-state';
import { jobHandlers } from './handlers/jobs';
import { patchHandlers } from './handlers/patches';
import { policyHandlers } from './handlers/policies';
import { dashboardHandlers } from './handlers/dashboard';
import { machineRiskHandlers } from './handlers/machine-risk';
import { feedDownloadHandlers } from './handlers/feed-download';
import { scheduleHandlers } from './handlers/schedules';
import { noticeHandlers } from './handlers/notices';
import { mailHandlers } from './handlers/mail';
import { detailHandlers } from './handlers/detail';
import { backgroundHandlers } from './handlers/background';
import { officeCacheHandlers } from './handlers/office-cache';
import type { HandlerMap } from './handlers/types';
import type { CoreServices } from './services';

// Typed as the full map: a call declared in the contract without a handler fails the type check.
const handlers: HandlerMap<CallName> = {
  ...machineHandlers,
  ...machineStateHandlers,
  ...jobHandlers,
  ...credentialHandlers,
  ...credentialTestHandlers,
  ...discoveryHandlers,
  ...assessHandlers,
  ...patchHandlers,
  ...deployHandlers,
  ...ansibleHandlers,
  ...feedHandlers,
  ...reportHandlers,
  ...policyHandlers,
  ...dashboardHandlers,
  ...machineRiskHandlers,
  ...feedDownloadHandlers,
  ...scheduleHandlers,
  ...noticeHandlers,
  ...mailHandlers,
  ...detailHandlers,
  ...backgroundHandlers,
  ...officeCacheHandlers,
};

export interface DispatchOptions {
  /** Validate results against the contract too (on in tests, where a drift must fail loudly). */
  checkResults?: boolean;
}

export async function dispatch(services: CoreServices, name: unknown, arg: unknown, options: DispatchOptions = {}): Promise<unknown> {
  if (!isCallName(name)) throw new AppError('unknown-call', `Unknown call ${JSON.stringify(String(name)).slice(0, 120)}`);
  const spec = calls[name];
  const parsed = spec.arg.safeParse(arg);
  if (!parsed.success) {
    const fields = fieldsFromZod(parsed.error);
    const first = Object.entries(fields)[0];
    throw new AppError('bad-request', first ? `${first[1]}${first[0] !== '_' ? ` (${first[0]})` : ''}` : 'Invalid request', fields);
  }
  const handler = handlers[name] as (a: unknown, s: CoreServices) => unknown;
  const result = await handler(parsed.data, services);
  if (options.checkResults) {
    const check = spec.result.safeParse(result);
    if (!check.success) throw new AppError('internal', `Result of ${name} breaks the contract: ${check.error.message}`);
  }
  return result;
}
