/**
 * Policy look-ups other parts of the core use. The deploy engine calls blockedPackages() to leave blocked
 * packages out of a plan; approvals call it to refuse approving one.
 */
import type { Db } from '../db/open';

export interface BlockInput {
  kind: 'package' | 'kb';
  name: string;
  tag?: string;
  reason: string;
}

/** Adds (or updates the reason of) a block; a blank name or reason is refused. */
export function addBlock(db: Db, block: BlockInput, now = Date.now()): void {
  const name = block.name.trim();
  const reason = block.reason.trim();
  const tag = (block.tag ?? '').trim();
  if (!name) throw new Error('A block needs the package name or KB');
  if (!reason) throw new Error(`Say why ${name} is blocked`);
  if (block.kind === 'kb' && !/^KB\d{6,8}$/i.test(name)) throw new Error(`${name} is not a KB number (KB followed by digits)`);
  db.prepare(
    `INSERT INTO policy_blocks (kind, name, tag, reason, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (kind, name, tag) DO UPDATE SET reason = excluded.reason`,
  ).run(block.kind, block.kind === 'kb' ? name.toUpperCase() : name, tag, reason, now);
}

/**
 * Package name (or KB) → reason for everything blocked on this machine: the fleet-wide blocks and those of
 * the machine's tags. Where both apply, the fleet-wide reason comes first, then the tags' in tag order.
 * An unknown machine gets the fleet-wide blocks only.
 */
export function blockedPackages(db: Db, hostId: number): Map<string, string> {
  const rows = db
    .prepare(
      `SELECT b.name, b.tag, b.reason FROM policy_blocks b
       WHERE b.tag = ''
          OR b.tag IN (SELECT j.value FROM hosts h, json_each(h.tags) j WHERE h.id = ?)
       ORDER BY b.tag <> '', b.tag, b.name`,
    )
    .all(hostId) as { name: string; tag: string; reason: string }[];
  const out = new Map<string, string>();
  for (const r of rows) {
    const why = r.tag ? `${r.reason} (group ${r.tag})` : r.reason;
    const prev = out.get(r.name);
    out.set(r.name, prev ? `${prev}; ${why}` : why);
  }
  return out;
}

/**
 * blockedPackages() for many machines at once: every block is read once, and each machine's map is made from its
 * tags (kept for machines with the same tags). The same maps, in the same order, as blockedPackages() gives.
 */
export function blocksByTags(db: Db): (tags: readonly string[]) => Map<string, string> {
  const all = db.prepare(`SELECT name, tag, reason FROM policy_blocks ORDER BY tag <> '', tag, name`).all() as { name: string; tag: string; reason: string }[];
  const made = new Map<string, Map<string, string>>();
  return (tags) => {
    const key = JSON.stringify(tags);
    let out = made.get(key);
    if (out) return out;
    out = new Map<string, string>();
    for (const r of all) {
      if (r.tag !== '' && !tags.includes(r.tag)) continue;
      const why = r.tag ? `${r.reason} (group ${r.tag})` : r.reason;
      const prev = out.get(r.name);
      out.set(r.name, prev ? `${prev}; ${why}` : why);
    }
    made.set(key, out);
    return out;
  };
}

/** Forgets the holds of a package whose block was removed, so a rule may approve it and a new block is audited again. */
export function forgetHolds(db: Db, packageName: string): void {
  db.prepare('DELETE FROM policy_holds WHERE package = ?').run(packageName);
}
