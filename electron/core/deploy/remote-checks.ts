/**
 * What a deployment checks on a machine before and after a change: free disk, a package manager nobody
 * else is using, the file system (for the snapshot provider), the services that run — one round trip each,
 * constant scripts, parsed here and tested on recorded output.
 */
import type { HealthCheck } from '../../../shared/contract';
import { redactSecrets } from '../../../shared/redact';
import { runScript, splitSections } from '../platforms/exec-util';
import type { Platform } from '../platforms/platform';
import { RemoteCommandError, type Remote } from '../platforms/remote';

export const PREFLIGHT_SCRIPT = `# patchwell:deploy-preflight
set -u
LC_ALL=C; export LC_ALL
# lvs and zfs live in sbin, which a non-root user's PATH leaves out on Debian; sudo's secure_path has it.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH
echo @@df; df -Pk / /var 2>/dev/null
echo @@busy
# read, not $(cat …): a process per process on the machine is most of this script's CPU on a busy server.
for p in /proc/[0-9]*; do
  read -r c 2>/dev/null < "$p/comm" || continue
  case "$c" in apt|apt-get|aptitude|dpkg|unattended-upgr|packagekitd|synaptic|dnf|yum|rpm|zypper|dnf-automatic|apk) echo "\${p#/proc/} $c";; esac
done
echo @@fstype; stat -f -c %T / 2>/dev/null
echo @@snapper; if command -v snapper >/dev/null 2>&1; then echo yes; fi
echo @@root-source; (findmnt -n -o SOURCE / 2>/dev/null || awk '$2 == "/" {print $1}' /proc/mounts) | tail -n 1
echo @@lvm; if command -v lvs >/dev/null 2>&1; then echo yes; fi
echo @@zfs; if command -v zfs >/dev/null 2>&1; then echo yes; fi
`;

/**
 * The services that run: systemd's running service units where systemd is PID 1, else the names of the
 * daemons (children of PID 1, and PID 1 itself) — what "the services that ran before still run" compares.
 * Without a D-Bus daemon (minimal installs), systemctl refuses a non-root user ("Failed to connect to bus"):
 * then the daemons are listed too, rather than an empty list that would make the check pass vacuously.
 */
export const SERVICES_SCRIPT = `# patchwell:deploy-services
set -u
LC_ALL=C; export LC_ALL
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 &&
  units=$(systemctl list-units --type=service --state=running --no-legend --plain 2>/dev/null); then
  echo @@systemd
  printf '%s\\n' "$units" | awk 'NF {print $1}'
else
  echo @@daemons
  for p in /proc/[0-9]*; do
    pid=\${p#/proc/}
    # The shell's own read: no awk or cat per process (each one costs milliseconds of CPU on a busy machine).
    ppid=
    while read -r k v; do if [ "$k" = PPid: ]; then ppid=$v; break; fi; done 2>/dev/null < "$p/status" || continue
    if [ "$pid" = 1 ] || [ "$ppid" = 1 ]; then read -r c 2>/dev/null < "$p/comm" && printf '%s\\n' "$c"; fi
  done
fi
`;

/**
 * Root: waits (up to $1 seconds) until none of `processes` runs — "@@waited N", or "@@busy" and exit 75 past the
 * limit — then runs `then`. One loop for every package manager; the process names are the deployers' constants.
 */
export function settleScript(name: string, processes: readonly string[], then = ''): string {
  return `# patchwell:${name}
set -u
LC_ALL=C; export LC_ALL
limit=$1; waited=0
busy() {
  for p in /proc/[0-9]*; do
    read -r c 2>/dev/null < "$p/comm" || continue
    case "$c" in ${processes.join('|')}) return 0;; esac
  done
  return 1
}
while busy; do
  if [ "$waited" -ge "$limit" ]; then echo "@@busy"; exit 75; fi
  sleep 2; waited=$((waited + 2))
done
echo "@@waited $waited"
${then}`;
}

/** Root: waits until no apt/dpkg process runs, then repairs dpkg if it was interrupted. */
export const SETTLE_SCRIPT = settleScript('deploy-settle', ['apt', 'apt-get', 'aptitude', 'dpkg', 'unattended-upgr'], `DEBIAN_FRONTEND=noninteractive; export DEBIAN_FRONTEND
if [ -n "$(dpkg --audit 2>/dev/null)" ]; then
  echo "@@repair"
  dpkg --configure -a --force-confold --force-confdef 2>&1 | tail -n 20
fi
echo "@@audit"
dpkg --audit 2>&1 | head -n 20
`);

export interface DiskFree {
  mount: string;
  availableKb: number;
}

export interface Preflight {
  disks: DiskFree[];
  busy: { pid: number; name: string }[];
  fsType: string;
  snapper: boolean;
  rootSource: string;
  lvm: boolean;
  zfs: boolean;
}

export function parsePreflight(output: string): Preflight {
  const sections = splitSections(output);
  const get = (k: string): string => (sections.get(k) ?? '').trim();
  const disks: DiskFree[] = [];
  for (const line of get('df').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 6) continue;
    const avail = Number(cols[3]);
    const mount = cols.slice(5).join(' ');
    if (Number.isFinite(avail) && !disks.some((d) => d.mount === mount)) disks.push({ mount, availableKb: avail });
  }
  const busy = get('busy')
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((p) => p.length === 2 && /^\d+$/.test(p[0]!))
    .map(([pid, name]) => ({ pid: Number(pid), name: name! }));
  return {
    disks,
    busy,
    fsType: get('fstype').split('\n')[0] ?? '',
    snapper: get('snapper') === 'yes',
    rootSource: get('root-source'),
    lvm: get('lvm') === 'yes',
    zfs: get('zfs') === 'yes',
  };
}

