/** Credentials (metadata only) and the vault's lock state. */
import { create } from 'zustand';
import type { CallResult, Credential, CredentialInput } from '../../../shared/contract';
import { credentialsService } from '../services/credentials-service';

export interface CredentialsState {
  credentials: Credential[];
  vault: CallResult<'vault/status'> | null;
  loaded: boolean;
}

export interface CredentialsActions {
  load(): Promise<void>;
  save(input: CredentialInput, id?: number): Promise<Credential>;
  remove(id: number): Promise<void>;
  /** Tries a credential on one machine; resolves with what it proved, rejects with the cause. */
  test(credentialId: number, machineId: number): Promise<string>;
  unlock(passphrase: string): Promise<void>;
  setPassphrase(passphrase: string): Promise<void>;
}

export const initialCredentialsState: CredentialsState = { credentials: [], vault: null, loaded: false };

export const useCredentialsStore = create<CredentialsState & CredentialsActions>()((set, get) => ({
  ...initialCredentialsState,
  async load() {
    const vault = await credentialsService.vaultStatus();
    const credentials = await credentialsService.list();
    set({ vault, credentials, loaded: true });
  },
  async save(input, id) {
    const c = id === undefined ? await credentialsService.create(input) : await credentialsService.update(id, input);
    await get().load();
    return c;
  },
  async remove(id) {
    await credentialsService.remove(id);
    await get().load();
  },
  async test(credentialId, machineId) {
    return (await credentialsService.test(credentialId, machineId)).message;
  },
  async unlock(passphrase) {
    await credentialsService.unlock(passphrase);
    await get().load();
  },
  async setPassphrase(passphrase) {
    await credentialsService.setPassphrase(passphrase);
    await get().load();
  },
}));

export const credentialsSelectors = {
  describe: (c: Credential): string =>
    [c.username, c.hasKey ? `key ${c.keyType ?? ''}`.trim() : null, c.hasPassword ? 'password' : null, c.hasSudoPassword ? 'sudo password' : null]
      .filter(Boolean)
      .join(' · '),
  scope: (c: Credential): string =>
    [c.appliesToAll ? 'every machine without its own' : null, c.scopeTags.length ? `tags: ${c.scopeTags.join(', ')}` : null].filter(Boolean).join('; ') ||
    'machines that choose it',
};
