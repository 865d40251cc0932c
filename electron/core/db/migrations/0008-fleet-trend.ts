/**
 * The dashboard's trend: one row per (local) day with the fleet's figures, upserted whenever the inventory
 * changes, kept for a year.
 */
export const sql = `
CREATE TABLE fleet_trend (
  day TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  machines INTEGER NOT NULL CHECK (machines >= 0),
  open_updates INTEGER NOT NULL CHECK (open_updates >= 0),
  kev_open INTEGER NOT NULL CHECK (kev_open >= 0),
  critical INTEGER NOT NULL CHECK (critical >= 0),
  high INTEGER NOT NULL CHECK (high >= 0),
  machines_at_risk INTEGER NOT NULL CHECK (machines_at_risk >= 0),
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`;
