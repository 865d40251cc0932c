/**
 * Homebrew on macOS: installed formulae (`brew list --formula --versions`), their upgrades (`brew outdated
 * --json=v2 --formula`) and the upgrade itself. Facts from Homebrew's own documentation that shape what Patchwell
 * can promise (the FAQ and `brew upgrade`; see fixtures/SOURCES.md):
 *  - a tap offers one version of a formula, the newest: `brew upgrade NAME` can only reach that one;
 *  - `brew upgrade` removes the old version it replaced (its automatic `brew cleanup`), and `brew switch`, the
 *    command that went back to a kept keg, was removed in Homebrew 2.6.0 — so there is no way back to install;
 *  - brew refuses to run as root: it runs as the login user, never through sudo.
 * Casks (applications) are left out: they are not formulae, and their upgrades are another story.
 */
import { runScript } from './exec-util';
import type { InstalledPackage, PendingUpdate } from './platform';
import { tail, type Remote } from './remote';
import { assertValid } from './validate';

/** A formula `brew outdated --json=v2` lists. */
export interface BrewOutdated {
  name: string;
  installedVersions: string[];
  currentVersion: string;
  pinned: boolean;
}

/** Said before approval, on every Homebrew update. */
export const BREW_NOTE = 'Homebrew installs only the newest version and removes the old one: a rollback cannot bring the old version back';

/**
 * Finds brew where its installer puts it (a non-login SSH shell has neither /opt/homebrew/bin nor /usr/local/bin
 * on PATH) and runs it with the arguments given; exit 69 when the machine has no Homebrew. Auto-update is off so
 * that an upgrade installs the version preflight checked, not one a `brew update` fetched in between.
 */
export const BREW_SCRIPT = `# patchwell:brew
set -u
HOMEBREW_NO_AUTO_UPDATE=1; HOMEBREW_NO_ENV_HINTS=1; HOMEBREW_NO_ANALYTICS=1; HOMEBREW_NO_COLOR=1
export HOMEBREW_NO_AUTO_UPDATE HOMEBREW_NO_ENV_HINTS HOMEBREW_NO_ANALYTICS HOMEBREW_NO_COLOR
for b in /opt/homebrew/bin/brew /usr/local/bin/brew; do
  if [ -x "$b" ]; then exec "$b" "$@"; fi
done
exit 69
`;

const NO_BREW = 69;

/** Formula names as Homebrew spells them: "openssl@3", "libxml++3", tap-qualified "user/tap/name". */
const FORMULA = /^[A-Za-z0-9][A-Za-z0-9@+._-]*(\/[A-Za-z0-9][A-Za-z0-9@+._-]*){0,2}$/;
export function isBrewFormula(name: string): boolean {
  return name.length <= 200 && FORMULA.test(name);
}
/** Versions as Homebrew prints them ("3.3.2", "1.2.3_1", "2024a"). */
export function isBrewVersion(v: string): boolean {
  return v.length <= 100 && /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(v);
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function parseBrewOutdated(json: string): BrewOutdated[] {
  const doc: unknown = JSON.parse(json);
  const formulae = doc && typeof doc === 'object' && 'formulae' in doc ? doc.formulae : null;
  if (!Array.isArray(formulae)) throw new Error('brew outdated --json=v2 printed no "formulae" list');
  return formulae.flatMap((f: unknown) => {
    if (!f || typeof f !== 'object') return [];
    const r = f as Record<string, unknown>;
    const name = str(r.name);
    const current = str(r.current_version);
    if (!name || !current) return [];
    const installed = Array.isArray(r.installed_versions) ? r.installed_versions.filter((v): v is string => typeof v === 'string') : [];
    return [{ name, installedVersions: installed, currentVersion: current, pinned: r.pinned === true }];
  });
}

/**
 * `brew list --formula --versions`: "name v1 [v2 …]", one formula a line. Several versions are left when cleanup
 * was turned off; the newest is the one in use after an upgrade, so it is the one recorded.
 */
export function parseBrewList(text: string): InstalledPackage[] {
  return text.split('\n').flatMap((line) => {
    const [name, ...versions] = line.trim().split(/\s+/);
    if (!name || versions.length === 0 || !isBrewFormula(name)) return [];
    const newest = [...versions].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1) ?? '';
    return [{ name, arch: '', version: newest }];
  });
}

export function brewToPending(outdated: readonly BrewOutdated[]): PendingUpdate[] {
  return outdated.map((o) => ({
    name: o.name, arch: '', installedVersion: o.installedVersions.at(-1) ?? null, candidateVersion: o.currentVersion,
    source: 'Homebrew', suites: [], isSecurity: false, advisories: [], cves: [], severity: null, kind: 'package' as const,
    ...(o.pinned ? { held: true } : {}), note: BREW_NOTE,
  }));
}

async function brew(remote: Remote, args: readonly string[], timeoutMs = 10 * 60_000): Promise<string | null> {
  const r = await runScript(remote, 'brew', BREW_SCRIPT, args, { timeoutMs, okCodes: [0, NO_BREW] });
  return r.code === NO_BREW ? null : r.stdout;
}

/** The formulae Homebrew would upgrade; null when the machine has no Homebrew. */
export async function brewOutdated(remote: Remote): Promise<BrewOutdated[] | null> {
  const out = await brew(remote, ['outdated', '--json=v2', '--formula']);
  return out === null ? null : parseBrewOutdated(out);
}

/** Installed formulae; empty when the machine has no Homebrew. */
export async function brewInstalled(remote: Remote): Promise<InstalledPackage[]> {
  const out = await brew(remote, ['list', '--formula', '--versions']);
  return out === null ? [] : parseBrewList(out);
}

export interface BrewUpgrade {
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  errors: string[];
  stderrTail: string;
}

/** `brew upgrade --formula NAME…` as the login user; the caller checks the versions it reached. */
export async function brewUpgrade(remote: Remote, names: readonly string[]): Promise<BrewUpgrade> {
  for (const n of names) assertValid('Homebrew formula', n, isBrewFormula);
  const r = await remote.script(BREW_SCRIPT, ['upgrade', '--formula', ...names], { timeoutMs: 2 * 60 * 60_000 });
  if (r.code === NO_BREW) return { ok: false, exitCode: r.code, timedOut: false, errors: ['Homebrew is not installed on this machine'], stderrTail: '' };
  return {
    ok: r.code === 0 && !r.timedOut,
    exitCode: r.code,
    timedOut: r.timedOut,
    errors: `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => /^Error:/.test(l)).slice(0, 20),
    stderrTail: tail(r.stderr, 20, 4000),
  };
}
