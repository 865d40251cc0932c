/**
 * The Windows module: facts, installed hotfixes and applications, pending Windows updates (through a SYSTEM
 * scheduled task), installing exactly the approved updates, restore points and KB removal. It only runs the
 * constant scripts of scripts.ts with data passed as JSON, and validates every reply with zod before use.
 * It runs over WinRM (WinrmSession) or OpenSSH on Windows (an SSH exec of powershell.exe) through PsRunner.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { parsePowerShellJson, PowerShellOutputError, scriptWithData } from '../../winrm/powershell';
import type { Facts, InstalledPackage, PendingUpdate } from '../platform';
import type { ExecResult, Remote } from '../remote';
import { assertCompleteOutput, tail } from '../remote';
import {
  FACTS_SCRIPT, INSTALLED_SCRIPT, REMOVE_KB_SCRIPT, RESTART_SCRIPT, RESTORE_POINT_SCRIPT, scriptName, SERVICES_SCRIPT, WINGET_WORKER_SCRIPT, WUA_TASK_SCRIPT, WUA_WORKER_SCRIPT,
} from './scripts';
import { describeHresult, describeWusaExit, DOWNLOAD_CODES, RESULT_CODES } from './wua-codes';

/** Runs one constant PowerShell script with its data; the transport decides how. */
export interface PsRunner {
  readonly label: string;
  run(script: string, data: unknown, options?: { timeoutMs?: number }): Promise<ExecResult>;
}

/** Over WinRM: WinrmSession.script runs powershell.exe -EncodedCommand with the data as base64 JSON. */
export function remotePowerShell(remote: Remote): PsRunner {
  return { label: remote.label, run: (script, data, options = {}) => remote.script(script, [JSON.stringify(data ?? null)], options) };
}

/** What an SSH session must offer for PowerShell: a command line as is, with input on stdin. */
export interface RawExec {
  readonly label: string;
  execRaw(command: string, stdin: string, timeoutMs?: number): Promise<ExecResult>;
}

/**
 * The one command line sent over SSH to Windows: a constant bootstrap, base64 of UTF-16LE (an alphabet no shell
 * reads anything into), that reads the whole script from standard input and runs it. The script and its data go
 * on stdin, so cmd.exe's 8,191-character limit does not cap the script.
 */
export const SSH_BOOTSTRAP = "$ErrorActionPreference = 'Stop'; $t = [Console]::In.ReadToEnd(); & ([scriptblock]::Create($t))";
export const SSH_COMMAND = `powershell.exe -NoProfile -NonInteractive -EncodedCommand ${Buffer.from(SSH_BOOTSTRAP, 'utf16le').toString('base64')}`;

export function sshPowerShell(session: RawExec): PsRunner {
  return {
    label: session.label,
    run: (script, data, options = {}) => session.execRaw(SSH_COMMAND, scriptWithData(script, [JSON.stringify(data ?? null)]), options.timeoutMs),
  };
}

export class WindowsError extends Error {
  constructor(message: string, readonly detail = '') {
    super(message);
    this.name = 'WindowsError';
  }
}

async function runJson<T extends z.ZodTypeAny>(ps: PsRunner, script: string, data: unknown, schema: T, timeoutMs?: number): Promise<z.infer<T>> {
  const r = await ps.run(script, data, timeoutMs ? { timeoutMs } : {});
  const name = scriptName(script) ?? 'script';
  if (r.timedOut) throw new WindowsError(`The ${name} script on ${ps.label} did not finish in time`);
  if (r.code !== 0) throw new WindowsError(`The ${name} script on ${ps.label} failed (exit ${r.code})`, tail(r.stderr || r.stdout, 20, 4000));
  assertCompleteOutput(`the ${name} script`, ps.label, r);
  try {
    return parsePowerShellJson(r.stdout, schema);
  } catch (e) {
    if (e instanceof PowerShellOutputError) throw new WindowsError(`${ps.label}: ${name}: ${e.message}`, tail(r.stderr, 20, 4000));
    throw e;
  }
}

/** PowerShell turns a one-element array into its element and an empty one into null: accept all three. */
const list = <T extends z.ZodTypeAny>(item: T) =>
  z.union([z.array(item), item, z.null()]).transform((v): z.infer<T>[] => (v === null ? [] : Array.isArray(v) ? v : [v]));

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const KB_RE = /^KB\d{6,8}$/;

