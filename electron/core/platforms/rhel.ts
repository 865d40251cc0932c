/**
 * The RHEL family (RHEL, CentOS Stream, Rocky, AlmaLinux, Oracle Linux, Fedora, Amazon Linux): dnf, or yum on
 * EL7. Pending updates are `check-update` rows joined with `updateinfo` advisories (IDs such as RHSA-2024:1234,
 * severities, CVEs), so an update is "security" when an advisory of type security covers its candidate.
 */
import { errorMessage, run, runScript } from './exec-util';
import { dnfProxyArgs } from './package-proxy';
import { addRebootReason, linuxFactsScript, parseLinuxFacts } from './linux-facts';
import type {
  Advisory, ExactItem, Facts, Health, InstallResult, PackageState, PendingUpdate, PendingUpdatesResult, Platform,
} from './platform';
import { tail, type Remote } from './remote';
import {
  highestSeverity, parseCheckUpdate, parseNeedsRestartingR, parseRpmQa, parseUpdateinfoInfo, parseUpdateinfoList,
  RPM_QF,
} from './rpm-parse';
import { compareEvr } from './rpm-version';
import { assertValid, isRpmArch, isRpmEvr, isRpmName } from './validate';

/**
 * The standalone needs-restarting comes with yum-utils/dnf-utils, which minimal EL8/EL9 installs lack; dnf-plugins-core
 * (in @core) has it as `dnf needs-restarting`, with the same -r output and exit codes. dnf is asked once, not probed
 * with --help first: each start loads the package database (about as long as the answer itself), and a dnf without
 * the plugin says so on stderr ("No such command"), its exit 1 then meaning nothing. The exit code is kept in rc
 * before anything else runs: `echo $?` after another echo reports that echo's 0.
 */
export const RHEL_FACTS_SCRIPT = linuxFactsScript('rhel-facts', `echo @@kernels
rpm -q --qf '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n' kernel kernel-core kernel-uek 2>/dev/null
echo @@needs-restarting
if command -v needs-restarting >/dev/null 2>&1; then
  needs-restarting -r 2>/dev/null; rc=$?; echo @@needs-restarting-rc; echo $rc
elif command -v dnf >/dev/null 2>&1; then
  exec 3>&1
  err=$(dnf -q needs-restarting -r 2>&1 >&3 3>&-); rc=$?
  exec 3>&-
  case "$err" in *"No such command"*) ;; *) echo @@needs-restarting-rc; echo $rc ;; esac
fi`);

/** Kernel release as uname prints it ("5.14.0-503.15.1.el9_5.x86_64") for the newest installed kernel package. */
export function newestRpmKernel(rpmOutput: string): string | undefined {
  let best: { evr: string; release: string } | undefined;
  for (const p of parseRpmQa(rpmOutput)) {
    const evr = p.version;
    if (!best || compareEvr(evr, best.evr) > 0) best = { evr, release: `${evr.replace(/^\d+:/, '')}.${p.arch}` };
  }
  return best?.release;
}

export function parseRhelFacts(output: string): Facts {
  const { facts, sections } = parseLinuxFacts(output);
  const newest = newestRpmKernel(sections.get('kernels') ?? '');
  if (newest) {
    facts.newestKernel = newest;
    if (newest !== facts.runningKernel) addRebootReason(facts, `running kernel ${facts.runningKernel}, newest installed ${newest}`);
  }
  const nr = sections.get('needs-restarting') ?? '';
  if ((sections.get('needs-restarting-rc') ?? '').trim() === '1') {
    const pkgs = parseNeedsRestartingR(nr);
    addRebootReason(facts, `needs-restarting -r${pkgs.length ? `: ${pkgs.join(', ')}` : ''}`);
  }
  return facts;
}

