/**
 * First contact and certificate renewal.
 * - pending_winrm_cert: a WinRM HTTPS certificate that differs from the pinned one, waiting for the user to accept
 *   it (as pending_host_key does for SSH); connections are refused meanwhile.
 * - contact_allowed_at: when the user allowed Patchwell to send a credential to this machine for the first time
 *   (or, for machines Patchwell had already reached before this version, when that was recorded).
 * - ask_first_contact: a credential that applies to many machines (all, or by tag) asks before it is sent to a
 *   machine never contacted. On by default for such credentials, existing ones included.
 */
export const sql = `
ALTER TABLE hosts ADD COLUMN pending_winrm_cert TEXT;
ALTER TABLE hosts ADD COLUMN contact_allowed_at INTEGER;
ALTER TABLE credentials ADD COLUMN ask_first_contact INTEGER NOT NULL DEFAULT 0 CHECK (ask_first_contact IN (0, 1));
UPDATE credentials SET ask_first_contact = 1 WHERE applies_to_all = 1 OR scope_tags <> '[]';
UPDATE hosts SET contact_allowed_at = updated_at
  WHERE ssh_host_key IS NOT NULL OR winrm_cert IS NOT NULL OR last_assessed_at IS NOT NULL;
`;
