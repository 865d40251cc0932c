/**
 * The systemd unit that runs the headless host at boot (`patchwell service install`). Pure: the text is tested,
 * and checked with `systemd-analyze verify`.
 */
import path from 'node:path';

export const SERVICE_NAME = 'patchwell.service';
export const DEFAULT_SERVICE_PORT = 8470;

export interface UnitOptions {
  /** The command that starts the host, before its flags: [node, out/host/index.mjs] or the packaged app's CLI. */
  command: readonly string[];
  dataDir: string;
  port: number;
  /** A system unit (started at boot) runs as this account; null: a user unit (started with the user's manager). */
  user: string | null;
}

export class UnitError extends Error {}

/**
 * One word for a unit line, quoted, with systemd's specifier sign (%) doubled; in a command line (ExecStart)
 * the variable sign ($) too, since only command lines expand variables.
 */
export function systemdQuote(word: string, commandLine = false): string {
  // Control characters cannot be written in a unit line; refuse rather than mangle a path.
  if ([...word].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw new UnitError(`cannot put ${JSON.stringify(word)} in a unit file: it holds a control character`);
  const quoted = `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
  return commandLine ? quoted.replace(/\$/g, '$$$$') : quoted;
}

export function unitPath(system: boolean, home: string, env: NodeJS.ProcessEnv = process.env): string {
  return system
    ? path.join('/etc/systemd/system', SERVICE_NAME)
    : path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'systemd/user', SERVICE_NAME);
}

export function unitText(o: UnitOptions): string {
  if (!path.isAbsolute(o.dataDir)) throw new UnitError(`the data folder must be an absolute path, not ${o.dataDir}`);
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new UnitError(`--port takes a number from 1 to 65535, not ${o.port}`);
  if (o.user !== null && !/^[a-z_][a-z0-9_-]*[$]?$/i.test(o.user)) throw new UnitError(`${JSON.stringify(o.user)} is not an account name`);
  if (o.user === 'root') throw new UnitError('the service must not run as root: give an ordinary account with --user');
  const exec = [...o.command, '--port', String(o.port), '--home', o.dataDir].map((w) => systemdQuote(w, true)).join(' ');
  const system = o.user !== null;
  return [
    '# Written by `patchwell service install`; `patchwell service uninstall` removes it.',
    '[Unit]',
    `Description=Patchwell headless host (http://127.0.0.1:${o.port}, data in ${o.dataDir.replace(/%/g, '%%')})`,
    'Documentation=https://patchwell.app/docs/service',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    // The host only ever listens on 127.0.0.1 (server.ts); reach it from elsewhere through an SSH tunnel.
    `ExecStart=${exec}`,
    ...(system ? [`User=${o.user}`] : []),
    'Restart=on-failure',
    'RestartSec=5s',
    // SIGTERM makes the host close the core cleanly (a running job is marked interrupted, not lost).
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30s',
    'UMask=0077',
    'NoNewPrivileges=yes',
    'RestrictSUIDSGID=yes',
    'RestrictRealtime=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    // Outbound TCP to the managed machines (SSH, WinRM), local sockets, and netlink to list this box's subnets.
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK',
    // No MemoryDenyWriteExecute: V8's JIT needs writable code pages.
    ...(system
      ? [
          // Namespaces and capability limits need the system manager (a user manager cannot set them up everywhere).
          'CapabilityBoundingSet=',
          'ProtectSystem=strict',
          `ReadWritePaths=${systemdQuote(o.dataDir)}`,
          'ProtectHome=read-only',
          'PrivateTmp=yes',
          'PrivateDevices=yes',
          'ProtectKernelTunables=yes',
          'ProtectKernelModules=yes',
          'ProtectKernelLogs=yes',
          'ProtectControlGroups=yes',
          'ProtectClock=yes',
          'ProtectHostname=yes',
          'RestrictNamespaces=yes',
        ]
      : []),
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    '',
  ].join('\n');
}

/** The port and data folder of an installed unit, read back from its ExecStart (for `service status`). */
export function readUnit(text: string): { port: number; dataDir: string } | null {
  const line = text.split('\n').find((l) => l.startsWith('ExecStart='));
  if (!line) return null;
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1]!.replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'));
  const at = (flag: string): string | undefined => words[words.indexOf(flag) + 1];
  const port = Number(at('--port'));
  const dataDir = at('--home');
  return Number.isInteger(port) && dataDir && words.includes('--home') ? { port, dataDir } : null;
}
