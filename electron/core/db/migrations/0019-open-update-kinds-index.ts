/**
 * The open updates in the order the Patches page and the shared scored read group them: by what the score reads
 * of the update itself (package, arch, version, security flag, vendor urgency, CVEs), then machine. With every
 * column those reads take in the index (the row id comes with any index), SQLite streams the groups out of one
 * scan of this index: at 5,000 machines it sorted half a million rows through a temporary b-tree on every build,
 * after a lookup in the table for each. Partial, like pending_updates_open: resolved rows are most of the table
 * on a machine patched for a while and are never grouped.
 */
export const sql = `
CREATE INDEX pending_updates_open_kind ON pending_updates
  (package, arch, candidate_version, is_security, urgency, cve_list, host_id, detected_at, installed_version, note)
  WHERE resolved_at IS NULL;
`;