function validate(items: readonly ExactItem[]): void {
  for (const i of items) {
    assertValid('RPM package name', i.name, isRpmName);
    assertValid('RPM version', i.version, isRpmEvr);
    if (i.arch !== undefined) assertValid('RPM architecture', i.arch, isRpmArch);
  }
}

/** dnf accepts "name-[epoch:]version-release[.arch]". */
function nevraSpec(i: ExactItem): string {
  return `${i.name}-${i.version}${i.arch ? `.${i.arch}` : ''}`;
}

async function snapshot(remote: Remote, names: readonly string[]): Promise<PackageState[]> {
  for (const n of names) assertValid('RPM package name', n, isRpmName);
  if (names.length === 0) return [];
  const r = await run(remote, ['rpm', '-q', '--qf', RPM_QF, ...names], { okCodes: [0, 1] });
  const rows = parseRpmQa(r.stdout);
  return names.map((name) => {
    const row = rows.filter((x) => x.name === name).sort((a, b) => compareEvr(b.version, a.version))[0];
    return { name, arch: row?.arch ?? null, version: row?.version ?? null };
  });
}

/** Package manager binary: dnf where present (EL8+, Fedora), yum on EL7. */
async function packageManager(remote: Remote): Promise<'dnf' | 'yum'> {
  const r = await remote.exec(['sh', '-c', 'command -v dnf || command -v yum']);
  return /\/dnf\s*$/m.test(r.stdout) ? 'dnf' : 'yum';
}

