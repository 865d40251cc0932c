/**
 * Every call the renderer can make to the core, declared once. The core validates arguments against
 * `arg` and (in tests) results against `result`; the renderer's `invoke` is typed from this map.
 */
import { z } from 'zod';
import {
  tag,
  auditEntry,
  auditVerifyResult,
  host,
  hostInput,
  job,
  jobDetail,
  jobLogLine,
} from './domain';
import { credential, credentialInput, vaultStatus } from './credentials';
import { appSettings, assessmentView, pendingUpdateView } from './assessment';
import { firstContact } from './credentials';
import { storageState } from './events';
import { feedImportResult, feedView, machinePatches, patchRow } from './patches';
import { scan, scanResult, scanStart, subnetSuggestion, targetCheck, targetInput } from './discovery';
import {
  deploymentDetail, deploymentSummary, hostDeploySettings, maintenanceWindows, planRequest, planView, snapshotRetention, snapshotView, windowRule,
} from './deploy';
import { reportFile, reportInfo, reportPeriod, reportPrepareResult } from './reports';
import { policyCalls } from './policies';
import { dashboardCalls } from './dashboard';
import { machineRiskCalls } from './machine-risk';
import { feedDownloadCalls } from './feed-download';
import { schedulesCalls } from './schedules';
import { noticeCalls } from './notices';
import { mailCalls } from './mail';
import { fleetMemoryCalls } from './fleet-memory';
import { detailCalls } from './detail';
import { machineStateCalls } from './machine-state';
import { backgroundCalls } from './background';
import { officeCacheCalls } from './office-cache';

const id = z.object({ id: z.number().int().positive() });
const ok = z.object({ ok: z.literal(true) });

