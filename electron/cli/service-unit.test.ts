/** The service's unit text, and systemd's own verdict on it (`systemd-analyze verify`, as installed here). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readUnit, systemdQuote, unitPath, unitText, UnitError } from './service-unit';

const HOST = path.resolve('electron/host/index.ts'); // any real file: verify checks that ExecStart's program exists
const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('unit text', () => {
  const system = unitText({ command: [process.execPath, HOST], dataDir: '/var/lib/patchwell', port: 8470, user: 'patchwell' });
  const user = unitText({ command: [process.execPath, HOST], dataDir: '/home/ann/.config/Patchwell', port: 9000, user: null });
  const lines = (t: string): string[] => t.split('\n');

  it('starts the host with the port and data folder, run by the account given, at boot', () => {
    expect(lines(system)).toContain(`ExecStart="${process.execPath}" "${HOST}" "--port" "8470" "--home" "/var/lib/patchwell"`);
    expect(lines(system)).toContain('User=patchwell');
    expect(lines(system)).toContain('WantedBy=multi-user.target');
    expect(lines(user)).toContain('WantedBy=default.target');
    expect(user).not.toContain('User=');
  });

  it('is hardened: no new privileges, a read-only system but for the data folder, private /tmp and devices', () => {
    for (const d of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths="/var/lib/patchwell"', 'ProtectHome=read-only', 'PrivateTmp=yes', 'PrivateDevices=yes', 'CapabilityBoundingSet=', 'UMask=0077']) {
      expect(lines(system)).toContain(d);
    }
    // A user manager cannot always build namespaces; the user unit keeps what needs none.
    expect(lines(user)).toContain('NoNewPrivileges=yes');
    expect(user).not.toContain('ProtectSystem');
  });

  it('refuses root, a relative folder, a bad port and a bad account name', () => {
    const base = { command: [process.execPath, HOST], dataDir: '/srv/pw', port: 8470 };
    expect(() => unitText({ ...base, user: 'root' })).toThrow(UnitError);
    expect(() => unitText({ ...base, dataDir: 'data', user: null })).toThrow(/absolute/);
    expect(() => unitText({ ...base, port: 70000, user: null })).toThrow(/--port/);
    expect(() => unitText({ ...base, user: 'ann\nExecStartPre=/bin/sh' })).toThrow(/account name/);
    expect(() => unitText({ ...base, dataDir: '/srv/a\nExecStartPre=/bin/evil', user: null })).toThrow(/control character/);
  });

  it('quotes words so spaces, quotes, % and $ arrive as written', () => {
    expect(systemdQuote('/srv/my data/100% "x"')).toBe('"/srv/my data/100%% \\"x\\""');
    expect(systemdQuote('/srv/$HOME', true)).toBe('"/srv/$$HOME"');
    expect(systemdQuote('/srv/$HOME')).toBe('"/srv/$HOME"');
    const odd = '/srv/pätch well/100% "$x"';
    expect(readUnit(unitText({ command: [process.execPath, HOST], dataDir: odd, port: 8471, user: null }))).toEqual({ port: 8471, dataDir: odd });
  });

  it('goes where systemd looks: /etc/systemd/system as root, else the user\'s config folder', () => {
    expect(unitPath(true, '/root')).toBe('/etc/systemd/system/patchwell.service');
    expect(unitPath(false, '/home/ann', {})).toBe('/home/ann/.config/systemd/user/patchwell.service');
    expect(unitPath(false, '/home/ann', { XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/systemd/user/patchwell.service');
  });
});

describe.skipIf(!analyze)('systemd-analyze verify', () => {
  const verify = (text: string, userManager: boolean): { status: number | null; stderr: string } => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-unit-'));
    const runtime = path.join(dir, 'run');
    fs.mkdirSync(runtime, { mode: 0o700 });
    const file = path.join(dir, 'patchwell.service');
    fs.writeFileSync(file, text);
    // A user manager needs a runtime folder, which a test process has not got.
    const r = spawnSync('systemd-analyze', [...(userManager ? ['--user'] : []), 'verify', file], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
    return { status: r.status, stderr: r.stderr };
  };

  it('accepts every directive of the system unit (an unknown one would be reported)', () => {
    const r = verify(unitText({ command: [process.execPath, HOST], dataDir: '/var/lib/patch well', port: 8470, user: 'daemon' }), false);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('accepts the user unit', () => {
    const r = verify(unitText({ command: [process.execPath, HOST], dataDir: '/home/ann/.config/Patchwell', port: 8470, user: null }), true);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('would catch a directive systemd does not know (the check can fail)', () => {
    const text = unitText({ command: [process.execPath, HOST], dataDir: '/srv/pw', port: 8470, user: 'daemon' }).replace('[Install]', 'ProtectEverything=yes\n\n[Install]');
    expect(verify(text, false).stderr).toContain("Unknown key 'ProtectEverything'");
  });
});