async function install(remote: Remote, items: readonly ExactItem[], verb: 'install' | 'downgrade'): Promise<InstallResult> {
  validate(items);
  const pm = await packageManager(remote);
  const result = await remote.exec([pm, ...dnfProxyArgs(remote), verb, '-y', ...items.map(nevraSpec)], {
    sudo: true, timeoutMs: 60 * 60_000,
    env: { LC_ALL: 'C', LANG: 'C', DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', NEEDRESTART_MODE: 'l' },
  });
  const after = await snapshot(remote, items.map((i) => i.name));
  const errors = `${result.stdout}\n${result.stderr}`.split('\n')
    .filter((l) => /^(Error|Problem|No match for argument| {2}- )/.test(l)).slice(0, 50);
  const failed = items.flatMap((i) => {
    const now = after.find((a) => a.name === i.name)?.version ?? null;
    return now !== null && compareEvr(now, i.version) === 0 ? [] : [{ name: i.name, requested: i.version, installed: now }];
  });
  return {
    ok: result.code === 0 && failed.length === 0, exitCode: result.code, timedOut: result.timedOut, failed, errors, after,
    stdoutTail: tail(result.stdout, 40, 8000), stderrTail: tail(result.stderr, 20, 4000),
  };
}

/** Joins check-update rows with advisories covering the candidate (advisory EVR ≤ candidate, > installed). */
export function buildRhelUpdates(
  rows: ReturnType<typeof parseCheckUpdate>,
  installed: ReturnType<typeof parseRpmQa>,
  list: ReturnType<typeof parseUpdateinfoList>,
  details: ReturnType<typeof parseUpdateinfoInfo>,
): PendingUpdate[] {
  const detailById = new Map(details.map((d) => [d.id, d]));
  return rows.map((row) => {
    const inst = installed.filter((p) => p.name === row.name && (p.arch === row.arch || p.arch === 'noarch' || row.arch === 'noarch'))
      .sort((a, b) => compareEvr(b.version, a.version))[0];
    const covering = list.filter((a) => a.nevra.name === row.name && a.nevra.arch === row.arch &&
      compareEvr(a.nevra.evr, row.evr) <= 0 && (!inst || compareEvr(a.nevra.evr, inst.version) > 0));
    const advisories: Advisory[] = [...new Map(covering.map((a) => [a.id, a])).values()].map((a) => {
      const d = detailById.get(a.id);
      return {
        id: a.id, cves: d?.cves ?? [], severity: a.severity ?? d?.severity ?? null,
        publishedAt: a.issued ?? d?.issued ?? null, origin: 'updateinfo', type: a.type,
      };
    });
    const cves = [...new Set(advisories.flatMap((a) => a.cves))];
    const reboot = /^kernel(-|$)/.test(row.name) || covering.some((a) => detailById.get(a.id)?.rebootSuggested);
    return {
      name: row.name, arch: row.arch, installedVersion: inst?.version ?? null, candidateVersion: row.evr,
      source: row.repo, suites: [row.repo], isSecurity: advisories.some((a) => a.type === 'security'),
      advisories, cves, severity: highestSeverity(advisories.map((a) => a.severity)),
      ...(reboot ? { rebootSuggested: true } : {}), kind: 'package',
    };
  });
}

export const rhel: Platform = {
  id: 'rhel',
  async facts(remote) {
    return parseRhelFacts((await runScript(remote, 'rhel-facts', RHEL_FACTS_SCRIPT)).stdout);
  },
  async installedPackages(remote) {
    return parseRpmQa((await run(remote, ['rpm', '-qa', '--qf', RPM_QF], { timeoutMs: 120_000 })).stdout);
  },
  async pendingUpdates(remote, options = {}): Promise<PendingUpdatesResult> {
    const warnings: string[] = [];
    const pm = await packageManager(remote);
    if (options.refresh) {
      try {
        await run(remote, [pm, ...dnfProxyArgs(remote), 'makecache', '-q'], { sudo: true, timeoutMs: 15 * 60_000 });
      } catch (e) {
        warnings.push(`${pm} makecache failed: ${errorMessage(e)}`);
      }
    }
    // 100 = updates available, 0 = none; anything else is an error.
    const check = await run(remote, [pm, ...dnfProxyArgs(remote), 'check-update', '-q'], { okCodes: [0, 100], timeoutMs: 10 * 60_000 });
    const installed = parseRpmQa((await run(remote, ['rpm', '-qa', '--qf', RPM_QF], { timeoutMs: 120_000 })).stdout);
    let list: ReturnType<typeof parseUpdateinfoList> = [];
    let details: ReturnType<typeof parseUpdateinfoInfo> = [];
    try {
      list = parseUpdateinfoList((await run(remote, [pm, ...dnfProxyArgs(remote), 'updateinfo', 'list', '--available', '-q'])).stdout);
      details = parseUpdateinfoInfo((await run(remote, [pm, ...dnfProxyArgs(remote), 'updateinfo', 'info', '--available', '-q'], { timeoutMs: 10 * 60_000 })).stdout);
    } catch (e) {
      warnings.push(`advisory data unavailable (${pm} updateinfo): ${errorMessage(e)}`);
    }
    const held: string[] = [];
    try {
      const locks = await run(remote, [pm, 'versionlock', 'list', '-q'], { okCodes: [0, 1] });
      for (const l of locks.stdout.split('\n')) {
        const m = /^(?:\d+:)?([A-Za-z0-9_+.-]+?)-(?:\d+:)?[^-]+-[^-]+(?:\.\*)?$/.exec(l.trim());
        if (m?.[1]) held.push(m[1]);
      }
    } catch {
      // versionlock plugin not installed: nothing is locked through it.
    }
    return { updates: buildRhelUpdates(parseCheckUpdate(check.stdout), installed, list, details), held, warnings };
  },
  async health(remote): Promise<Health> {
    const pm = await packageManager(remote);
    if (pm === 'yum') return { ok: true, problems: [] };
    const r = await run(remote, ['dnf', 'check', '-q'], { okCodes: [0, 1] });
    const problems = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).map((message) => ({ source: 'dnf check', message }));
    return { ok: problems.length === 0 && r.code === 0, problems };
  },
  packageStateSnapshot: snapshot,
  installExact: (remote, items) => install(remote, items, 'install'),
  downgradeExact: (remote, items) => install(remote, items, 'downgrade'),
};
