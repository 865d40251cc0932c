import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { insertHost } from '../machines/machine-queries';
import type { ChangelogInfo } from '../platforms/debian-changelog-fetch';
import { sqliteChangelogCache } from './changelog-cache';

describe('changelog cache', () => {
  it('gives a machine only what it derived itself: another machine cannot hide or invent a CVE for it', () => {
    const db = openDatabase(':memory:');
    const honest = insertHost(db, { address: '127.0.0.2' }).id;
    const compromised = insertHost(db, { address: '127.0.0.3' }).id;
    const forged = { status: 'ok', entries: [] } as unknown as ChangelogInfo;
    sqliteChangelogCache(db, compromised).set('libexpat1', '2.5.0-1+deb12u1', forged);
    // The honest machine finds nothing cached: it reads its own changelog.
    expect(sqliteChangelogCache(db, honest).get('libexpat1', '2.5.0-1+deb12u1')).toBeUndefined();
    expect(sqliteChangelogCache(db, compromised).get('libexpat1', '2.5.0-1+deb12u1')).toEqual(forged);
    const real = { status: 'ok', entries: [{ version: '2.5.0-1+deb12u1' }] } as unknown as ChangelogInfo;
    sqliteChangelogCache(db, honest).set('libexpat1', '2.5.0-1+deb12u1', real);
    expect(sqliteChangelogCache(db, honest).get('libexpat1', '2.5.0-1+deb12u1')).toEqual(real);
    expect(sqliteChangelogCache(db, compromised).get('libexpat1', '2.5.0-1+deb12u1')).toEqual(forged);
  });
});
