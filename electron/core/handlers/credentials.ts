import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { unassignCredential } from '../machines/machine-queries';
import type { HandlerMap } from './types';

export const credentialHandlers: HandlerMap<
  'vault/status' | 'vault/unlock' | 'vault/set-passphrase' | 'credentials/list' | 'credentials/create' | 'credentials/update' | 'credentials/remove'
> = {
  'vault/status': (_arg, s) => s.vault.status(),
  'vault/unlock': async ({ passphrase }, s) => {
    await s.vault.unlock(passphrase);
    return { ok: true as const };
  },
  'vault/set-passphrase': async ({ passphrase }, s) => {
    await s.vault.setPassphrase(passphrase);
    s.db.transaction(() => appendAudit(s.db, { actor: 'user', action: 'vault.set-passphrase' }))();
    return { ok: true as const };
  },
  'credentials/list': (_arg, s) => s.vault.list(),
  // Audit entries name the credential, never its secrets.
  'credentials/create': (input, s) => {
    const c = s.vault.save(input);
    s.db.transaction(() => appendAudit(s.db, { actor: 'user', action: 'credential.create', targetType: 'credential', targetId: c.id, details: { name: c.name, username: c.username } }))();
    return c;
  },
  'credentials/update': ({ id, input }, s) => {
    if (!s.vault.get(id)) throw new AppError('not-found', `No credential ${id}`);
    const c = s.vault.save(input, id);
    s.db.transaction(() => appendAudit(s.db, { actor: 'user', action: 'credential.update', targetType: 'credential', targetId: id, details: { name: c.name } }))();
    return c;
  },
  'credentials/remove': ({ id }, s) =>
    s.db.transaction(() => {
      const c = s.vault.get(id);
      if (!c) throw new AppError('not-found', `No credential ${id}`);
      unassignCredential(s.db, id);
      s.vault.remove(id);
      appendAudit(s.db, { actor: 'user', action: 'credential.remove', targetType: 'credential', targetId: id, details: { name: c.name } });
      return { ok: true as const };
    })(),
};
