/**
 * "Ask before the first contact with a new machine." A credential that applies to all machines, or to a tag,
 * would otherwise go (with its sudo password) to any machine that appears on the LAN and is added by a scan.
 * Such credentials ask first: the user allows the first contact per machine, it is audited, and from then on the
 * machine's pinned key or certificate is what Patchwell trusts.
 */
import { AppError, type Credential, type FirstContact, type Host } from '../../../shared/contract';
import { hostLabel } from '../../../shared/host-label';
import { appendAudit } from '../audit/audit-log';
import type { Db } from '../db/open';
import { allowContact } from './machine-queries';

/** Whether sending `credential` to `host` needs the user's yes first. */
export function needsFirstContactApproval(host: Host, credential: Credential | undefined): boolean {
  if (!credential?.askFirstContact) return false;
  // A credential picked for this machine by hand is a decision about this machine already.
  if (host.credentialId === credential.id) return false;
  return host.contactAllowedAt === null && host.sshHostKey === null && host.winrmCert === null;
}

export function firstContactsNeeded(hosts: readonly Host[], resolve: (h: Host) => Credential | undefined): FirstContact[] {
  const out: FirstContact[] = [];
  for (const h of hosts) {
    const c = resolve(h);
    if (c && needsFirstContactApproval(h, c)) out.push({ id: h.id, label: hostLabel(h), address: h.address, credential: c.name });
  }
  return out;
}

/** The error a job or call meets when a machine was never allowed; it names where to allow it. */
export function firstContactError(list: readonly FirstContact[]): AppError {
  const names = list.slice(0, 5).map((m) => m.label).join(', ') + (list.length > 5 ? ` and ${list.length - 5} more` : '');
  return new AppError(
    'conflict',
    `Patchwell has never contacted ${names}. The credential "${list[0]!.credential}" asks before its first use on a new machine: ` +
      'allow the first contact when you start the assessment (or on the machine with its own credential).',
  );
}

/** Records the user's yes for these machines, one audit row each. */
export function allowFirstContact(db: Db, list: readonly FirstContact[], now = Date.now()): void {
  db.transaction(() => {
    const changed = new Set(allowContact(db, list.map((m) => m.id), now));
    for (const m of list) {
      if (!changed.has(m.id)) continue;
      appendAudit(db, { actor: 'user', action: 'first-contact.allow', targetType: 'host', targetId: m.id, details: { address: m.address, credential: m.credential } });
    }
  })();
}
