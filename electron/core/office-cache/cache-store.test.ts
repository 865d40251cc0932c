/**
 * Finding a held package file by the name a Debian Packages record gives it: the core reads changelogs from those
 * (assess/fleet-changelogs.ts). Names are compared decoded, since apt quotes some characters in the URLs it asks for.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CacheStore } from './cache-store';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function storeWith(entries: { key: string; kind: 'immutable' | 'index' }[]): CacheStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-store-'));
  dirs.push(dir);
  const store = new CacheStore(dir, 1e9, () => 1_000);
  store.load();
  for (const e of entries) {
    const tmp = store.tempFile();
    fs.writeFileSync(tmp, e.key);
    store.add(tmp, { key: e.key, kind: e.kind, size: e.key.length });
  }
  return store;
}

describe('CacheStore.findPackageFile', () => {
  it('finds a package file by its pool path, encoded or not, and never an index or a file of another folder', () => {
    const store = storeWith([
      { key: 'http://deb.debian.org/debian/pool/main/libz/libzstd/libzstd1_1.5.4%2Bdfsg2-5%2Bdeb12u1_amd64.deb', kind: 'immutable' },
      { key: 'http://deb.debian.org/debian/pool/main/a/apt/apt_2.6.2_amd64.deb', kind: 'immutable' },
      { key: 'http://deb.debian.org/debian/pool/main/x/other/apt_2.6.2_amd64.deb', kind: 'immutable' },
      { key: 'http://deb.debian.org/debian/dists/bookworm/pool/main/t/tz/tzdata_2026f_all.deb', kind: 'index' },
    ]);
    expect(store.findPackageFile('pool/main/a/apt/apt_2.6.2_amd64.deb')?.key).toBe('http://deb.debian.org/debian/pool/main/a/apt/apt_2.6.2_amd64.deb');
    expect(store.findPackageFile('pool/main/libz/libzstd/libzstd1_1.5.4+dfsg2-5+deb12u1_amd64.deb')?.key).toContain('libzstd1_1.5.4%2Bdfsg2');
    expect(store.findPackageFile('pool/main/t/tz/tzdata_2026f_all.deb')).toBeUndefined();
    expect(store.findPackageFile('pool/main/b/apt/apt_2.6.2_amd64.deb')).toBeUndefined();
    // A held file's path is where the cache keeps that URL's bytes.
    const hit = store.findPackageFile('pool/main/a/apt/apt_2.6.2_amd64.deb')!;
    expect(fs.readFileSync(store.fileOf(hit.key), 'utf8')).toBe(hit.key);
  });
});
