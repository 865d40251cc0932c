import fs from 'node:fs';
import path from 'node:path';
import type { Log } from './exec.js';
import { ensureBase, planBase } from './base-root.js';
import { debFileName, FIXTURE_PACKAGES, FIXTURE_REPO } from './fixture-packages.js';
import { ensureFixtureRepo, fixtureSources, type FixtureRepo } from './fixture-repo.js';
import { ensureLayer, planLayer, type Bind, type Layer, type LayerRecipe } from './layers.js';
import type { Mirrors } from './mirror.js';
import { ensureRpmRepos, type RpmRepos } from './rpm-repo.js';
import { rpmFixtureScript, suseFixtureScript } from './rpm-recipes.js';
import { RPM_FIXTURE_REPO } from './rpm-fixture-packages.js';
import { cacheDir } from './paths.js';
import { LabError, type Scenario } from './types.js';
import { windowsSshBinds, windowsSshScript } from './windows-ssh.js';

const UPGRADE = [
  'apt-get update',
  'apt-get -y -o Dpkg::Options::=--force-confold dist-upgrade',
  '# An upgraded openssh-server makes host keys; hosts bring their own.',
  'rm -f /etc/ssh/ssh_host_* /var/cache/apt/*.bin',
].join('\n');

const PIN = [
  '# Patchwell lab fixture host: show exactly the fixture updates, even after a later',
  '# `apt-get update` fetches newer Debian security releases. Installed versions (priority 100)',
  '# beat Debian candidates (50), so no Debian package is upgradable, yet all stay installable.',
  'Package: *',
  'Pin: release o=Debian',
  'Pin-Priority: 50',
  '',
].join('\n');

function fixtureScript(): string {
  const repo = FIXTURE_REPO.pathInHost;
  const debs = FIXTURE_PACKAGES.map((p) => `${repo}/pool/${debFileName(p.name, p.installed)}`);
  return [
    `install -m 644 ${repo}/pw-fixture.gpg ${FIXTURE_REPO.keyring}`,
    `cat > ${FIXTURE_REPO.sourcesFile} <<'PW_EOF'\n${fixtureSources()}PW_EOF`,
    `cat > /etc/apt/preferences.d/pw-lab-fixture <<'PW_EOF'\n${PIN}PW_EOF`,
    `dpkg -i ${debs.join(' ')}`,
    '# Index only the fixture repository: the Debian lists stay those of the upgraded layer.',
    'mkdir -p /tmp/pw-src && cp ' + FIXTURE_REPO.sourcesFile + ' /tmp/pw-src/',
    'apt-get update -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/tmp/pw-src -o APT::Get::List-Cleanup=0',
    'rm -rf /tmp/pw-src /var/cache/apt/*.bin',
  ].join('\n');
}

const BROKEN = (() => {
  const b = FIXTURE_REPO.brokenPackage;
  return [
    '# Unpacked but never configured: what an interrupted upgrade leaves, and what `dpkg --audit` reports.',
    `dpkg --unpack ${FIXTURE_REPO.pathInHost}/pool/${debFileName(b.name, b.version)}`,
  ].join('\n');
})();

const BTRFS_TOOLS = [
  'pkgs="btrfs-progs snapper"',
  '# The cached lists may name versions the mirror has dropped since; refresh them then.',
  'apt-get -y --no-install-recommends install $pkgs || { apt-get update && apt-get -y --no-install-recommends install $pkgs; }',
  'rm -f /var/cache/apt/*.bin',
].join('\n');

/** Every cache entry a lab may need, keyed by recipe; nothing is built by planning. */
export interface Plan {
  mirrors: Mirrors;
  base: ReturnType<typeof planBase>;
  repo: FixtureRepo;
  rpmRepos: RpmRepos;
  recipes: Record<LayerName, LayerRecipe>;
  layers: Record<LayerName, Layer>;
  /** The windows-ssh layer, or why it cannot be planned here (its recipe needs this machine's PowerShell). */
  windowsSsh: { recipe: LayerRecipe; layer: Layer } | { problem: string };
}

type LayerName = 'upgraded' | 'fixture' | 'broken' | 'btrfsTools' | 'rpmFixture' | 'suseFixture' | 'suseBtrfsTools';

function generationFile(): string {
  return path.join(cacheDir(), 'upgrade-generation');
}

