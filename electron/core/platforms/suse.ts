/**
 * SUSE (SLES, openSUSE Leap/Tumbleweed, SLE Micro): zypper with --xmlout. Package updates come from
 * `zypper --xmlout list-updates` (candidate "edition", installed "edition-old" on newer zypper, repository
 * alias); advisories from `zypper --xmlout list-patches` (SUSE-SU/openSUSE-SU IDs, category, severity, CVE issues,
 * restart flag). list-patches does not name the packages inside a patch, so patches are reported as their own
 * pending items (kind "patch"), and package rows carry no advisory.
 */
import { errorMessage, run, runScript } from './exec-util';
import { proxyEnv } from './package-proxy';
import { addRebootReason, linuxFactsScript, parseLinuxFacts } from './linux-facts';
import { child, findAll, parseXml } from './mini-xml';
import type { ExactItem, Facts, InstallResult, PackageState, PendingUpdate, Platform } from './platform';
import { tail, type Remote } from './remote';
import { newestRpmKernel } from './rhel';
import { parseRpmQa, RPM_QF } from './rpm-parse';
import { compareEvr } from './rpm-version';
import { assertValid, isRpmArch, isRpmEvr, isRpmName } from './validate';

export const SUSE_FACTS_SCRIPT = linuxFactsScript('suse-facts', `echo @@kernels
rpm -q --qf '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n' kernel-default 2>/dev/null
echo @@needs-rebooting
zypper --non-interactive needs-rebooting >/dev/null 2>&1; echo $?`);

export function parseSuseFacts(output: string): Facts {
  const { facts, sections } = parseLinuxFacts(output);
  // SUSE kernels report "6.4.0-150600.23.25-default" for package kernel-default 6.4.0-150600.23.25.1.
  const newest = newestRpmKernel(sections.get('kernels') ?? '');
  if (newest) {
    const release = newest.replace(/\.\d+\.[A-Za-z0-9_]+$/, '-default');
    facts.newestKernel = release;
    if (release !== facts.runningKernel) addRebootReason(facts, `running kernel ${facts.runningKernel}, newest installed ${release}`);
  }
  // zypper needs-rebooting: 102 = reboot needed (ZYPPER_EXIT_INF_REBOOT_NEEDED), 0 = not.
  if ((sections.get('needs-rebooting') ?? '').trim() === '102') addRebootReason(facts, 'zypper needs-rebooting');
  return facts;
}

export function parseZypperListUpdates(xml: string): PendingUpdate[] {
  return findAll(parseXml(xml), 'update').filter((u) => (u.attrs.kind ?? 'package') === 'package').map((u) => {
    const source = u.children.find((c) => c.name === 'source');
    return {
      name: u.attrs.name ?? '', arch: u.attrs.arch ?? '', installedVersion: u.attrs['edition-old'] ?? null,
      candidateVersion: u.attrs.edition ?? '', source: source?.attrs.alias ?? source?.attrs.url ?? null,
      suites: source?.attrs.alias ? [source.attrs.alias] : [], isSecurity: false, advisories: [], cves: [],
      severity: null, kind: 'package',
    };
  });
}

export function parseZypperListPatches(xml: string): PendingUpdate[] {
  return findAll(parseXml(xml), 'update').filter((u) => u.attrs.kind === 'patch').map((u) => {
    const issues = child(u, 'issue-list')?.children ?? [];
    const cves = [...new Set(issues.filter((i) => i.attrs.type === 'cve' && i.attrs.id).map((i) => i.attrs.id ?? ''))];
    const date = child(u, 'issue-date');
    const time = Number(date?.attrs.time_t ?? date?.attrs.time);
    const severity = u.attrs.severity && u.attrs.severity !== 'unspecified' ? u.attrs.severity : null;
    const security = u.attrs.category === 'security';
    const name = u.attrs.name ?? '';
    const source = child(u, 'source');
    return {
      name, arch: u.attrs.arch ?? 'noarch', installedVersion: null, candidateVersion: u.attrs.edition ?? '',
      source: source?.attrs.alias ?? null, suites: source?.attrs.alias ? [source.attrs.alias] : [],
      isSecurity: security,
      advisories: [{
        id: name, cves, severity, origin: 'zypper-patch', type: u.attrs.category ?? 'unknown',
        publishedAt: Number.isFinite(time) && time > 0 ? new Date(time * 1000).toISOString() : (date?.attrs.text ?? null),
      }],
      cves, severity, ...(u.attrs.restart === 'true' ? { rebootSuggested: true } : {}), kind: 'patch',
    };
  });
}

/** `zypper ps -s`: a "|" table whose Service column names what to restart. */
export function parseZypperPs(text: string): string[] {
  const lines = text.split('\n').filter((l) => l.includes('|'));
  const header = lines[0]?.split('|').map((c) => c.trim()) ?? [];
  const col = header.indexOf('Service');
  if (col < 0) return [];
  return [...new Set(lines.slice(1).filter((l) => !/^[-+]+$/.test(l.replace(/\s/g, '')))
    .map((l) => l.split('|')[col]?.trim() ?? '').filter(Boolean))];
}

