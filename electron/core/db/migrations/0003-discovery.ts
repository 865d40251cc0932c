/**
 * Discovery history: every scan and what it saw, kept so the user can see when a machine appeared, changed
 * or went quiet. The host row carries the latest fingerprint.
 */
export const sql = `
CREATE TABLE scans (
  id INTEGER PRIMARY KEY,
  job_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
  include_text TEXT NOT NULL,
  exclude_text TEXT NOT NULL,
  ports TEXT NOT NULL CHECK (json_valid(ports)),
  address_count INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running','completed','budget-exhausted','cancelled','failed','interrupted')),
  found INTEGER NOT NULL DEFAULT 0,
  new_count INTEGER NOT NULL DEFAULT 0,
  changed_count INTEGER NOT NULL DEFAULT 0,
  missing_count INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  finished_at INTEGER
) STRICT;

CREATE TABLE scan_results (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  host_id INTEGER REFERENCES hosts (id) ON DELETE SET NULL,
  change TEXT NOT NULL CHECK (change IN ('new','changed','same','missing')),
  changes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(changes)),
  hostnames TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(hostnames)),
  open_ports TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(open_ports)),
  fingerprints TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fingerprints)),
  os_guess TEXT CHECK (os_guess IS NULL OR json_valid(os_guess)),
  mac TEXT,
  vendor TEXT,
  responded_at INTEGER,
  PRIMARY KEY (scan_id, address)
) STRICT;

ALTER TABLE hosts ADD COLUMN mac TEXT;
ALTER TABLE hosts ADD COLUMN vendor TEXT;
ALTER TABLE hosts ADD COLUMN fingerprints TEXT NOT NULL DEFAULT '[]';
ALTER TABLE hosts ADD COLUMN os_guess TEXT;
ALTER TABLE hosts ADD COLUMN last_scan_id INTEGER;
`;
