import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args';

const NOW = Date.UTC(2026, 10, 22, 12);

describe('command line arguments', () => {
  it('parses each command with its options', () => {
    expect(parseArgs(['--home', '/tmp/pw', '--json', 'scan', '127.0.0.0/24', '127.0.1.5', '--ports', '8080,9000', '--exclude', '127.0.0.1'])).toEqual({
      home: '/tmp/pw', json: true, command: { kind: 'scan', targets: '127.0.0.0/24 127.0.1.5', exclude: '127.0.0.1', ports: [8080, 9000], confirmLarge: false },
    });
    expect(parseArgs(['assess', '127.0.0.12', '--no-refresh']).command).toEqual({ kind: 'assess', addresses: ['127.0.0.12'], refresh: false, allowFirstContact: false });
    expect(parseArgs(['assess']).command).toEqual({ kind: 'assess', addresses: [], refresh: null, allowFirstContact: false });
    expect(parseArgs(['assess', '--allow-first-contact']).command).toMatchObject({ kind: 'assess', allowFirstContact: true });
    expect(parseArgs(['audit', 'verify']).command).toEqual({ kind: 'audit-verify' });
    expect(parseArgs(['export-ansible', '--out', 'ansible']).command).toEqual({ kind: 'export-ansible', out: 'ansible' });
    expect(parseArgs([]).command).toEqual({ kind: 'help' });
  });

  it('reads report periods as whole UTC days, or the last N days', () => {
    expect(parseArgs(['report', '--from', '2026-10-01', '--to', '2026-10-31', '--out', 'r'], NOW).command).toEqual({
      kind: 'report', from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 9, 31, 23, 59, 59, 999), out: 'r', title: null,
    });
    expect(parseArgs(['report', '--days', '7'], NOW).command).toMatchObject({ from: NOW - 7 * 86_400_000, to: NOW });
    expect(parseArgs(['report'], NOW).command).toMatchObject({ from: NOW - 30 * 86_400_000, to: NOW });
  });

  it('refuses bad input with a message that says what to do', () => {
    const bad: [string[], RegExp][] = [
      [['scan'], /needs at least one target/],
      [['scan', '127.0.0.1', '--ports', '0'], /port numbers 1-65535/],
      [['scan', '127.0.0.1', '--ports'], /--ports needs a value/],
      [['report', '--from', '2026-13-45'], /not a date/],
      [['report', '--from', '1 Oct'], /YYYY-MM-DD/],
      [['report', '--days', '7', '--from', '2026-10-01'], /not both/],
      [['report', '--from', '2026-11-01', '--to', '2026-10-01'], /must end after it starts/],
      [['audit', 'fix'], /audit verify/],
      [['export-ansible'], /export-ansible --out DIR/],
      [['deploy'], /unknown command "deploy"/],
      [['--home'], /--home needs a folder/],
    ];
    for (const [argv] of bad) expect(() => parseArgs(argv, NOW), argv.join(" ")).toThrow(UsageError);
    for (const [argv, message] of bad) expect(() => parseArgs(argv, NOW)).toThrow(message);
  });
});

describe('serve and service arguments', () => {
  it('parses serve and each service action', () => {
    expect(parseArgs(['serve', '--port', '8470']).command).toEqual({ kind: 'serve', port: 8470 });
    expect(parseArgs(['serve']).command).toEqual({ kind: 'serve', port: 0 });
    expect(parseArgs(['service', 'install', '--data', '/srv/pw', '--port', '9000', '--user', 'pw']).command).toEqual({
      kind: 'service', action: 'install', dataDir: '/srv/pw', port: 9000, user: 'pw',
    });
    // The global --home is the data folder when --data is not given.
    expect(parseArgs(['--home', '/srv/h', 'service', 'install']).command).toMatchObject({ dataDir: '/srv/h', port: null, user: null });
    expect(parseArgs(['--json', 'service', 'status'])).toMatchObject({ json: true, command: { kind: 'service', action: 'status' } });
  });

  it('refuses what the service cannot use', () => {
    expect(() => parseArgs(['service'])).toThrow(UsageError);
    expect(() => parseArgs(['service', 'restart'])).toThrow(/install\|uninstall\|status/);
    expect(() => parseArgs(['service', 'install', '--port', '0'])).toThrow(/1 to 65535/);
    expect(() => parseArgs(['service', 'install', '--port', '12ab'])).toThrow(/1 to 65535/);
    expect(() => parseArgs(['service', 'status', '--port', '9000'])).toThrow(/takes no options/);
    expect(() => parseArgs(['serve', '--data', 'x'])).toThrow(/serve does not know --data/);
  });
});
