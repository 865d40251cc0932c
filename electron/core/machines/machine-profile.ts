/**
 * What the risk score knows about a machine: how critical it is and whether it is exposed. Either can be set
 * on the machine or on one of its tags (tag_profiles); the highest criticality applies, and a machine is
 * exposed when it or any of its tags is marked so.
 */
import type { Criticality } from '../../../shared/contract';
import type { Db } from '../db/open';

const RANK = (col: string): string => `CASE ${col} WHEN 'critical' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 WHEN 'low' THEN 0 END`;
const TAGS_OF_H = `FROM json_each(h.tags) t JOIN tag_profiles tp ON tp.tag = t.value`;

/** One row per machine: id, criticality (effective), exposed (0/1), open_ports (JSON). Use as a CTE or subquery. */
export const HOST_PROFILE_SQL = `SELECT h.id,
    CASE max(${RANK('h.criticality')}, coalesce((SELECT max(${RANK('tp.criticality')}) ${TAGS_OF_H}), 0))
      WHEN 3 THEN 'critical' WHEN 2 THEN 'high' WHEN 1 THEN 'normal' ELSE 'low' END AS criticality,
    max(h.exposed, coalesce((SELECT max(tp.exposed) ${TAGS_OF_H}), 0)) AS exposed,
    h.open_ports
  FROM hosts h`;

export interface HostProfile {
  criticality: Criticality;
  exposed: boolean;
  openPorts: number[];
}

export function hostProfiles(db: Db): Map<number, HostProfile> {
  const rows = db.prepare(HOST_PROFILE_SQL).raw().all() as [number, Criticality, number, string][];
  return new Map(rows.map(([id, criticality, exposed, ports]) => [id, { criticality, exposed: exposed === 1, openPorts: JSON.parse(ports) as number[] }]));
}

export interface TagProfile {
  tag: string;
  criticality: Criticality | null;
  exposed: boolean;
}

export function listTagProfiles(db: Db): TagProfile[] {
  return (db.prepare('SELECT tag, criticality, exposed FROM tag_profiles ORDER BY tag').all() as { tag: string; criticality: Criticality | null; exposed: number }[]).map((r) => ({
    tag: r.tag,
    criticality: r.criticality,
    exposed: r.exposed === 1,
  }));
}

/** Sets (or, with neither a criticality nor exposed, removes) a tag's profile. Returns the previous one. */
export function setTagProfile(db: Db, p: TagProfile, now = Date.now()): TagProfile | null {
  return db.transaction(() => {
    const before = listTagProfiles(db).find((x) => x.tag === p.tag) ?? null;
    if (p.criticality === null && !p.exposed) db.prepare('DELETE FROM tag_profiles WHERE tag = ?').run(p.tag);
    else {
      db.prepare(
        `INSERT INTO tag_profiles (tag, criticality, exposed, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (tag) DO UPDATE SET criticality = excluded.criticality, exposed = excluded.exposed, updated_at = excluded.updated_at`,
      ).run(p.tag, p.criticality, p.exposed ? 1 : 0, now);
    }
    return before;
  })();
}
