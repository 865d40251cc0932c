/**
 * Stages an OSV bundle's advisories in TEMP tables while the archive is read, then merges them into osv_fixes in
 * one synchronous transaction. Reading is async (entry by entry) and a transaction must not span an await (other
 * writers on the connection — job progress, the audit chain — would land inside it and roll back with it), so
 * the staging tables carry the import instead: memory stays bounded by one batch, and a refused, damaged or
 * cancelled archive leaves osv_fixes and the feed's record exactly as they were.
 */
import type { Db } from '../db/open';
import { OSV_FIX_COLUMNS, osvFixRows, recordOsvFeed, type OsvAdvisoryRow } from './intel-store';

let serial = 0;

export class DuplicateAdvisoryError extends Error {
  constructor(
    readonly id: string,
    readonly firstEntry: string,
    readonly entry: string,
  ) {
    super(`${entry}: ${id} appears more than once (first in ${firstEntry})`);
    this.name = 'DuplicateAdvisoryError';
  }
}

export class OsvStaging {
  // Identifiers from a counter, never from input: each import (two may overlap) has its own tables.
  private readonly adv = `osv_stage_adv_${++serial}`;
  private readonly rows = `osv_stage_rows_${serial}`;
  private withCve = 0;
  private withoutCve = 0;

  constructor(private readonly db: Db) {
    db.exec(`CREATE TEMP TABLE ${this.adv} (id TEXT PRIMARY KEY, entry TEXT NOT NULL) WITHOUT ROWID`);
    db.exec(`CREATE TEMP TABLE ${this.rows} (${OSV_FIX_COLUMNS})`);
  }

  /** Advisories staged so far that name a CVE (only those can be joined to an update). */
  get kept(): number {
    return this.withCve;
  }

  /** Stages one batch in one short transaction; an advisory id seen before refuses the bundle. */
  add(batch: readonly { entry: string; advisory: OsvAdvisoryRow }[]): void {
    const seen = this.db.prepare(`SELECT entry FROM ${this.adv} WHERE id = ?`).pluck();
    const putAdv = this.db.prepare(`INSERT INTO ${this.adv} (id, entry) VALUES (?, ?)`);
    const putRow = this.db.prepare(`INSERT INTO ${this.rows} (${OSV_FIX_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const { entry, advisory } of batch) {
        const first = seen.get(advisory.id) as string | undefined;
        if (first !== undefined) throw new DuplicateAdvisoryError(advisory.id, first, entry);
        putAdv.run(advisory.id, entry);
        const fixes = osvFixRows(advisory);
        for (const f of fixes) putRow.run(...f);
        if (fixes.length > 0) this.withCve++;
        else this.withoutCve++;
      }
    })();
  }

  /**
   * Replaces every staged advisory's rows in osv_fixes (advisories without a CVE lose their old rows, as with a
   * single file) and records the feed, all in one transaction.
   */
  commit(source: string, now: number): { kept: number; withoutCve: number } {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM osv_fixes WHERE advisory_id IN (SELECT id FROM ${this.adv})`).run();
      this.db.prepare(`INSERT OR REPLACE INTO osv_fixes (${OSV_FIX_COLUMNS}) SELECT ${OSV_FIX_COLUMNS} FROM ${this.rows}`).run();
      recordOsvFeed(this.db, source, now);
    })();
    return { kept: this.withCve, withoutCve: this.withoutCve };
  }

  drop(): void {
    if (!this.db.open) return;
    this.db.exec(`DROP TABLE IF EXISTS temp.${this.adv}; DROP TABLE IF EXISTS temp.${this.rows}`);
  }
}
