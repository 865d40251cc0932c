/**
 * `patchwell service install|uninstall|status`: runs the headless host as a systemd service, so an always-on
 * office box keeps schedules and maintenance windows without anyone logged in. As root it is a system unit
 * (started at boot, run as an ordinary account); otherwise a user unit. Effects come in through ServiceDeps.
 */
import { DEFAULT_SERVICE_PORT, SERVICE_NAME, readUnit, unitPath, unitText, UnitError } from './service-unit';

export type ServiceAction = 'install' | 'uninstall' | 'status';

export interface ServiceRequest {
  action: ServiceAction;
  dataDir: string | null;
  port: number | null;
  user: string | null;
}

export interface ServiceDeps {
  uid: number;
  home: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** How to start the host, before its flags. */
  hostCommand: readonly string[];
  /** The data folder a user unit uses when --data is not given. */
  defaultDataDir: string;
  /** Where the unit goes (tests point it elsewhere). */
  unitFile(system: boolean): string;
  run(cmd: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string };
  readFile(file: string): string | null;
  writeFile(file: string, text: string): void;
  removeFile(file: string): void;
  /** Creates the data folder, owner-only, owned by `user` when given. */
  makeDataDir(dir: string, user: string | null): void;
  /** True when something answers http on 127.0.0.1:port. */
  answers(port: number): Promise<boolean>;
}

export interface ServiceReport {
  lines: string[];
  data: Record<string, unknown>;
  code: number;
}

export const defaultUnitFile = (home: string, env: NodeJS.ProcessEnv) => (system: boolean): string => unitPath(system, home, env);

export async function service(req: ServiceRequest, d: ServiceDeps): Promise<ServiceReport> {
  if (d.platform !== 'linux') {
    throw new UnitError('`patchwell service` writes a systemd unit: Linux only. On Windows or macOS, run `patchwell serve --port N` from the Task Scheduler or a launchd agent');
  }
  const system = d.uid === 0;
  const ctl = (...args: string[]): { status: number | null; stdout: string; stderr: string } => d.run('systemctl', system ? args : ['--user', ...args]);
  const file = d.unitFile(system);
  const must = (r: { status: number | null; stderr: string }, what: string): void => {
    if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr.trim() || `exit ${r.status}`}`);
  };

  if (req.action === 'install') {
    const user = system ? (req.user ?? d.env.SUDO_USER ?? null) : null;
    if (system && !user) throw new UnitError('as root, the service is a system unit: give the account it runs as with --user NAME (not root)');
    if (!system && req.user) throw new UnitError('--user is for a system unit: run this as root (sudo) to install one');
    const dataDir = req.dataDir ?? (system ? '/var/lib/patchwell' : d.defaultDataDir);
    const port = req.port ?? DEFAULT_SERVICE_PORT;
    const text = unitText({ command: d.hostCommand, dataDir, port, user });
    d.makeDataDir(dataDir, user);
    d.writeFile(file, text);
    must(ctl('daemon-reload'), 'systemctl daemon-reload');
    must(ctl('enable', '--now', SERVICE_NAME), `systemctl enable --now ${SERVICE_NAME}`);
    const lines = [
      `installed ${file}`,
      `  ${system ? `system service, runs as ${user}, starts at boot` : 'user service, starts with your session'}`,
      `  data folder ${dataDir}`,
      `  serves http://127.0.0.1:${port} (this computer only); \`patchwell service status\` prints the address with its token`,
    ];
    if (!system) lines.push(`  to start it at boot without logging in: loginctl enable-linger ${d.env.USER ?? '$USER'}`);
    return { lines, data: { unit: file, system, user, dataDir, port }, code: 0 };
  }

  if (req.action === 'uninstall') {
    if (d.readFile(file) === null) return { lines: [`not installed (no ${file})`], data: { unit: file, installed: false }, code: 0 };
    // Stopping may fail for a unit already stopped or broken; removing the file is what matters.
    ctl('disable', '--now', SERVICE_NAME);
    d.removeFile(file);
    must(ctl('daemon-reload'), 'systemctl daemon-reload');
    return { lines: [`removed ${file}; the data folder is kept`], data: { unit: file, installed: false }, code: 0 };
  }

  const text = d.readFile(file);
  if (text === null) {
    return { lines: [`not installed (no ${file})${system ? '' : '; as root, `sudo patchwell service status` shows a system unit'}`], data: { unit: file, installed: false }, code: 1 };
  }
  const props = Object.fromEntries(
    ctl('show', SERVICE_NAME, '-p', 'UnitFileState', '-p', 'ActiveState', '-p', 'SubState')
      .stdout.split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as Record<string, string | undefined>;
  const unit = readUnit(text);
  const enabled = props.UnitFileState === 'enabled';
  const running = props.ActiveState === 'active';
  const answering = unit && running ? await d.answers(unit.port) : false;
  // The token changes at each start; the host leaves its address in the data folder, readable by its account only.
  const url = unit ? (d.readFile(`${unit.dataDir}/host-url`)?.trim() ?? null) : null;
  const lines = [
    `${file}`,
    `  ${enabled ? 'enabled' : `not enabled (${props.UnitFileState ?? 'unknown'})`}, ${running ? `running (${props.SubState})` : `not running (${props.ActiveState ?? 'unknown'})`}`,
    ...(unit ? [`  data folder ${unit.dataDir}`, `  http://127.0.0.1:${unit.port} ${answering ? 'answers' : 'does not answer'}`] : ['  the unit was not written by patchwell (no --port/--home)']),
    ...(url ? [`  open ${url}`] : unit ? [`  the address with its token is in ${unit.dataDir}/host-url (readable by the service's account)`] : []),
  ];
  return {
    lines,
    data: { unit: file, installed: true, enabled, running, answering, port: unit?.port ?? null, dataDir: unit?.dataDir ?? null, url },
    code: running && answering ? 0 : 1,
  };
}
