/**
 * Domain schemas shared by the core and the renderer. Every value that crosses the boundary is described
 * here once, with zod, and its TypeScript type is inferred from the schema so the two never drift.
 */
import { z } from 'zod';

/** Milliseconds since the Unix epoch, as stored in SQLite INTEGER columns. */
export const epochMs = z.number().int().nonnegative();

/** How much the business depends on a machine; feeds the risk score and deployment rings. */
export const criticality = z.enum(['low', 'normal', 'high', 'critical']);
export type Criticality = z.infer<typeof criticality>;

/** Operating-system family as far as Patchwell knows it. */
export const osFamily = z.enum(['linux', 'windows', 'macos', 'bsd', 'network-device', 'unknown']);
export type OsFamily = z.infer<typeof osFamily>;

/** Whether the machine answered the last time Patchwell looked. */
export const reachability = z.enum(['unknown', 'up', 'down']);

/**
 * A tag groups machines for credentials, policies and rings. Kept to a safe alphabet because tags become
 * Ansible group names and file names in exports.
 */
export const tag = z
  .string()
  .trim()
  .min(1, 'A tag cannot be empty')
  .max(40, 'A tag is at most 40 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'A tag uses letters, digits, ".", "_" and "-", and starts with a letter or digit');

/** An RFC 1123 host name (labels of letters, digits and hyphens). */
export const hostName = z
  .string()
  .trim()
  .max(253, 'A host name is at most 253 characters')
  .regex(
    /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/,
    'Not a valid host name (letters, digits, "-" and "." only)',
  );

const ipv4Pattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** An IPv4 address in dotted-quad form, no leading zeros (they are octal to some tools). */
export const ipv4 = z.string().trim().regex(ipv4Pattern, 'Not a valid IPv4 address');

/** Where a machine can be reached: an IPv4 address or a host name. */
export const address = z
  .string()
  .trim()
  .min(1, 'An address is required')
  .refine((v) => ipv4Pattern.test(v) || hostName.safeParse(v).success, 'Enter an IPv4 address or a host name');

export const osGuessView = z.object({
  family: osFamily,
  distro: z.string().nullable(),
  version: z.string().nullable(),
  confidence: z.number().min(0).max(1),
  reasons: z.array(z.string()),
});
export type OsGuessView = z.infer<typeof osGuessView>;

/** One piece of evidence, with where it came from. */
export const fingerprintView = z.object({
  source: z.enum(['ssh-banner', 'winrm-http', 'winrm-https', 'smb2', 'rdns', 'neighbour']),
  port: z.number().int().nullable(),
  evidence: z.string(),
  hint: z.string().nullable(),
});
export type FingerprintView = z.infer<typeof fingerprintView>;

/** A machine in the inventory. */
export const host = z.object({
  /** Row id. */
  id: z.number().int().positive(),
  /** IPv4 address or DNS name used to reach the machine. */
  address: z.string(),
  /** Name the machine reports or that the user gave it. */
  hostname: z.string().nullable(),
  /** Label shown in the UI; falls back to hostname, then address. */
  displayName: z.string().nullable(),
  osFamily,
  /** Distribution or product name, e.g. "Debian GNU/Linux". */
  osName: z.string().nullable(),
  /** Version string, e.g. "12 (bookworm)". */
  osVersion: z.string().nullable(),
  /** Running kernel release. */
  kernel: z.string().nullable(),
  tags: z.array(z.string()),
  criticality,
  /** Marked by the user as reachable from outside the office (the risk score counts it). */
  exposed: z.boolean(),
  /** SSH port used for management. */
  sshPort: z.number().int().min(1).max(65535),
  /** How Patchwell reaches it: SSH (Linux, macOS, Windows with OpenSSH) or WinRM (Windows). */
  transport: z.enum(['ssh', 'winrm']),
  /** WinRM port; null: 5985 over HTTP (message encryption), 5986 over HTTPS. */
  winrmPort: z.number().int().min(1).max(65535).nullable(),
  winrmHttps: z.boolean(),
  /** The WinRM HTTPS certificate's SHA-256, pinned on first use. */
  winrmCert: z.string().nullable(),
  /** Id of the vault credential used to log in, if any. */
  credentialId: z.number().int().positive().nullable(),
  /** Pinned SSH host key fingerprint ("SHA256:…"), set on first use. */
  sshHostKey: z.string().nullable(),
  /** A different key the machine presented, waiting for the user to accept it; connections are refused meanwhile. */
  pendingHostKey: z.string().nullable(),
  /** A different WinRM HTTPS certificate (SHA-256) the machine presented, waiting for the user to accept it. */
  pendingWinrmCert: z.string().nullable(),
  /** When Patchwell was first allowed to send a credential to this machine; null: never contacted. */
  contactAllowedAt: z.number().int().nullable(),
  /** Platform module that manages it, e.g. "debian", once detected. */
  platform: z.string().nullable(),
  arch: z.string().nullable(),
  uptimeSeconds: z.number().int().nullable(),
  /** Null until assessed. */
  rebootRequired: z.boolean().nullable(),
  rebootReasons: z.array(z.string()),
  /** Package manager health from the last assessment (e.g. dpkg --audit). */
  health: z.object({ ok: z.boolean(), problems: z.array(z.string()) }).nullable(),
  lastAssessedAt: epochMs.nullable(),
  /** What went wrong the last time Patchwell worked on this machine, if it did. */
  lastError: z.lazy(() => remoteFailure).nullable(),
  /** MAC address and its vendor, from the neighbour table during a scan. */
  mac: z.string().nullable(),
  vendor: z.string().nullable(),
  /** Evidence from the last scan that saw the machine. */
  fingerprints: z.array(fingerprintView),
  osGuess: osGuessView.nullable(),
  /** Open pending updates, and how many of them are security updates (0 until assessed). */
  pendingCount: z.number().int().nonnegative(),
  securityCount: z.number().int().nonnegative(),
  /** Open management ports seen by the last scan or check. */
  openPorts: z.array(z.number().int()),
  reachability,
  /** How the machine entered the inventory. */
  source: z.enum(['manual', 'discovery']),
  notes: z.string(),
  firstSeen: epochMs.nullable(),
  lastSeen: epochMs.nullable(),
  createdAt: epochMs,
  updatedAt: epochMs,
});
export type Host = z.infer<typeof host>;

/** Fields the user can set when adding a machine by hand. */
export const hostInput = z.object({
  address,
  hostname: hostName.nullable().optional(),
  displayName: z.string().trim().max(80, 'A name is at most 80 characters').nullable().optional(),
  osFamily: osFamily.optional(),
  tags: z.array(tag).max(20, 'At most 20 tags').optional(),
  criticality: criticality.optional(),
  exposed: z.boolean().optional(),
  transport: z.enum(['ssh', 'winrm']).optional(),
  winrmPort: z.number().int().min(1, 'Port 1–65535').max(65535, 'Port 1–65535').nullable().optional(),
  winrmHttps: z.boolean().optional(),
  sshPort: z.number().int().min(1, 'Port 1–65535').max(65535, 'Port 1–65535').optional(),
  notes: z.string().max(2000, 'Notes are at most 2,000 characters').optional(),
});
export type HostInput = z.infer<typeof hostInput>;

export const jobKind = z.enum(['scan', 'check', 'assess', 'deploy', 'rollback', 'report', 'feeds']);
export type JobKind = z.infer<typeof jobKind>;

/**
 * A job's lifecycle. `interrupted` is set at start-up for jobs that were running when the process died:
 * they are never shown as running again.
 */
export const jobState = z.enum(['queued', 'running', 'succeeded', 'failed', 'partial', 'cancelled', 'interrupted']);
export type JobState = z.infer<typeof jobState>;

/** What went wrong on a remote machine, in a form the user can act on. */
export const remoteFailure = z.object({
  /** The command that failed, as run (never containing secrets). */
  command: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  /** The last lines of standard error. */
  stderrTail: z.string(),
  message: z.string(),
});
export type RemoteFailure = z.infer<typeof remoteFailure>;

/** One target (usually a machine) inside a job, with the step it reached. */
export const jobTarget = z.object({
  /** Stable key inside the job: an address or "host:<id>". */
  target: z.string(),
  hostId: z.number().int().positive().nullable(),
  state: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'interrupted']),
  /** Name of the step reached, e.g. "connect", "snapshot", "install". */
  step: z.string().nullable(),
  current: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  failure: remoteFailure.nullable(),
  updatedAt: epochMs,
});
export type JobTarget = z.infer<typeof jobTarget>;

