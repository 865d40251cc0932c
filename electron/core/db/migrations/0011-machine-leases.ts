/**
 * One job per machine, across processes: a lease per machine held by the process (app, headless host or
 * command line) whose job is working on it, renewed by that process's heartbeat and taken over once it lapses
 * (the holder died). Jobs record the process that runs them, so a second process on the same data folder no
 * longer marks a live process's jobs as interrupted.
 */
export const sql = `
CREATE TABLE core_processes (
  id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 8 AND 64),
  pid INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 32),
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
) STRICT;
CREATE TABLE machine_leases (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  holder TEXT NOT NULL,
  job_id INTEGER,
  purpose TEXT NOT NULL CHECK (length(purpose) BETWEEN 1 AND 200),
  acquired_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX machine_leases_holder ON machine_leases (holder);
ALTER TABLE jobs ADD COLUMN owner TEXT;
`;
