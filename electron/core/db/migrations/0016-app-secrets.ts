/**
 * Secrets of Patchwell's own (the SMTP password), sealed under the vault's key like credentials but kept apart
 * from them: they belong to no machine, so they must never appear in the credential list or be offered to a
 * transport. One row per named secret; the envelope is bound to its name.
 */
export const sql = `
CREATE TABLE app_secrets (
  name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
  -- AES-256-GCM envelope (JSON), associated data "patchwell-secret:<name>".
  sealed TEXT NOT NULL CHECK (json_valid(sealed)),
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`;