/** Free space a deployment wants on / and /var: downloads, unpacking and the kept rollback .debs. */
export const MIN_FREE_KB = 300 * 1024;

/** Problems that stop a machine before anything is changed; empty when it may go ahead. */
export function preflightProblems(p: Preflight, minFreeKb = MIN_FREE_KB): string[] {
  const problems: string[] = [];
  for (const d of p.disks) {
    if (d.availableKb < minFreeKb) {
      problems.push(`Disk nearly full: ${Math.round(d.availableKb / 1024)} MB free on ${d.mount}, ${Math.round(minFreeKb / 1024)} MB needed`);
    }
  }
  if (p.disks.length === 0) problems.push('Could not read free disk space (df printed nothing)');
  if (p.busy.length > 0) {
    problems.push(`The package manager is in use: ${p.busy.map((b) => `${b.name} (pid ${b.pid})`).join(', ')}; try again when it has finished`);
  }
  return problems;
}

export async function preflight(remote: Remote): Promise<Preflight> {
  return parsePreflight((await runScript(remote, 'deploy-preflight', PREFLIGHT_SCRIPT, [], { timeoutMs: 60_000 })).stdout);
}

export function parseServices(output: string): string[] {
  const sections = splitSections(output);
  const list = sections.get('systemd') ?? sections.get('daemons') ?? '';
  return [...new Set(list.split('\n').map((l) => l.trim()).filter((l) => /^[\w@.:-]+$/.test(l)))].sort();
}

export async function runningServices(remote: Remote): Promise<string[]> {
  return parseServices((await runScript(remote, 'deploy-services', SERVICES_SCRIPT, [], { timeoutMs: 60_000 })).stdout);
}

export interface SettleResult {
  waitedSeconds: number;
  repaired: boolean;
  /** dpkg --audit after any repair: empty when the package database is healthy. */
  audit: string;
  repairOutput: string;
}

/** Waits for a running apt/dpkg to finish (a cut connection leaves it running) and repairs dpkg if needed. */
export async function settlePackageManager(remote: Remote, limitSeconds = 600): Promise<SettleResult> {
  const r = await runScript(remote, 'deploy-settle', SETTLE_SCRIPT, [String(limitSeconds)], {
    sudo: true,
    timeoutMs: (limitSeconds + 900) * 1000,
    okCodes: [0, 75],
  });
  if (r.code === 75) throw new RemoteCommandError('script deploy-settle', r, `apt or dpkg was still running after ${limitSeconds} s`);
  const waited = /^@@waited (\d+)$/m.exec(r.stdout);
  const sections = splitSections(r.stdout.replace(/^@@waited \d+$/m, ''));
  return {
    waitedSeconds: waited ? Number(waited[1]) : 0,
    repaired: sections.has('repair'),
    repairOutput: (sections.get('repair') ?? '').trim(),
    audit: (sections.get('audit') ?? '').trim(),
  };
}

/**
 * Runs the machine's health check; resolves with a problem description, or null when healthy. The description
 * names the command or URL and quotes its output, either of which may hold a password (`curl -u admin:pw`,
 * `https://u:p@…`); it goes to the job log, the deployment's error and reports, so credentials are hidden.
 */
export async function runHealthCheck(remote: Remote, check: HealthCheck, fetchImpl: typeof fetch = fetch): Promise<string | null> {
  const problem = await healthProblem(remote, check, fetchImpl);
  return problem === null ? null : redactSecrets(problem);
}

async function healthProblem(remote: Remote, check: HealthCheck, fetchImpl: typeof fetch): Promise<string | null> {
  if (check.kind === 'command') {
    // The user wrote this command for their own machine: it is run as given, through sh -c, as the login user.
    const r = await remote.exec(['sh', '-c', check.command], { timeoutMs: 120_000 });
    if (r.timedOut) return `Health check timed out after 120 s: ${check.command}`;
    if (r.code !== 0) {
      const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ');
      return `Health check failed (exit ${r.code}): ${check.command}${tail ? ` — ${tail}` : ''}`;
    }
    return null;
  }
  try {
    const res = await fetchImpl(...withoutUserinfo(check.url));
    await res.body?.cancel();
    return res.status < 400 ? null : `Health check ${check.url} answered HTTP ${res.status}`;
  } catch (e) {
    return `Health check ${check.url} did not answer: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * fetch refuses a URL with credentials in it ("Request cannot be constructed from a URL that includes
 * credentials"), so https://user:pw@host/… would always fail: they go in a Basic Authorization header instead.
 */
function withoutUserinfo(raw: string): [string, RequestInit] {
  const init: RequestInit = { redirect: 'manual', signal: AbortSignal.timeout(20_000) };
  const url = new URL(raw);
  if (!url.username && !url.password) return [raw, init];
  const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
  url.username = '';
  url.password = '';
  return [url.href, { ...init, headers: { Authorization: `Basic ${basic}` } }];
}

/**
 * For package managers with no half-configured state to finish (rpm, apk): waits for `script`'s processes, then
 * takes the package database's health as the audit.
 */
export async function settleThenCheckHealth(remote: Remote, name: string, script: string, platform: Platform, who: string, limitSeconds = 600): Promise<SettleResult> {
  const r = await runScript(remote, name, script, [String(limitSeconds)], { sudo: true, timeoutMs: (limitSeconds + 60) * 1000, okCodes: [0, 75] });
  if (r.code === 75) throw new Error(`${who} was still running after ${limitSeconds} s`);
  const waited = /^@@waited (\d+)$/m.exec(r.stdout);
  const health = await platform.health(remote);
  return { waitedSeconds: waited ? Number(waited[1]) : 0, repaired: false, repairOutput: '', audit: health.ok ? '' : health.problems.map((p) => p.message).join('\n') };
}
