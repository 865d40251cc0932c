/**
 * macOS through `softwareupdate` and `sw_vers`, and Homebrew's formulae where the machine has Homebrew
 * (homebrew.ts). Apple offers no package database or older versions, so the "installed packages" are the OS
 * itself and the formulae, and rollback is refused. `softwareupdate -l` has two formats: up to
 * Mojave "   * Label" + "\tTitle (Version), SizeK [recommended] [restart]", and from Catalina on
 * "* Label: …" + "\tTitle: …, Version: …, Size: …K, Recommended: YES, Action: restart,".
 */
import { errorMessage, run } from './exec-util';
import { brewInstalled, brewOutdated, brewToPending } from './homebrew';
import { parseSwVers } from './os-release';
import type { ExactItem, Facts, InstallResult, PendingUpdate, Platform } from './platform';
import { tail, type Remote } from './remote';
import { assertValid, isMacUpdateLabel } from './validate';

export interface SoftwareUpdateItem {
  label: string;
  title: string;
  version: string;
  sizeKiB: number | null;
  recommended: boolean;
  /** "restart", "shut down", or null. */
  action: string | null;
}

function sizeKiB(s: string | undefined): number | null {
  const m = /^(\d+)\s*(K|KiB)?$/i.exec(s?.trim() ?? '');
  return m?.[1] ? Number(m[1]) : null;
}

export function parseSoftwareUpdateList(text: string): SoftwareUpdateItem[] {
  const lines = text.split('\n');
  const out: SoftwareUpdateItem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const next = lines[i + 1] ?? '';
    const modern = /^\s*[*-] Label: (.*)$/.exec(line);
    if (modern) {
      const fields = new Map<string, string>();
      for (const part of next.trim().split(/,\s*/)) {
        const c = part.indexOf(':');
        if (c > 0) fields.set(part.slice(0, c).trim(), part.slice(c + 1).trim());
      }
      out.push({
        label: (modern[1] ?? '').trimEnd(), title: fields.get('Title') ?? '', version: fields.get('Version') ?? '',
        sizeKiB: sizeKiB(fields.get('Size')), recommended: fields.get('Recommended') === 'YES', action: fields.get('Action') ?? null,
      });
      i++;
      continue;
    }
    const legacy = /^\s+([*-]) (.+?)\s*$/.exec(line);
    const detail = /^\s+(.*?),? ?\(([^)]*)\),\s*(\d+)K,?\s*(.*)$/.exec(next);
    if (legacy && detail) {
      const flags = detail[4] ?? '';
      out.push({
        // Labels can end in significant whitespace ("… Update- "): keep the label exactly as printed.
        label: line.replace(/^\s+[*-] /, ''), title: (detail[1] ?? '').replace(/,$/, ''), version: (detail[2] ?? '').trim(),
        sizeKiB: Number(detail[3]), recommended: legacy[1] === '*' || flags.includes('[recommended]'),
        action: flags.includes('[restart]') ? 'restart' : flags.includes('[shut down]') ? 'shut down' : null,
      });
      i++;
    }
  }
  return out;
}

/** Said before approval, on every Apple update. */
export const OS_UPDATE_NOTE = 'Apple offers no way back from its updates: a rollback cannot undo this one (only Time Machine or a reinstall can)';

export function softwareUpdatesToPending(items: readonly SoftwareUpdateItem[], osVersion: string | null): PendingUpdate[] {
  return items.map((u) => ({
    name: u.label, arch: '', installedVersion: /^macOS/.test(u.title) ? osVersion : null, candidateVersion: u.version,
    source: 'Apple Software Update', suites: [], isSecurity: /security|rapid security response/i.test(u.title) || u.recommended,
    advisories: [], cves: [], severity: null, ...(u.action ? { rebootSuggested: true } : {}), kind: 'os-update' as const,
    note: OS_UPDATE_NOTE,
  }));
}