export const job = z.object({
  id: z.number().int().positive(),
  kind: jobKind,
  title: z.string(),
  state: jobState,
  current: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Short human summary, e.g. "12 machines found". */
  summary: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: epochMs,
  startedAt: epochMs.nullable(),
  finishedAt: epochMs.nullable(),
});
export type Job = z.infer<typeof job>;

export const jobDetail = job.extend({
  targets: z.array(jobTarget),
  args: z.unknown(),
});
export type JobDetail = z.infer<typeof jobDetail>;

export const logLevel = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof logLevel>;

export const jobLogLine = z.object({
  /** Negative: a line the core could not write (its data folder was full); it lives only in the events. */
  id: z.number().int(),
  jobId: z.number().int().positive(),
  ts: epochMs,
  level: logLevel,
  target: z.string().nullable(),
  message: z.string(),
});
export type JobLogLine = z.infer<typeof jobLogLine>;

export const auditEntry = z.object({
  id: z.number().int().positive(),
  ts: epochMs,
  actor: z.string(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  details: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntry>;

export const auditVerifyResult = z.object({
  ok: z.boolean(),
  rows: z.number().int().nonnegative(),
  /** Hash of the newest row: the chain's head, quoted in reports. */
  head: z.string(),
  /** First row whose hash or link does not match, when not ok. */
  firstBrokenId: z.number().int().nullable(),
  reason: z.string().nullable(),
});
export type AuditVerifyResult = z.infer<typeof auditVerifyResult>;
