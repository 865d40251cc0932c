/**
 * Policies, second part: auto-approve rules, one for the whole fleet (tag '') and at most one per tag; a tag's
 * rule wins over the fleet's. policy_holds remembers which auto-approvals a block held back, so the audit log
 * records each hold once rather than at every evaluation.
 */
export const sql = `
CREATE TABLE policy_rules (
  id INTEGER PRIMARY KEY,
  tag TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  mode TEXT NOT NULL CHECK (mode IN ('auto','never')),
  approve_kev INTEGER NOT NULL CHECK (approve_kev IN (0, 1)),
  approve_band TEXT CHECK (approve_band IN ('critical','high','medium','low')),
  approve_score INTEGER CHECK (approve_score BETWEEN 0 AND 100),
  after_days INTEGER CHECK (after_days BETWEEN 0 AND 3650),
  security_only INTEGER NOT NULL CHECK (security_only IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE policy_holds (
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  package TEXT NOT NULL,
  to_version TEXT NOT NULL,
  reason TEXT NOT NULL,
  held_at INTEGER NOT NULL,
  PRIMARY KEY (host_id, package, to_version)
) STRICT, WITHOUT ROWID;
`;