export function parseMacFacts(swVers: string, uname: string, hostname: string, boottime: string): Facts {
  const os = parseSwVers(swVers);
  const [kernel = '', arch = ''] = uname.trim().split(/\s+/);
  const sec = Number(/sec = (\d+)/.exec(boottime)?.[1]);
  const facts: Facts = {
    hostname: hostname.trim(), osName: os?.prettyName ?? 'macOS', osVersion: os?.versionId ?? null, osId: 'macos',
    osLike: [], kernel, arch, uptimeSeconds: Number.isFinite(sec) ? Math.max(0, Math.round(Date.now() / 1000 - sec)) : null,
    rebootRequired: false, rebootReasons: [], runningKernel: kernel,
  };
  if (Number.isFinite(sec)) facts.bootTime = new Date(sec * 1000).toISOString();
  return facts;
}

async function osVersion(remote: Remote): Promise<string | null> {
  return parseSwVers((await run(remote, ['sw_vers'])).stdout)?.versionId ?? null;
}

export const macos: Platform = {
  id: 'macos',
  async facts(remote) {
    const [sw, un, hn, bt] = await Promise.all([
      run(remote, ['sw_vers']), run(remote, ['uname', '-rm']), run(remote, ['hostname']), run(remote, ['sysctl', '-n', 'kern.boottime']),
    ]);
    return parseMacFacts(sw.stdout, un.stdout, hn.stdout, bt.stdout);
  },
  async installedPackages(remote) {
    // A broken Homebrew must not fail the assessment of the Mac: pendingUpdates says brew failed.
    const [v, formulae] = await Promise.all([osVersion(remote), brewInstalled(remote).catch(() => [])]);
    return [...(v ? [{ name: 'macOS', arch: '', version: v }] : []), ...formulae];
  },
  async pendingUpdates(remote) {
    // softwareupdate prints "No new software available." on stderr; the list itself on stdout.
    const r = await run(remote, ['softwareupdate', '-l'], { timeoutMs: 10 * 60_000 });
    const updates = softwareUpdatesToPending(parseSoftwareUpdateList(r.stdout), await osVersion(remote));
    const warnings: string[] = [];
    const held: string[] = [];
    // A broken Homebrew must not hide Apple's updates: it is a warning, not a failed assessment.
    try {
      const outdated = await brewOutdated(remote);
      if (outdated) {
        updates.push(...brewToPending(outdated));
        held.push(...outdated.filter((o) => o.pinned).map((o) => o.name));
      }
    } catch (e) {
      warnings.push(`brew outdated failed: ${errorMessage(e)}`);
    }
    return { updates, held, warnings };
  },
  health: () => Promise.resolve({ ok: true, problems: [] }),
  async packageStateSnapshot(remote, names) {
    const installed = await macos.installedPackages(remote);
    return names.map((name) => ({ name, arch: null, version: installed.find((p) => p.name === name)?.version ?? null }));
  },
  async installExact(remote, items: readonly ExactItem[]): Promise<InstallResult> {
    for (const i of items) assertValid('macOS update label', i.name, isMacUpdateLabel);
    const result = await remote.exec(['softwareupdate', '--install', '--agree-to-license', ...items.map((i) => i.name)], { sudo: true, timeoutMs: 3 * 60 * 60_000 });
    const remaining = parseSoftwareUpdateList((await run(remote, ['softwareupdate', '-l'], { timeoutMs: 10 * 60_000 })).stdout);
    const failed = items.filter((i) => remaining.some((r) => r.label === i.name && r.version === i.version))
      .map((i) => ({ name: i.name, requested: i.version, installed: null, reason: 'still offered after install' }));
    return {
      ok: result.code === 0 && failed.length === 0, exitCode: result.code, timedOut: result.timedOut, failed, after: [],
      errors: result.stderr.split('\n').filter((l) => /error|failed/i.test(l)).slice(0, 50),
      stdoutTail: tail(result.stdout, 40, 8000), stderrTail: tail(result.stderr, 20, 4000),
    };
  },
  downgradeExact(_remote, items) {
    // Apple publishes no older builds through softwareupdate: a rollback needs a restore (Time Machine, reinstall).
    return Promise.resolve({
      ok: false, exitCode: null, timedOut: false, after: [], stdoutTail: '', stderrTail: '',
      errors: ['macOS updates cannot be rolled back with softwareupdate'],
      failed: items.map((i) => ({ name: i.name, requested: i.version, installed: null, reason: 'rollback not supported on macOS' })),
    });
  },
};