function validate(items: readonly ExactItem[]): void {
  for (const i of items) {
    assertValid('RPM package name', i.name, isRpmName);
    assertValid('RPM version', i.version, isRpmEvr);
    if (i.arch !== undefined) assertValid('RPM architecture', i.arch, isRpmArch);
  }
}

async function snapshot(remote: Remote, names: readonly string[]): Promise<PackageState[]> {
  for (const n of names) assertValid('RPM package name', n, isRpmName);
  if (names.length === 0) return [];
  const rows = parseRpmQa((await run(remote, ['rpm', '-q', '--qf', RPM_QF, ...names], { okCodes: [0, 1] })).stdout);
  return names.map((name) => {
    const row = rows.filter((x) => x.name === name).sort((a, b) => compareEvr(b.version, a.version))[0];
    return { name, arch: row?.arch ?? null, version: row?.version ?? null };
  });
}

async function install(remote: Remote, items: readonly ExactItem[], downgrade: boolean): Promise<InstallResult> {
  validate(items);
  const argv = ['zypper', '--non-interactive', 'install', '--no-recommends', ...(downgrade ? ['--oldpackage'] : []),
    ...items.map((i) => `${i.name}${i.arch ? `.${i.arch}` : ''}=${i.version}`)];
  const result = await remote.exec(argv, {
    sudo: true, timeoutMs: 60 * 60_000,
    env: { LC_ALL: 'C', LANG: 'C', DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', NEEDRESTART_MODE: 'l', ...proxyEnv(remote) },
  });
  const after = await snapshot(remote, items.map((i) => i.name));
  const failed = items.flatMap((i) => {
    const now = after.find((a) => a.name === i.name)?.version ?? null;
    return now !== null && compareEvr(now, i.version) === 0 ? [] : [{ name: i.name, requested: i.version, installed: now }];
  });
  const errors = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => /^(Problem|Error|No provider|'.*' not found)/.test(l)).slice(0, 50);
  return {
    // 0 = ok; 100-103 are informational (reboot/restart needed) and still mean success.
    ok: result.code !== null && (result.code === 0 || (result.code >= 100 && result.code <= 103)) && failed.length === 0,
    exitCode: result.code, timedOut: result.timedOut, failed, errors, after,
    stdoutTail: tail(result.stdout, 40, 8000), stderrTail: tail(result.stderr, 20, 4000),
  };
}

export const suse: Platform = {
  id: 'suse',
  async facts(remote) {
    const facts = parseSuseFacts((await runScript(remote, 'suse-facts', SUSE_FACTS_SCRIPT)).stdout);
    try {
      facts.servicesNeedingRestart = parseZypperPs((await run(remote, ['zypper', 'ps', '-s'], { sudo: true })).stdout);
    } catch {
      // zypper ps needs root to see other users' processes; without it we simply do not know.
    }
    return facts;
  },
  async installedPackages(remote) {
    return parseRpmQa((await run(remote, ['rpm', '-qa', '--qf', RPM_QF], { timeoutMs: 120_000 })).stdout);
  },
  async pendingUpdates(remote, options = {}) {
    const warnings: string[] = [];
    if (options.refresh) {
      try {
        await run(remote, ['zypper', '--non-interactive', 'refresh'], { sudo: true, timeoutMs: 15 * 60_000, proxy: true });
      } catch (e) {
        warnings.push(`zypper refresh failed: ${errorMessage(e)}`);
      }
    }
    const base = ['zypper', '--non-interactive', '--no-refresh', '--quiet', '--xmlout'];
    const updates = parseZypperListUpdates((await run(remote, [...base, 'list-updates'], { timeoutMs: 10 * 60_000 })).stdout);
    // list-patches exits 100/101 when patches (security patches) are needed.
    const patches = parseZypperListPatches((await run(remote, [...base, 'list-patches'], { okCodes: [0, 100, 101], timeoutMs: 10 * 60_000 })).stdout);
    let held: string[] = [];
    try {
      const locks = parseXml((await run(remote, ['zypper', '--xmlout', 'locks'])).stdout);
      held = findAll(locks, 'name').map((n) => n.text.trim()).filter(Boolean);
    } catch (e) {
      warnings.push(`could not read zypper locks: ${errorMessage(e)}`);
    }
    return { updates: [...updates, ...patches], held, warnings };
  },
  async health(remote) {
    // 106: a repository could not be read and was skipped. The rpm database is what is checked here, and a rollback
    // from kept files must be able to run on a machine cut off from its repositories.
    const r = await run(remote, ['zypper', '--non-interactive', '--no-refresh', 'verify', '--dry-run'], { sudo: true, okCodes: [0, 1, 4, 100, 106] });
    const problems = r.stdout.split('\n').filter((l) => /^Problem|nothing provides|conflicts with/.test(l.trim()))
      .map((message) => ({ source: 'zypper verify', message: message.trim() }));
    return { ok: problems.length === 0, problems };
  },
  packageStateSnapshot: snapshot,
  installExact: (remote, items) => install(remote, items, false),
  downgradeExact: (remote, items) => install(remote, items, true),
};
