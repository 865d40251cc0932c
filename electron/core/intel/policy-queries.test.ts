import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { ApprovalBlockedError, approveUpdates } from './patch-queries';
import { addBlock, blockedPackages, blocksByTags } from './policy-queries';

function fleet() {
  const db = openDatabase(':memory:');
  const add = db.prepare(`INSERT INTO hosts (id, address, tags, created_at, updated_at) VALUES (?, ?, ?, 1, 1)`);
  add.run(1, '127.0.0.1', '["db","office"]');
  add.run(2, '127.0.0.2', '["office"]');
  add.run(3, '127.0.0.3', '[]');
  return db;
}

describe('blockedPackages', () => {
  it('gives the fleet-wide blocks to every machine and a group block only to machines with that tag', () => {
    const db = fleet();
    addBlock(db, { kind: 'package', name: 'linux-image-amd64', reason: 'kernel updates by hand' });
    addBlock(db, { kind: 'package', name: 'postgresql-15', tag: 'db', reason: 'upgrade with the vendor' });
    addBlock(db, { kind: 'kb', name: 'kb5034441', reason: 'fails on small recovery partitions' });
    expect(blockedPackages(db, 1)).toEqual(
      new Map([
        ['KB5034441', 'fails on small recovery partitions'],
        ['linux-image-amd64', 'kernel updates by hand'],
        ['postgresql-15', 'upgrade with the vendor (group db)'],
      ]),
    );
    expect([...blockedPackages(db, 2).keys()].sort()).toEqual(['KB5034441', 'linux-image-amd64']);
    expect([...blockedPackages(db, 99).keys()].sort()).toEqual(['KB5034441', 'linux-image-amd64']);
  });

  it('joins the reasons when a package is blocked fleet-wide and for a group, and updates a reason in place', () => {
    const db = fleet();
    addBlock(db, { kind: 'package', name: 'openssl', reason: 'waiting for 3.0.14' });
    addBlock(db, { kind: 'package', name: 'openssl', tag: 'office', reason: 'printer driver' });
    expect(blockedPackages(db, 2).get('openssl')).toBe('waiting for 3.0.14; printer driver (group office)');
    addBlock(db, { kind: 'package', name: 'openssl', reason: 'waiting for 3.0.15' });
    expect(blockedPackages(db, 3)).toEqual(new Map([['openssl', 'waiting for 3.0.15']]));
  });

  it('gives, read once for many machines (blocksByTags), the same maps in the same order as per machine', () => {
    const db = fleet();
    addBlock(db, { kind: 'package', name: 'openssl', tag: 'office', reason: 'printer driver' });
    addBlock(db, { kind: 'package', name: 'openssl', tag: 'db', reason: 'replication' });
    addBlock(db, { kind: 'package', name: 'openssl', reason: 'waiting for 3.0.14' });
    addBlock(db, { kind: 'package', name: 'zlib1g', tag: 'db', reason: 'vendor' });
    addBlock(db, { kind: 'package', name: 'curl', reason: 'pinned' });
    const of = blocksByTags(db);
    const tagsOf = (id: number): string[] => JSON.parse((db.prepare('SELECT tags FROM hosts WHERE id = ?').get(id) as { tags: string }).tags) as string[];
    for (const id of [1, 2, 3]) expect([...of(tagsOf(id))]).toEqual([...blockedPackages(db, id)]);
    expect(of(tagsOf(1)).get('openssl')).toBe('waiting for 3.0.14; replication (group db); printer driver (group office)');
  });

  it('refuses a block without a name or a reason, and a KB that is not a KB number', () => {
    const db = fleet();
    expect(() => addBlock(db, { kind: 'package', name: ' ', reason: 'x' })).toThrow(/package name or KB/);
    expect(() => addBlock(db, { kind: 'package', name: 'curl', reason: '  ' })).toThrow(/Say why curl is blocked/);
    expect(() => addBlock(db, { kind: 'kb', name: 'patch-5034441', reason: 'x' })).toThrow(/not a KB number/);
    expect(blockedPackages(db, 1).size).toBe(0);
  });
});

describe('approving a blocked package', () => {
  it('is refused whole, naming the package, machine and reason, and nothing is approved', () => {
    const db = fleet();
    const upd = db.prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, detected_at) VALUES (?, ?, '1', '2', 1)`);
    upd.run(1, 'postgresql-15');
    upd.run(2, 'postgresql-15');
    upd.run(1, 'curl');
    addBlock(db, { kind: 'package', name: 'postgresql-15', tag: 'db', reason: 'upgrade with the vendor' });
    const approvals = () => (db.prepare('SELECT count(*) AS n FROM approvals').get() as { n: number }).n;
    expect(() =>
      approveUpdates(db, [
        { package: 'curl', candidateVersion: '2' },
        { package: 'postgresql-15', candidateVersion: '2' },
      ], 'user'),
    ).toThrow(new ApprovalBlockedError('Blocked by policy, nothing was approved: postgresql-15 on machine 1 (upgrade with the vendor (group db))'));
    expect(approvals()).toBe(0);
    // Machine 2 is not in the db group: approving it there is allowed.
    expect(approveUpdates(db, [{ package: 'postgresql-15', candidateVersion: '2', hostIds: [2] }], 'user')).toEqual([{ hostId: 2, package: 'postgresql-15', from: '1', to: '2' }]);
    expect(approvals()).toBe(1);
  });
});