const factsSchema = z.object({
  hostname: z.string().min(1).max(255),
  caption: z.string().max(300),
  version: z.string().max(50),
  build: z.string().regex(/^\d{1,6}$/),
  ubr: z.number().int().nonnegative(),
  displayVersion: z.string().max(50),
  edition: z.string().max(100),
  productType: z.number().int().min(1).max(3),
  architecture: z.string().max(50),
  lastBoot: z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not a date'),
  uptimeSeconds: z.number().int().nonnegative(),
  systemDriveFreeKb: z.number().int().nonnegative(),
  rebootReasons: list(z.string().max(500)),
});
export type WindowsFacts = z.infer<typeof factsSchema> & { isServer: boolean };

export async function windowsFacts(ps: PsRunner): Promise<WindowsFacts> {
  const f = await runJson(ps, FACTS_SCRIPT, {}, factsSchema);
  return { ...f, isServer: f.productType !== 1 };
}

/** The platform-neutral facts the inventory records. */
export function toFacts(f: WindowsFacts): Facts {
  const kernel = `${f.build}.${f.ubr}`;
  return {
    hostname: f.hostname,
    osName: f.caption || 'Windows',
    osVersion: `${f.displayVersion ? `${f.displayVersion} ` : ''}(build ${kernel})`,
    osId: 'windows',
    osLike: [],
    kernel,
    arch: f.architecture,
    uptimeSeconds: f.uptimeSeconds,
    bootTime: new Date(f.lastBoot).toISOString(),
    rebootRequired: f.rebootReasons.length > 0,
    rebootReasons: f.rebootReasons,
    runningKernel: kernel,
  };
}

const installedSchema = z.object({
  hotfixes: list(z.object({ kb: z.string().regex(KB_RE), installedOn: z.string().nullable(), description: z.string().max(200) })),
  apps: list(z.object({ name: z.string().min(1).max(300), version: z.string().max(100), publisher: z.string().max(300), x86: z.boolean() })),
});
export type WindowsInstalled = z.infer<typeof installedSchema>;

export async function windowsInstalled(ps: PsRunner): Promise<WindowsInstalled> {
  return runJson(ps, INSTALLED_SCRIPT, {}, installedSchema);
}

const servicesSchema = z.object({ running: list(z.string().min(1).max(256)) });

/** Services started automatically at boot (not delayed or trigger-started) that are running now, by name. */
export async function windowsRunningServices(ps: PsRunner): Promise<string[]> {
  return (await runJson(ps, SERVICES_SCRIPT, {}, servicesSchema)).running;
}

/** Hotfixes and applications as inventory packages (a hotfix's "version" is its install date). */
export function toInstalledPackages(i: WindowsInstalled): InstalledPackage[] {
  return [
    ...i.hotfixes.map((h) => ({ name: h.kb, arch: '', version: h.installedOn ?? 'installed' })),
    ...i.apps.map((a) => ({ name: a.name, arch: a.x86 ? 'x86' : '', version: a.version || 'unknown' })),
  ];
}

const updateSchema = z.object({
  updateId: z.string().regex(GUID),
  revision: z.number().int().nonnegative(),
  title: z.string().min(1).max(500),
  kbs: list(z.string().regex(KB_RE)),
  msrcSeverity: z.string().max(20),
  cves: list(z.string().regex(/^CVE-\d{4}-\d{4,}$/)),
  categories: list(z.string().max(200)),
  rebootBehavior: z.number().int().min(0).max(2),
  maxDownloadSize: z.number().nonnegative(),
  uninstallable: z.boolean(),
  published: z.string(),
});
export type WindowsUpdate = z.infer<typeof updateSchema>;

const installResultSchema = z.object({
  updateId: z.string().regex(GUID),
  kbs: list(z.string().regex(KB_RE)),
  /** Where it stopped: its download failing keeps it from the installer. */
  stage: z.enum(['download', 'install']).optional(),
  resultCode: z.number().int().min(0).max(5),
  hresult: z.number().int(),
  rebootRequired: z.boolean(),
});

const workerError = z.object({ op: z.string(), error: z.string(), hresult: z.number().int() });

const wuaResult = z.union([
  z.object({ op: z.literal('search'), updates: list(updateSchema) }),
  z.object({ op: z.literal('install'), results: list(installResultSchema), missing: list(z.string()), rebootRequired: z.boolean() }),
]);

const taskReply = z.discriminatedUnion('status', [
  z.object({ status: z.literal('done'), task: z.string(), result: z.unknown() }),
  z.object({ status: z.literal('timed-out'), task: z.string(), seconds: z.number() }),
  z.object({ status: z.literal('no-result'), task: z.string(), lastTaskResult: z.number() }),
  z.object({ status: z.literal('refused'), task: z.string(), reason: z.string().max(1000) }),
]);

