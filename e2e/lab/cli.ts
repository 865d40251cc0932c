/** `npm run lab -- <command>`: bring the lab up, show it, take it down. See README.md. */
import { vmDown, vmUp } from './vm.js';
import { down, pruneCache, labAvailable, resetHost, startHost, status, stopHost, up, isScenario, LabError, ALL_SCENARIOS, MAX_HOSTS, type LabHost, type Scenario } from './index.js';

const USAGE = `usage: npm run lab -- <command>

  up [--hosts N] [--scenario NAME...] [--refresh]
                        start hosts on 127.0.0.11 and up (PATCHWELL_LAB_NET=127.0.1: 127.0.1.11…;
                        default: one 'stale' host);
                        scenarios without --hosts: one host each; with --hosts: they cycle.
                        --refresh rebuilds the upgraded layer from today's Debian archive.
  status [--json]       list hosts with credentials and host key fingerprints
  down                  stop every host, remove their layers and mounts (the cache stays)
  stop-host ADDRESS     stop one host (a machine going away)
  start-host ADDRESS    start it again, same disk and keys
  reset-host ADDRESS    put it back to its scenario's first state (fresh disk, new host keys)
  prune                 delete cache entries no recipe or host uses any more
  available             say whether the lab can run on this machine
  vm-up [--lvm]         start the lab VM (Debian with systemd and its own kernel, so it can
                        reboot) on 127.0.0.100, on a fresh disk; --lvm: root on an LVM volume
  vm-down               stop the lab VM and remove its disk

scenarios: ${ALL_SCENARIOS.join(', ')}`;

class UsageError extends Error {}

interface UpArgs { hosts?: number; scenarios: Scenario[]; refresh: boolean }

function parseUp(args: string[]): UpArgs {
  const out: UpArgs = { scenarios: [], refresh: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--hosts') {
      const v = inline ?? args[++i];
      if (v === undefined || !/^\d{1,3}$/.test(v) || Number(v) < 1 || Number(v) > MAX_HOSTS) throw new UsageError(`--hosts needs a number from 1 to ${MAX_HOSTS}, got ${JSON.stringify(v ?? '')}`);
      if (out.hosts !== undefined) throw new UsageError('--hosts given twice');
      out.hosts = Number(v);
    } else if (flag === '--scenario' || flag === '--scenarios') {
      const values: string[] = [];
      if (inline !== undefined) values.push(inline);
      else while (i + 1 < args.length && !(args[i + 1] as string).startsWith('--')) values.push(args[++i] as string);
      const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
      if (names.length === 0) throw new UsageError(`--scenario needs at least one of: ${ALL_SCENARIOS.join(', ')}`);
      for (const n of names) {
        if (!isScenario(n)) throw new UsageError(`unknown scenario ${JSON.stringify(n)}; known: ${ALL_SCENARIOS.join(', ')}`);
        out.scenarios.push(n);
      }
    } else if (flag === '--refresh' && inline === undefined) {
      out.refresh = true;
    } else {
      throw new UsageError(`unknown argument for up: ${JSON.stringify(a)}`);
    }
  }
  return out;
}

function table(hosts: LabHost[]): string {
  if (hosts.length === 0) return 'no lab hosts (npm run lab -- up)';
  const rows = hosts.map((h) => [
    h.address, h.hostname, h.scenario, h.running ? 'up' : 'down', h.user,
    h.password ?? '(key only)', h.sudoPassword ? 'password' : h.scenario === 'no-sudo' ? 'none' : 'nopasswd', h.hostKeyFingerprint,
  ]);
  const head = ['ADDRESS', 'HOSTNAME', 'SCENARIO', 'STATE', 'USER', 'PASSWORD', 'SUDO', 'HOST KEY (ED25519)'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  const key = hosts[0]?.keyPath ?? '';
  return [fmt(head), ...rows.map(fmt), '', `key: ${key}  (ssh -i ${key} admin@ADDRESS)`].join('\n');
}

function onlyAddress(cmd: string, args: string[]): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`${cmd} needs exactly one address, e.g. ${cmd} 127.0.0.11`);
  return args[0];
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  const log = (line: string): void => { process.stderr.write(`${line}\n`); };
  switch (cmd) {
    case 'up': {
      const a = parseUp(args);
      const started = Date.now();
      const hosts = await up({ hosts: a.hosts, scenarios: a.scenarios.length > 0 ? a.scenarios : undefined, refresh: a.refresh, onLog: log });
      log(`lab up: ${hosts.length} host(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      process.stdout.write(`${table(hosts)}\n`);
      return 0;
    }
    case 'status': {
      const json = args.length === 1 && args[0] === '--json';
      if (args.length > 1 || (args.length === 1 && !json)) throw new UsageError(`unknown argument for status: ${JSON.stringify(args.join(' '))}`);
      const hosts = await status();
      process.stdout.write(json ? `${JSON.stringify(hosts, null, 2)}\n` : `${table(hosts)}\n`);
      return 0;
    }
    case 'down':
      if (args.length > 0) throw new UsageError(`down takes no arguments, got ${JSON.stringify(args.join(' '))}`);
      await down({ onLog: log });
      log('lab down');
      return 0;
    case 'stop-host':
      await stopHost(onlyAddress(cmd, args), { onLog: log });
      return 0;
    case 'start-host':
      await startHost(onlyAddress(cmd, args), { onLog: log });
      return 0;
    case 'reset-host':
      await resetHost(onlyAddress(cmd, args), { onLog: log });
      return 0;
    case 'prune': {
      if (args.length > 0) throw new UsageError(`prune takes no arguments, got ${JSON.stringify(args.join(' '))}`);
      const removed = await pruneCache({ onLog: log });
      log(`removed ${removed.length} cache entr${removed.length === 1 ? 'y' : 'ies'}`);
      return 0;
    }
    case 'available': {
      const a = labAvailable();
      process.stdout.write(a.ok ? 'the lab can run here\n' : `the lab cannot run here: ${a.reason}\n`);
      return a.ok ? 0 : 1;
    }
    case 'vm-up': {
      const lvm = args.length === 1 && args[0] === '--lvm';
      if (args.length > 1 || (args.length === 1 && !lvm)) throw new UsageError(`vm-up takes only --lvm, got ${JSON.stringify(args.join(' '))}`);
      const vm = await vmUp({ variant: lvm ? 'lvm' : 'plain', onLog: log });
      process.stdout.write(`${vm.address}  ${vm.hostname}  ${vm.variant}  ${vm.accel}  kernel ${vm.kernelRelease}  admin / ${vm.password}  ${vm.hostKeyFingerprint}\nkey: ${vm.keyPath}\n`);
      return 0;
    }
    case 'vm-down':
      if (args.length > 0) throw new UsageError(`vm-down takes no arguments, got ${JSON.stringify(args.join(' '))}`);
      await vmDown();
      return 0;
    case undefined: case 'help': case '--help': case '-h':
      process.stdout.write(`${USAGE}\n`);
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  if (e instanceof UsageError) process.stderr.write(`lab: ${e.message}\n\n${USAGE}\n`);
  else if (e instanceof LabError) process.stderr.write(`lab: ${e.message}\n`);
  else process.stderr.write(`lab: unexpected error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