/** The upgraded layer is reused until `up --refresh` starts a new generation (a fresh dist-upgrade). */
export function upgradeGeneration(refresh: boolean): string {
  const file = generationFile();
  if (refresh || !fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${new Date().toISOString()}\n`);
  }
  return fs.readFileSync(file, 'utf8').trim();
}

export async function makePlan(mirrors: Mirrors, refresh: boolean, log: Log): Promise<Plan> {
  const base = planBase(mirrors);
  const repo = await ensureFixtureRepo(log);
  const repoBind: Bind[] = [{ src: repo.dir, dst: FIXTURE_REPO.pathInHost }];
  const upgradedR: LayerRecipe = { name: 'upgraded', parent: base, script: UPGRADE, inputs: [upgradeGeneration(refresh)] };
  const upgraded = planLayer(upgradedR);
  const fixtureR: LayerRecipe = { name: 'fixture', parent: upgraded, script: fixtureScript(), inputs: [repo.key], binds: repoBind };
  const fixture = planLayer(fixtureR);
  const brokenR: LayerRecipe = { name: 'broken-dpkg', parent: fixture, script: BROKEN, inputs: [repo.key], binds: repoBind };
  const btrfsToolsR: LayerRecipe = { name: 'btrfs-tools', parent: upgraded, script: BTRFS_TOOLS, inputs: [] };
  const rpmRepos = await ensureRpmRepos(log);
  const rpmFixtureR: LayerRecipe = {
    name: 'rpm-fixture', parent: upgraded, script: rpmFixtureScript(), inputs: [rpmRepos.key],
    binds: [{ src: rpmRepos.dirs.rhel, dst: RPM_FIXTURE_REPO.pathInHost.rhel }],
  };
  const suseFixtureR: LayerRecipe = {
    name: 'suse-fixture', parent: upgraded, script: suseFixtureScript(), inputs: [rpmRepos.key],
    binds: [{ src: rpmRepos.dirs.suse, dst: RPM_FIXTURE_REPO.pathInHost.suse }],
  };
  const suseFixture = planLayer(suseFixtureR);
  // SUSE installs its root on btrfs with snapper: the suse-fixture machine with the same tools as the btrfs scenario.
  const suseBtrfsToolsR: LayerRecipe = { name: 'suse-btrfs-tools', parent: suseFixture, script: BTRFS_TOOLS, inputs: [] };
  let windowsSsh: Plan['windowsSsh'];
  try {
    const recipe: LayerRecipe = { name: 'windows-ssh', parent: upgraded, script: windowsSshScript(), inputs: [] };
    windowsSsh = { recipe, layer: planLayer(recipe) };
  } catch (e) {
    windowsSsh = { problem: `the windows-ssh scenario cannot be built here: ${e instanceof Error ? e.message : String(e)}` };
  }
  return {
    mirrors, base, repo, rpmRepos, windowsSsh,
    recipes: {
      upgraded: upgradedR, fixture: fixtureR, broken: brokenR, btrfsTools: btrfsToolsR, rpmFixture: rpmFixtureR, suseFixture: suseFixtureR,
      suseBtrfsTools: suseBtrfsToolsR,
    },
    layers: {
      upgraded, fixture, broken: planLayer(brokenR), btrfsTools: planLayer(btrfsToolsR),
      rpmFixture: planLayer(rpmFixtureR), suseFixture, suseBtrfsTools: planLayer(suseBtrfsToolsR),
    },
  };
}

/** Which cached layer a scenario's overlay sits on (btrfs: the layer its image is made from). */
export function topLayerName(s: Scenario): LayerName | 'base' | 'windowsSsh' {
  switch (s) {
    case 'stale': case 'no-sudo': case 'sudo-password': case 'key-only': case 'no-route': return 'base';
    case 'current': return 'upgraded';
    case 'fixture': return 'fixture';
    case 'broken-dpkg': return 'broken';
    case 'btrfs': return 'btrfsTools';
    case 'rpm-fixture': return 'rpmFixture';
    case 'suse-fixture': return 'suseFixture';
    case 'suse-btrfs': return 'suseBtrfsTools';
    case 'windows-ssh': return 'windowsSsh';
  }
}

export function topLayer(plan: Plan, s: Scenario): Layer {
  const name = topLayerName(s);
  if (name === 'windowsSsh') {
    if ('problem' in plan.windowsSsh) throw new LabError(plan.windowsSsh.problem);
    return plan.windowsSsh.layer;
  }
  return name === 'base' ? plan.base : plan.layers[name];
}

export function needsFixtureRepo(s: Scenario): boolean {
  return s === 'fixture' || s === 'broken-dpkg';
}

/** The repositories a scenario's host sees read-only (the same binds its layer was built with). */
export function repoBinds(plan: Plan, s: Scenario): Bind[] {
  if (needsFixtureRepo(s)) return [{ src: plan.repo.dir, dst: FIXTURE_REPO.pathInHost }];
  if (s === 'rpm-fixture') return [...(plan.recipes.rpmFixture.binds ?? [])];
  if (s === 'suse-fixture' || s === 'suse-btrfs') return [...(plan.recipes.suseFixture.binds ?? [])];
  // Not a repository: this machine's PowerShell and .NET, which the host runs as its powershell.exe.
  if (s === 'windows-ssh') return windowsSshBinds();
  return [];
}

const ORDER: readonly LayerName[] = ['upgraded', 'fixture', 'broken', 'btrfsTools', 'rpmFixture', 'suseFixture', 'suseBtrfsTools'];

/** Builds what the scenarios need that the cache lacks, each layer once, parents first. */
export async function ensureLayers(plan: Plan, scenarios: readonly Scenario[], log: Log): Promise<void> {
  await ensureBase(plan.base, plan.mirrors, log);
  const wanted = new Set<string>();
  for (const s of scenarios) {
    const top = topLayer(plan, s);
    for (const l of [top, ...top.parents]) wanted.add(l.dir);
  }
  for (const name of ORDER) {
    const layer = plan.layers[name];
    if (wanted.has(layer.dir)) await ensureLayer(layer, plan.recipes[name], log);
  }
  if ('layer' in plan.windowsSsh && wanted.has(plan.windowsSsh.layer.dir)) await ensureLayer(plan.windowsSsh.layer, plan.windowsSsh.recipe, log);
}
