/**
 * Opt-in: runs the Debian platform against the apt/dpkg of the machine running the tests (which must be Debian or
 * Ubuntu with network access to its mirrors). Enable with PATCHWELL_LOCAL_DEBIAN=1. Read-only: no install.
 */
import { describe, expect, it } from 'vitest';
import { createDebianPlatform } from './debian';
import { memoryChangelogCache } from './debian-changelog-fetch';
import { LocalRemote } from './local-remote';

describe.skipIf(process.env.PATCHWELL_LOCAL_DEBIAN !== '1')('Debian platform on this machine', () => {
  it('assesses, and a repeat assessment is served from the changelog cache', async () => {
    const cache = memoryChangelogCache();
    const deb = createDebianPlatform({ changelogCache: cache });
    const remote = new LocalRemote();
    const facts = await deb.facts(remote);
    expect(facts.osLike.concat(facts.osId)).toContain('debian');
    expect((await deb.installedPackages(remote)).length).toBeGreaterThan(50);
    expect((await deb.health(remote)).ok).toBe(true);
    const t0 = Date.now();
    const first = await deb.pendingUpdates(remote);
    const firstMs = Date.now() - t0;
    const t1 = Date.now();
    const second = await deb.pendingUpdates(remote);
    const secondMs = Date.now() - t1;
    expect(second.updates.map((u) => [u.name, u.cves])).toEqual(first.updates.map((u) => [u.name, u.cves]));
    if (first.updates.length > 0) expect(secondMs).toBeLessThan(firstMs);
    console.log(`pending ${first.updates.length}, security ${first.updates.filter((u) => u.isSecurity).length}, ` +
      `with CVEs ${first.updates.filter((u) => u.cves.length).length}; first ${firstMs} ms, cached ${secondMs} ms`);
  }, 900_000);
});