export const calls = {
  /** Whether the data folder has room (writes are refused when it is full). */
  'storage/status': { arg: z.undefined(), result: storageState },
  /** Tries a write now: there may be room again (the core also tries every 20 s). */
  'storage/check': { arg: z.undefined(), result: storageState },
  /** Version, data folder and runtime, for the About box and diagnostics. */
  'app/info': {
    arg: z.undefined(),
    result: z.object({
      version: z.string(),
      schemaVersion: z.number().int(),
      dataDir: z.string(),
      runtime: z.enum(['electron', 'browser']),
    }),
  },
  'machines/list': { arg: z.undefined(), result: z.array(host) },
  'machines/get': { arg: id, result: host },
  'machines/create': { arg: hostInput, result: host },
  'machines/update': { arg: z.object({ id: z.number().int().positive(), patch: hostInput.partial() }), result: host },
  'machines/remove': { arg: z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) }), result: ok },
  /** Starts a job that checks which machines answer on their management ports. */
  'machines/check': {
    arg: z.object({ ids: z.array(z.number().int().positive()).max(10_000).optional() }),
    result: z.object({ jobId: z.number().int().positive() }),
  },
  'jobs/list': { arg: z.object({ limit: z.number().int().min(1).max(500).optional() }), result: z.array(job) },
  'jobs/get': { arg: id, result: jobDetail },
  'jobs/log': {
    arg: z.object({ id: z.number().int().positive(), afterId: z.number().int().nonnegative().optional() }),
    result: z.array(jobLogLine),
  },
  'jobs/cancel': { arg: id, result: ok },
  /** Subnets to offer in the scan dialog: the /24 of each network interface. */
  'discovery/suggest': { arg: z.undefined(), result: z.array(subnetSuggestion) },
  /** Checks a target list without sending anything: counts, per-token errors, whether to confirm. */
  'discovery/check': { arg: targetInput.extend({ extraPorts: z.array(z.number().int()).max(64).optional() }), result: targetCheck },
  'discovery/start': { arg: scanStart, result: z.object({ jobId: z.number().int().positive() }) },
  'discovery/scans': { arg: z.object({ limit: z.number().int().min(1).max(200).optional() }), result: z.array(scan) },
  'discovery/results': {
    arg: z.object({ scanId: z.number().int().positive().optional(), jobId: z.number().int().positive().optional() }),
    result: z.object({ scan: scan.nullable(), results: z.array(scanResult) }),
  },
  /** Adds machines a scan found to the inventory. */
  'discovery/add': {
    arg: z.object({
      scanId: z.number().int().positive(),
      addresses: z.array(z.string().max(64)).min(1).max(65_536),
      tags: z.array(z.string()).max(20).optional(),
    }),
    result: z.object({ added: z.array(z.number().int().positive()) }),
  },
  'vault/status': { arg: z.undefined(), result: vaultStatus },
  'vault/unlock': { arg: z.object({ passphrase: z.string().min(1).max(1024) }), result: ok },
  'vault/set-passphrase': {
    arg: z.object({ passphrase: z.string().min(12, 'Use at least 12 characters').max(1024) }),
    result: ok,
  },
  'credentials/list': { arg: z.undefined(), result: z.array(credential) },
  'credentials/create': { arg: credentialInput, result: credential },
  'credentials/update': { arg: z.object({ id: z.number().int().positive(), input: credentialInput }), result: credential },
  'credentials/remove': { arg: id, result: ok },
  /**
   * Logs in to one machine with one credential and runs `true`, to prove the login before a whole assessment.
   * A machine never contacted needs the user's yes first (the credential's "ask before first contact").
   */
  'credentials/test': {
    arg: z.object({ credentialId: z.number().int().positive(), machineId: z.number().int().positive() }),
    /** What the login proved, in words. A failure is an error naming the cause. */
    result: z.object({ ok: z.literal(true), message: z.string() }),
  },
  /** Sets (or clears, with null) the credential of the given machines. */
  'machines/set-credential': {
    arg: z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000), credentialId: z.number().int().positive().nullable() }),
    result: ok,
  },
  /** Accepts the new SSH host key or WinRM certificate a machine presented (after a reinstall or a renewal). */
  'machines/accept-host-key': { arg: id, result: host },
  /** Starts an assessment job over the given machines (all when omitted). */
  'assess/start': {
    arg: z.object({
      ids: z.array(z.number().int().positive()).max(10_000).optional(),
      refresh: z.boolean().optional(),
      /** The user allowed sending a credential to the machines never contacted (see machines/first-contacts). */
      allowFirstContact: z.boolean().optional(),
    }),
    result: z.object({ jobId: z.number().int().positive() }),
  },
  /** Machines among `ids` (all when omitted) that a credential would reach for the first time, and which credential. */
  'machines/first-contacts': {
    arg: z.object({ ids: z.array(z.number().int().positive()).max(10_000).optional() }),
    result: z.array(firstContact),
  },
  /** Open (not yet installed) updates of one machine, with the CVEs each fixes. */
  'machines/updates': { arg: id, result: z.array(pendingUpdateView) },
  'machines/assessments': {
    arg: z.object({ id: z.number().int().positive(), limit: z.number().int().min(1).max(200).optional() }),
    result: z.array(assessmentView),
  },
  'settings/get': { arg: z.undefined(), result: appSettings },
  'settings/update': { arg: appSettings.partial(), result: appSettings },
  /** Every open update across the fleet, prioritised, with the feeds the scores used. */
  'patches/list': { arg: z.undefined(), result: z.object({ rows: z.array(patchRow), feeds: z.array(feedView) }) },
  /** The same updates grouped by machine, each scored for that machine; riskiest machine first. */
  'patches/by-machine': { arg: z.undefined(), result: z.array(machinePatches) },
  /** Approves exact versions: each (package, candidate version) on the given machines, or on all that need it. */
  'patches/approve': {
    arg: z.object({
      items: z
        .array(z.object({ package: z.string().min(1).max(200), candidateVersion: z.string().min(1).max(200), hostIds: z.array(z.number().int().positive()).optional() }))
        .min(1)
        .max(100_000),
      /** Required when a version failed or was rolled back before (fleet memory): the user saw that history. */
      acknowledgeHistory: z.boolean().optional(),
    }),
    result: z.object({ approved: z.number().int().nonnegative() }),
  },
  /** The plan approved updates would run as: rings, windows, exact versions; nothing is stored or sent. */
  'deploy/plan': { arg: planRequest, result: planView },
  /** Builds the plan again from the approvals and runs it. Deploy now (windows skipped) needs confirmed: true. */
  'deploy/start': {
    arg: planRequest.extend({ confirmed: z.boolean().optional() }),
    result: z.object({ deploymentId: z.number().int().positive(), jobId: z.number().int().positive() }),
  },
  'deploy/list': { arg: z.object({ limit: z.number().int().min(1).max(500).optional() }), result: z.array(deploymentSummary) },
  'deploy/get': { arg: id, result: deploymentDetail },
  /** Stops starting machines; those in flight finish their step. */
  'deploy/cancel': { arg: id, result: ok },
  /** After an interruption: resume (repair machines caught mid-change, then go on) or only repair them. */
  'deploy/resume': {
    arg: z.object({ id: z.number().int().positive(), mode: z.enum(['resume', 'repair']) }),
    result: z.object({ jobId: z.number().int().positive() }),
  },
  /** Rolls back a deployment's machines (all, or the given ones) from the snapshots taken before the change. */
  'deploy/rollback': {
    arg: z.object({ id: z.number().int().positive(), hostIds: z.array(z.number().int().positive()).min(1).max(10_000).optional() }),
    result: z.object({ deploymentId: z.number().int().positive(), jobId: z.number().int().positive() }),
  },
  'deploy/settings': { arg: z.object({ ids: z.array(z.number().int().positive()).max(10_000).optional() }), result: z.array(hostDeploySettings) },
  'deploy/set-settings': {
    arg: z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000), patch: hostDeploySettings.omit({ hostId: true }).partial() }),
    result: ok,
  },
  'deploy/windows': { arg: z.undefined(), result: z.array(maintenanceWindows) },
  /** Replaces the weekly windows of one group (a tag, or '' for every machine without one). */
  'deploy/set-windows': {
    arg: z.object({ tag: z.union([z.literal(''), tag]), rules: z.array(windowRule).max(20) }),
    result: z.array(maintenanceWindows),
  },
  'snapshots/list': { arg: z.object({ hostId: z.number().int().positive().optional() }), result: z.array(snapshotView) },
  'snapshots/retention': { arg: z.undefined(), result: snapshotRetention },
  /** Saves the retention rule and deletes, on the machines, the snapshots it lets go. */
  'snapshots/prune': { arg: snapshotRetention, result: z.object({ jobId: z.number().int().positive().nullable(), toDelete: z.number().int().nonnegative() }) },
  /** Writes a report for the period (HTML, PDF, CSV, JSON) as a job. */
  'reports/generate': {
    arg: z.object({ period: reportPeriod, title: z.string().trim().min(1).max(120).optional() }),
    result: z.object({ jobId: z.number().int().positive() }),
  },
  'reports/list': { arg: z.undefined(), result: z.array(reportInfo) },
  /**
   * The Reports page is open: start the PDF printer's browser now, so the next report's executive summary is only
   * its print. Kept for a couple of minutes if no report comes; calling it again counts that time afresh.
   */
  'reports/prepare': { arg: z.undefined(), result: reportPrepareResult },
  /** One file of a report, for download (base64, up to 64 MB). */
  'reports/file': {
    arg: z.object({ id: z.string().regex(/^\d{8}-\d{6}-[0-9a-f]{6}$/), name: z.string().regex(/^[a-z]+\.(html|pdf|csv|json)$/) }),
    result: reportFile,
  },
  /** The vulnerability feeds in force: kind, date, source, size, and whether they are out of date. */
  'feeds/list': { arg: z.undefined(), result: z.array(feedView) },
  /** Imports a feed file chosen in the UI (KEV JSON/CSV, EPSS CSV, gzipped or not); a bad file changes nothing. */
  'feeds/import': {
    arg: z.object({
      name: z.string().trim().min(1).max(200),
      base64: z.string().min(1).max(48 * 1024 * 1024),
      /** The file's modification time: the date of a feed that carries none (the Debian tracker). */
      lastModified: z.number().int().positive().optional(),
    }),
    result: feedImportResult,
  },
  /** The same from a file on the computer running the core (large files; air-gapped media). */
  'feeds/import-path': { arg: z.object({ path: z.string().min(1).max(4096) }), result: feedImportResult },
  /** The inventory (groups from tags) and a playbook installing exactly the approved versions, for Ansible. */
  'ansible/export': {
    arg: z.object({ hostIds: z.array(z.number().int().positive()).max(10_000).optional() }),
    result: z.object({ inventory: z.string(), playbook: z.string(), machines: z.number().int(), approved: z.number().int() }),
  },
  'audit/list': {
    arg: z.object({
      limit: z.number().int().min(1).max(1000).optional(),
      beforeId: z.number().int().positive().optional(),
    }),
    result: z.array(auditEntry),
  },
  'audit/verify': { arg: z.undefined(), result: auditVerifyResult },
  ...policyCalls,
  ...dashboardCalls,
  ...machineRiskCalls,
  ...feedDownloadCalls,
  ...schedulesCalls,
  ...noticeCalls,
  ...mailCalls,
  ...fleetMemoryCalls,
  ...detailCalls,
  ...machineStateCalls,
  ...backgroundCalls,
  ...officeCacheCalls,
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallArg<K extends CallName> = z.input<Calls[K]['arg']>;
export type CallResult<K extends CallName> = z.output<Calls[K]['result']>;

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}
