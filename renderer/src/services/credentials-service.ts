/** Credential and vault calls. Secrets only ever travel in; what comes back is metadata. */
import type { CredentialInput } from '../../../shared/contract';
import { invoke } from './client';

export const credentialsService = {
  list: () => invoke('credentials/list'),
  create: (input: CredentialInput) => invoke('credentials/create', input),
  update: (id: number, input: CredentialInput) => invoke('credentials/update', { id, input }),
  remove: (id: number) => invoke('credentials/remove', { id }),
  test: (credentialId: number, machineId: number) => invoke('credentials/test', { credentialId, machineId }),
  vaultStatus: () => invoke('vault/status'),
  unlock: (passphrase: string) => invoke('vault/unlock', { passphrase }),
  setPassphrase: (passphrase: string) => invoke('vault/set-passphrase', { passphrase }),
  setHostCredential: (ids: number[], credentialId: number | null) => invoke('machines/set-credential', { ids, credentialId }),
  acceptHostKey: (id: number) => invoke('machines/accept-host-key', { id }),
};