/** Our task names: Patchwell- and 16 random hex digits, never anything from a user or a machine. */
export function newTaskId(): string {
  return crypto.randomBytes(8).toString('hex');
}

/** Runs a worker script as SYSTEM through a scheduled task and returns its validated result. */
async function runAsSystem<T extends z.ZodTypeAny>(ps: PsRunner, what: string, worker: string, input: object, result: T, timeoutSeconds: number): Promise<z.infer<T>> {
  const id = newTaskId();
  // The WinRM command itself waits for the task: give it the task's limit plus time to clean up.
  const reply = await runJson(ps, WUA_TASK_SCRIPT, { id, worker, input, timeoutSeconds }, taskReply, (timeoutSeconds + 120) * 1000);
  if (reply.status === 'timed-out') {
    throw new WindowsError(`${what} on ${ps.label} did not finish within ${Math.round(reply.seconds / 60)} minutes; the task ${reply.task} was stopped and removed`);
  }
  if (reply.status === 'refused') {
    throw new WindowsError(`Patchwell did not run ${what} as SYSTEM on ${ps.label}: ${reply.reason}. An administrator should delete that folder; Patchwell creates it again, protected.`);
  }
  if (reply.status === 'no-result') {
    throw new WindowsError(`The ${what} task on ${ps.label} ended without a result (task result ${describeHresult(reply.lastTaskResult)}); it was removed`);
  }
  const failed = workerError.safeParse(reply.result);
  if (failed.success) throw new WindowsError(`${what} on ${ps.label} failed: ${describeHresult(failed.data.hresult)} (${failed.data.error})`);
  const parsed = result.safeParse(reply.result);
  if (!parsed.success) {
    throw new WindowsError(`${what} on ${ps.label}: the task's result is not of the expected shape: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data as z.infer<T>;
}

/** Pending software updates from the Windows Update Agent, searched as SYSTEM. */
export async function wuaSearch(ps: PsRunner, timeoutSeconds = 1800): Promise<WindowsUpdate[]> {
  const r = await runAsSystem(ps, 'Windows Update', WUA_WORKER_SCRIPT, { op: 'search' }, wuaResult, timeoutSeconds);
  if (r.op !== 'search') throw new WindowsError(`Windows Update on ${ps.label} answered a search with ${r.op}`);
  return r.updates;
}

/** The update's identity as Patchwell records it: exact, like a package version. */
export const updateVersion = (u: Pick<WindowsUpdate, 'updateId' | 'revision'>): string => `${u.updateId.toLowerCase()}/${u.revision}`;

export function parseUpdateVersion(v: string): { updateId: string; revision: number } | null {
  const m = /^([0-9a-f-]{36})\/(\d+)$/.exec(v);
  return m && GUID.test(m[1]!) ? { updateId: m[1]!, revision: Number(m[2]) } : null;
}

const SECURITY_CATEGORIES = /security updates|critical updates|definition updates/i;

/** A Windows update as a pending update: named by its first KB, versioned by its exact identity. */
export function toPendingUpdate(u: WindowsUpdate): PendingUpdate {
  const name = u.kbs[0] ?? `WU-${u.updateId.slice(0, 8).toLowerCase()}`;
  const security = u.cves.length > 0 || u.msrcSeverity !== '' || u.categories.some((c) => SECURITY_CATEGORIES.test(c));
  return {
    name,
    arch: '',
    installedVersion: null,
    candidateVersion: updateVersion(u),
    source: u.title,
    suites: u.categories,
    isSecurity: security,
    advisories: [{ id: u.kbs.join(', ') || null, cves: u.cves, severity: u.msrcSeverity || null, publishedAt: Number.isFinite(Date.parse(u.published)) ? new Date(u.published).toISOString() : null, origin: 'vendor', type: u.categories[0] ?? 'update' }],
    cves: u.cves,
    severity: u.msrcSeverity || null,
    rebootSuggested: u.rebootBehavior !== 0,
    kind: 'os-update',
    ...(u.uninstallable ? {} : { note: 'Windows says this update cannot be uninstalled: a rollback cannot remove it' }),
  };
}

export interface InstallOutcome {
  updateId: string;
  kbs: string[];
  ok: boolean;
  /** Plain words: "installed", "failed: 0x80240022 WU_E_ALL_UPDATES_FAILED: …". */
  message: string;
  rebootRequired: boolean;
}

/** Installs exactly these updates (by update id), as SYSTEM; an id Windows no longer offers is reported, not skipped. */
export async function wuaInstall(ps: PsRunner, updateIds: readonly string[], timeoutSeconds = 3600): Promise<{ outcomes: InstallOutcome[]; rebootRequired: boolean }> {
  for (const id of updateIds) if (!GUID.test(id)) throw new WindowsError(`${JSON.stringify(id.slice(0, 60))} is not a Windows update id`);
  const r = await runAsSystem(ps, 'Windows Update', WUA_WORKER_SCRIPT, { op: 'install', updateIds: [...updateIds] }, wuaResult, timeoutSeconds);
  if (r.op !== 'install') throw new WindowsError(`Windows Update on ${ps.label} answered an install with ${r.op}`);
  const outcomes: InstallOutcome[] = r.results.map((x) => {
    const ok = x.stage !== 'download' && (x.resultCode === 2 || x.resultCode === 3);
    const words = x.stage === 'download' ? `download ${DOWNLOAD_CODES[x.resultCode] ?? `result ${x.resultCode}`}` : (RESULT_CODES[x.resultCode] ?? `result ${x.resultCode}`);
    return { updateId: x.updateId.toLowerCase(), kbs: x.kbs, ok, message: ok ? words : `${words}: ${describeHresult(x.hresult)}`, rebootRequired: x.rebootRequired };
  });
  for (const id of r.missing) outcomes.push({ updateId: id.toLowerCase(), kbs: [], ok: false, message: 'Windows Update no longer offers this update (superseded, hidden or already installed)', rebootRequired: false });
  return { outcomes, rebootRequired: r.rebootRequired || outcomes.some((o) => o.rebootRequired) };
}

const restoreSchema = z.object({
  created: z.boolean(),
  sequence: z.number().int().nullable().optional(),
  reason: z.enum(['server', 'failed', 'frequency']).nullable().optional(),
  previous: z.object({ sequence: z.number().int(), description: z.string(), created: z.string() }).nullable().optional(),
  message: z.string().optional(),
});

export type RestorePointResult = { created: true; sequence: number } | { created: false; reason: string };

/** A System Restore checkpoint (client editions); says plainly when Windows made none, and why. */
export async function restorePoint(ps: PsRunner, description: string): Promise<RestorePointResult> {
  const r = await runJson(ps, RESTORE_POINT_SCRIPT, { description: description.slice(0, 200) }, restoreSchema);
  if (r.created && typeof r.sequence === 'number') return { created: true, sequence: r.sequence };
  if (r.reason === 'server') return { created: false, reason: 'System Restore does not exist on Windows Server: no restore point (a hypervisor snapshot is the server answer)' };
  if (r.reason === 'failed') return { created: false, reason: `Windows refused to make a restore point: ${r.message ?? 'no reason given'} (is System Restore turned on for the system drive?)` };
  const prev = r.previous ? ` The newest is #${r.previous.sequence} "${r.previous.description}" of ${r.previous.created}.` : '';
  return { created: false, reason: `Windows made no new restore point: it allows one per 24 hours by default (SystemRestorePointCreationFrequency).${prev}` };
}

const removeSchema = z.object({
  kb: z.string().regex(KB_RE),
  via: z.enum(['dism', 'wusa']),
  package: z.string().nullable(),
  exitCode: z.number().int(),
  message: z.string().optional(),
  rebootRequired: z.boolean(),
});

export interface RemoveOutcome {
  kb: string;
  ok: boolean;
  via: 'dism' | 'wusa';
  message: string;
  rebootRequired: boolean;
}

/** Removes one KB (DISM package when there is one, else wusa), never restarting. */
export async function removeKb(ps: PsRunner, kb: string): Promise<RemoveOutcome> {
  if (!KB_RE.test(kb)) throw new WindowsError(`${JSON.stringify(kb.slice(0, 40))} is not a KB id`);
  const r = await runJson(ps, REMOVE_KB_SCRIPT, { kb }, removeSchema, 30 * 60_000);
  const ok = r.exitCode === 0 || r.exitCode === 3010;
  const message = r.via === 'wusa' ? describeWusaExit(r.exitCode) : ok ? 'removed' : `${describeHresult(r.exitCode)}${r.message ? ` (${r.message})` : ''}`;
  return { kb: r.kb, ok, via: r.via, message, rebootRequired: r.rebootRequired || r.exitCode === 3010 };
}

/** Restarts the machine; the connection may drop before an answer, which is expected. */
export async function restart(ps: PsRunner): Promise<void> {
  await ps.run(RESTART_SCRIPT, {}, { timeoutMs: 60_000 }).catch(() => undefined);
}

const wingetResult = z.union([
  z.object({ op: z.string(), found: z.literal(false) }),
  z.object({ op: z.string(), found: z.literal(true), exitCode: z.number().int(), lines: list(z.string().max(2000)) }),
]);

export interface WingetUpgrade {
  name: string;
  id: string;
  installed: string;
  available: string;
  source: 'winget' | 'msstore';
}

export const WINGET_ID = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,127}$/;
const WINGET_VERSION = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;
// A row ends with Id, Version, Available and Source; the Name column is padded to its longest entry, so it is
// read from the right. The header, the dashed rule, the "N upgrades available." footer and notes never match.
const WINGET_ROW = /^(?<name>\S.*?)\s+(?<id>[A-Za-z0-9][A-Za-z0-9.+_-]*)\s+(?<installed>\S*\d\S*)\s+(?<available>\S*\d\S*)\s+(?<source>winget|msstore)\s*$/;

/** Parses `winget upgrade`'s table (progress spinners and colour codes stripped). */
export function parseWingetUpgradeTable(lines: readonly string[]): WingetUpgrade[] {
  const out: WingetUpgrade[] = [];
  for (const raw of lines) {
    // eslint-disable-next-line no-control-regex
    const line = (raw.split('\r').at(-1) ?? '').replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').trimEnd();
    const m = WINGET_ROW.exec(line);
    if (!m?.groups) continue;
    const g = m.groups as { name: string; id: string; installed: string; available: string; source: 'winget' | 'msstore' };
    // "< 1.2" is winget's "older than": not an exact installed version, and not a row we can act on exactly.
    if (!WINGET_VERSION.test(g.available)) continue;
    out.push({ name: g.name.trim(), id: g.id, installed: g.installed, available: g.available, source: g.source });
  }
  return out;
}

/** Applications with upgrades, through winget as SYSTEM; null when winget is not on the machine. */
export async function wingetUpgrades(ps: PsRunner, timeoutSeconds = 600): Promise<WingetUpgrade[] | null> {
  const r = await runAsSystem(ps, 'winget', WINGET_WORKER_SCRIPT, { op: 'winget-list' }, wingetResult, timeoutSeconds);
  if (!r.found) return null;
  return parseWingetUpgradeTable(r.lines);
}

/** Upgrades one application to an exact version in machine scope. */
export async function wingetUpgrade(ps: PsRunner, id: string, version: string, timeoutSeconds = 1800): Promise<{ ok: boolean; message: string }> {
  if (!WINGET_ID.test(id) || !WINGET_VERSION.test(version)) throw new WindowsError(`${JSON.stringify(`${id} ${version}`.slice(0, 80))} is not a winget package id and version`);
  const r = await runAsSystem(ps, 'winget', WINGET_WORKER_SCRIPT, { op: 'winget-upgrade', id, version }, wingetResult, timeoutSeconds);
  if (!r.found) return { ok: false, message: 'winget is not installed on this machine (App Installer from the Microsoft Store)' };
  const last = r.lines.map((l) => (l.split('\r').at(-1) ?? '').trim()).filter(Boolean).at(-1) ?? '';
  return r.exitCode === 0 ? { ok: true, message: `upgraded to ${version}` } : { ok: false, message: `winget exit ${describeHresult(r.exitCode)}${last ? `: ${last}` : ''}` };
}

/** An application upgrade as a pending update; winget keeps no previous version, so it cannot be rolled back. */
export function wingetPendingUpdate(u: WingetUpgrade): PendingUpdate {
  return {
    name: u.id,
    arch: '',
    installedVersion: u.installed,
    candidateVersion: u.available,
    source: `winget: ${u.name}`,
    suites: [u.source],
    isSecurity: false,
    advisories: [],
    cves: [],
    severity: null,
    kind: 'package',
    note: 'An application upgrade through winget: Patchwell cannot roll it back (winget keeps no previous version)',
  };
}

/**
 * Snapshots for Windows Server: a hypervisor (Hyper-V, VMware, Proxmox) would take them. None is configured in
 * this version; the interface is what one plugs into.
 */
export interface HypervisorSnapshotProvider {
  readonly id: string;
  take(machine: { hostId: number; address: string }, label: string): Promise<{ ref: string }>;
  restore(ref: string): Promise<void>;
}

export const NO_HYPERVISOR = {
  id: 'none',
  reason: 'No hypervisor is configured, so no machine-level snapshot is taken: the rollback removes the installed KBs instead',
} as const;
