/** The command line's grammar: `patchwell [--home DIR] [--json] <command> [options]`. Pure, so it is tested. */

export type Command =
  | { kind: 'scan'; targets: string; exclude: string; ports: number[]; confirmLarge: boolean }
  | { kind: 'assess'; addresses: string[]; refresh: boolean | null; allowFirstContact: boolean }
  | { kind: 'report'; from: number; to: number; out: string | null; title: string | null }
  | { kind: 'audit-verify' }
  | { kind: 'export-ansible'; out: string }
  | { kind: 'serve'; port: number }
  | { kind: 'service'; action: 'install' | 'uninstall' | 'status'; dataDir: string | null; port: number | null; user: string | null }
  | { kind: 'help' };

export interface Parsed {
  home: string | null;
  json: boolean;
  command: Command;
}

export class UsageError extends Error {}

export const USAGE = `usage: patchwell [--home DIR] [--json] <command>

  scan TARGET... [--exclude TARGETS] [--ports 8080,9000] [--confirm-large]
        sweep addresses, ranges (a.b.c.d-e) or CIDRs for machines; new ones are listed, not added
  assess [ADDRESS...] [--refresh | --no-refresh] [--allow-first-contact]
        assess the given inventory machines (all when none is given); --allow-first-contact sends a
        credential that asks first to machines Patchwell never contacted (audited)
  report [--days N | --from YYYY-MM-DD --to YYYY-MM-DD] [--title TEXT] [--out DIR]
        write a compliance report (HTML, PDF, CSV, JSON); --out copies its files to DIR
  audit verify
        check the audit trail's hash chain; exit code 3 when it is broken
  export-ansible --out DIR
        write patchwell-inventory.yml and patchwell-approved.yml (the approved versions) for ansible-playbook
  serve [--port N]
        run the headless host: the app in a browser, on http://127.0.0.1 only (default: a free port)
  service install|uninstall|status [--data DIR] [--port N] [--user NAME]
        run the host at boot as a systemd service (Linux; as root a system unit run by --user NAME,
        else a user unit); status says whether it is enabled and running, and its address

  --home DIR   the data folder (default: PATCHWELL_HOME, else the app's)
  --json       results as JSON on stdout (progress always goes to stderr)

Exit codes: 0 done, 1 failed, 2 usage error, 3 audit chain broken.`;

const DAY = 86_400_000;

function portValue(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > 65535) throw new UsageError(`${flag} takes a number from ${min} to 65535, not ${JSON.stringify(v)}`);
  return n;
}

function date(flag: string, v: string | undefined, endOfDay: boolean): number {
  if (!v || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new UsageError(`${flag} needs a date as YYYY-MM-DD`);
  const t = Date.parse(`${v}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z`);
  if (!Number.isFinite(t)) throw new UsageError(`${flag}: ${v} is not a date`);
  return t;
}

export function parseArgs(argv: readonly string[], now = Date.now()): Parsed {
  let home: string | null = null;
  let json = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--home') {
      home = argv[++i] ?? '';
      if (!home) throw new UsageError('--home needs a folder');
    } else if (a === '--json') json = true;
    else if (a === '--help' || a === '-h') return { home, json, command: { kind: 'help' } };
    else rest.push(a);
  }
  const [cmd, ...args] = rest;
  const value = (i: number, flag: string): string => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  switch (cmd) {
    case undefined:
    case 'help':
      return { home, json, command: { kind: 'help' } };
    case 'scan': {
      const targets: string[] = [];
      let exclude = '';
      let ports: number[] = [];
      let confirmLarge = false;
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === '--exclude') exclude = value(i++, a);
        else if (a === '--ports') {
          ports = value(i++, a).split(',').map((p) => Number(p.trim()));
          if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new UsageError('--ports takes port numbers 1-65535, separated by commas');
        } else if (a === '--confirm-large') confirmLarge = true;
        else if (a.startsWith('--')) throw new UsageError(`scan does not know ${a}`);
        else targets.push(a);
      }
      if (targets.length === 0) throw new UsageError('scan needs at least one target (an address, a range or a CIDR)');
      return { home, json, command: { kind: 'scan', targets: targets.join(' '), exclude, ports, confirmLarge } };
    }
    case 'assess': {
      let refresh: boolean | null = null;
      let allowFirstContact = false;
      const addresses: string[] = [];
      for (const a of args) {
        if (a === '--allow-first-contact') allowFirstContact = true;
        else if (a === '--refresh') refresh = true;
        else if (a === '--no-refresh') refresh = false;
        else if (a.startsWith('--')) throw new UsageError(`assess does not know ${a}`);
        else addresses.push(a);
      }
      return { home, json, command: { kind: 'assess', addresses, refresh, allowFirstContact } };
    }
    case 'report': {
      let from: number | null = null;
      let to: number | null = null;
      let days: number | null = null;
      let out: string | null = null;
      let title: string | null = null;
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === '--from') from = date(a, value(i++, a), false);
        else if (a === '--to') to = date(a, value(i++, a), true);
        else if (a === '--days') {
          days = Number(value(i++, a));
          if (!Number.isInteger(days) || days < 1 || days > 1830) throw new UsageError('--days takes a whole number from 1 to 1830');
        } else if (a === '--out') out = value(i++, a);
        else if (a === '--title') title = value(i++, a);
        else throw new UsageError(`report does not know ${a}`);
      }
      if (days !== null && (from !== null || to !== null)) throw new UsageError('use --days or --from/--to, not both');
      const end = to ?? now;
      const start = from ?? end - (days ?? 30) * DAY;
      if (start >= end) throw new UsageError('the report period must end after it starts');
      return { home, json, command: { kind: 'report', from: start, to: end, out, title } };
    }
    case 'export-ansible': {
      if (args[0] !== '--out' || !args[1] || args.length > 2) throw new UsageError('usage: patchwell export-ansible --out DIR');
      return { home, json, command: { kind: 'export-ansible', out: args[1] } };
    }
    case 'serve': {
      let port = 0;
      for (let i = 0; i < args.length; i++) {
        if (args[i] === '--port') port = portValue('--port', value(i++, '--port'), 0);
        else throw new UsageError(`serve does not know ${args[i]}`);
      }
      return { home, json, command: { kind: 'serve', port } };
    }
    case 'service': {
      const action = args[0];
      if (action !== 'install' && action !== 'uninstall' && action !== 'status') throw new UsageError('usage: patchwell service install|uninstall|status [--data DIR] [--port N] [--user NAME]');
      let dataDir: string | null = null;
      let port: number | null = null;
      let user: string | null = null;
      for (let i = 1; i < args.length; i++) {
        const a = args[i]!;
        if (a === '--data') dataDir = value(i++, a);
        else if (a === '--port') port = portValue(a, value(i++, a), 1);
        else if (a === '--user') user = value(i++, a);
        else throw new UsageError(`service ${action} does not know ${a}`);
      }
      if (action !== 'install' && (dataDir !== null || port !== null || user !== null)) throw new UsageError(`service ${action} takes no options: it reads the installed unit`);
      return { home, json, command: { kind: 'service', action, dataDir: dataDir ?? home, port, user } };
    }
    case 'audit':
      if (args[0] !== 'verify' || args.length > 1) throw new UsageError('usage: patchwell audit verify');
      return { home, json, command: { kind: 'audit-verify' } };
    default:
      throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
  }
}
