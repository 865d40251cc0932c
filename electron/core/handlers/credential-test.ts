import { AppError } from '../../../shared/contract';
import { hostLabel } from '../../../shared/host-label';
import { firstContactError, needsFirstContactApproval } from '../machines/first-contact';
import { getHost } from '../machines/machine-queries';
import type { HandlerMap } from './types';

/** How long a test login may take before it is reported as not answering. */
const TEST_TIMEOUT_MS = 30_000;

export const credentialTestHandlers: HandlerMap<'credentials/test'> = {
  'credentials/test': async ({ credentialId, machineId }, s) => {
    const credential = s.vault.get(credentialId);
    if (!credential) throw new AppError('not-found', `No credential ${credentialId}`);
    const host = getHost(s.db, machineId);
    if (!host) throw new AppError('not-found', `No machine ${machineId}`);
    // The test sends the secret like any job would, so it waits for the same yes.
    if (needsFirstContactApproval(host, credential)) {
      throw firstContactError([{ id: host.id, label: hostLabel(host), address: host.address, credential: credential.name }]);
    }
    // Testing this credential, not whichever one would be resolved for the machine.
    const signal = AbortSignal.timeout(TEST_TIMEOUT_MS);
    const result = await s.connections.withSession({ ...host, credentialId }, signal, (session) => session.exec(['true']));
    if (result.code !== 0) throw new AppError('bad-request', `Logged in to ${hostLabel(host)} as ${credential.username}, but a plain command failed (exit ${result.code ?? 'none'})`);
    return { ok: true as const, message: `Logged in to ${hostLabel(host)} as ${credential.username}` };
  },
};
