/**
 * Keeping the rollback .debs on a real Debian machine (the lab's fixture host): the old versions' files come from
 * the package lists' own records and one apt-helper run, land as real copies of the repository's files, and the
 * lookup builds no apt binary cache (which would cost every machine of a deployment a parse of every list).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PACKAGES, resetHost, type LabHost } from '../../../e2e/lab/index';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { connectSsh, type SshSession } from '../transports/ssh';
import { createDebianPlatform } from './debian';
import { parseResolvedDebs, RESOLVE_DEBS_SCRIPT } from './debian-rollback-debs';

let lab: LabHost[];
let session: SshSession;
const debian = createDebianPlatform({ changelogs: false });
const installed = FIXTURE_PACKAGES.map((p) => ({ name: p.name, arch: 'all', version: p.installed }));
const specs = installed.map((i) => `${i.name}:all=${i.version}`);

async function sh(command: string): Promise<string> {
  const r = await session.exec(['sh', '-c', command], { env: { LC_ALL: 'C' } });
  return r.stdout;
}

describe.skipIf(!labEnabled)('keeping rollback .debs on a real Debian machine', () => {
  beforeAll(async () => {
    lab = await standardLab();
    await resetHost(hostOf(lab, 'fixture').address);
    lab = await standardLab();
    const h = hostOf(lab, 'fixture');
    session = await connectSsh({ address: h.address, port: 22, pinnedKey: h.hostKeyFingerprint }, { username: 'admin', privateKey: fs.readFileSync(h.keyPath, 'utf8') });
  }, LAB_TIMEOUT);

  afterAll(async () => {
    await session?.close();
    if (lab) await resetHost(hostOf(lab, 'fixture').address);
  }, LAB_TIMEOUT);

  it('fetches the installed versions from the lists without apt-get or an apt cache, as real copies', async () => {
    await sh('sudo rm -f /var/cache/apt/pkgcache.bin /var/cache/apt/srcpkgcache.bin /var/cache/apt/archives/pw-fixture-*');
    const r = await debian.ensureRollbackDebs(session, installed);
    expect(r).toEqual({ present: [], downloaded: specs, viaAptGet: [], unavailable: [] });
    // Regular files, byte for byte the repository's: the rollback works once the repository is gone.
    const kept = await sh('cd /var/cache/apt/archives && for f in pw-fixture-*; do [ -f "$f" ] && [ ! -L "$f" ] && cmp -s "$f" "/srv/pw-fixture-repo/pool/$f" && echo "$f"; done');
    expect(kept.trim().split('\n')).toEqual(FIXTURE_PACKAGES.map((p) => `${p.name}_${p.installed}_all.deb`).sort());
    expect(await sh('ls /var/cache/apt/ | grep -c "\\.bin$" || true')).toBe('0\n');
    expect(await sh('sudo ls /var/cache/apt/archives/partial/ | grep -c patchwell || true')).toBe('0\n');

    expect(await debian.ensureRollbackDebs(session, installed)).toEqual({ present: specs, downloaded: [], viaAptGet: [], unavailable: [] });
  }, LAB_TIMEOUT);

  it('finds the installed versions as the login user; the snapshot then fetches them with no package list to read', async () => {
    await sh('sudo rm -f /var/cache/apt/archives/pw-fixture-*');
    const asked = [...specs, 'pw-fixture-a:all=0.1-1'];
    const r = await session.script(RESOLVE_DEBS_SCRIPT, asked, { env: { LC_ALL: 'C' } });
    expect(r.code).toBe(0);
    const found = parseResolvedDebs(r.stdout, asked);
    // Each file where the fixture repository has it, with the checksum of its bytes; nothing for a version it lacks.
    const sums = await sh(`cd /srv/pw-fixture-repo/pool && sha256sum ${FIXTURE_PACKAGES.map((p) => `${p.name}_${p.installed}_all.deb`).join(' ')}`);
    expect([...found.keys()].sort()).toEqual([...specs].sort());
    for (const p of FIXTURE_PACKAGES) {
      const file = `${p.name}_${p.installed}_all.deb`;
      const source = found.get(`${p.name}:all=${p.installed}`);
      expect(source?.url).toMatch(new RegExp(`^copy:/srv/pw-fixture-repo/(\\./)?pool/${file.replace(/[.+~]/g, '\\$&')}$`));
      expect(sums).toContain(`${source?.sha256}  ${file}`);
    }

    // With apt's lists out of the way, only what the assessment found can bring the files.
    await sh('sudo mv /var/lib/apt/lists /var/lib/apt/lists.pw-hidden && sudo mkdir /var/lib/apt/lists');
    try {
      const kept = await debian.ensureRollbackDebs(session, installed, found);
      expect(kept.downloaded.sort()).toEqual([...specs].sort());
      expect(kept).toMatchObject({ present: [], viaAptGet: [], unavailable: [] });
    } finally {
      await sh('sudo rm -rf /var/lib/apt/lists && sudo mv /var/lib/apt/lists.pw-hidden /var/lib/apt/lists');
    }
    const same = await sh('cd /var/cache/apt/archives && for f in pw-fixture-*; do cmp -s "$f" "/srv/pw-fixture-repo/pool/$f" && echo "$f"; done');
    expect(same.trim().split('\n')).toEqual(FIXTURE_PACKAGES.map((p) => `${p.name}_${p.installed}_all.deb`).sort());
  }, LAB_TIMEOUT);

  it('reads a list apt keeps compressed through apt-helper cat-file, as the login user and as root', async () => {
    await sh('sudo rm -f /var/cache/apt/archives/pw-fixture-*');
    const list = (await sh("ls /var/lib/apt/lists/ | grep 'pw-fixture-repo.*_Packages$'")).trim();
    expect(list.split('\n')).toHaveLength(1);
    // As apt stores lists under Acquire::GzipIndexes: only the .gz is left.
    await sh(`sudo gzip /var/lib/apt/lists/${list}`);
    try {
      const r = await session.script(RESOLVE_DEBS_SCRIPT, specs, { env: { LC_ALL: 'C' } });
      expect([...parseResolvedDebs(r.stdout, specs).keys()].sort()).toEqual([...specs].sort());
      const kept = await debian.ensureRollbackDebs(session, installed);
      expect(kept.downloaded.sort()).toEqual([...specs].sort());
      expect(kept).toMatchObject({ present: [], viaAptGet: [], unavailable: [] });
      expect(await sh('sudo ls /var/cache/apt/archives/partial/ | grep -c patchwell || true')).toBe('0\n');
    } finally {
      await sh(`sudo gunzip /var/lib/apt/lists/${list}.gz`);
    }
  }, LAB_TIMEOUT);

  it('says which versions no repository offers, after trying apt-get download for them', async () => {
    const r = await debian.ensureRollbackDebs(session, [{ name: 'pw-fixture-a', arch: 'all', version: '0.1-1' }]);
    expect(r).toEqual({ present: [], downloaded: [], viaAptGet: [], unavailable: ['pw-fixture-a:all=0.1-1'] });
  }, LAB_TIMEOUT);
});
