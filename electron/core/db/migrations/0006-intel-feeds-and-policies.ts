/**
 * Policies, first part: the block list. A blocked package (by name) or Windows KB is never approved or
 * installed, fleet-wide (tag '') or on the machines of one group (a tag), always with the reason.
 */
export const sql = `
CREATE TABLE policy_blocks (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('package','kb')),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- '' is the whole fleet; otherwise the machines carrying this tag.
  tag TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  created_at INTEGER NOT NULL,
  UNIQUE (kind, name, tag)
) STRICT;
`;
