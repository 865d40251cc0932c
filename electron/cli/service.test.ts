/** `patchwell service`'s steps against recorded systemctl answers (installing a real unit is the lab's job). */
import { describe, expect, it } from 'vitest';
import { service, type ServiceDeps, type ServiceRequest } from './service';

interface Fake {
  deps: ServiceDeps;
  files: Map<string, string>;
  calls: string[];
  dirs: string[];
}

function fake(uid: number, show = 'UnitFileState=enabled\nActiveState=active\nSubState=running\n', answers = true): Fake {
  const files = new Map<string, string>();
  const calls: string[] = [];
  const dirs: string[] = [];
  return {
    files, calls, dirs,
    deps: {
      uid,
      home: '/home/ann',
      env: { USER: 'ann', SUDO_USER: uid === 0 ? 'ann' : undefined },
      platform: 'linux',
      hostCommand: ['/usr/bin/node', '/opt/pw/out/host/index.mjs'],
      defaultDataDir: '/home/ann/.config/Patchwell',
      unitFile: (system) => (system ? '/etc/systemd/system/patchwell.service' : '/home/ann/.config/systemd/user/patchwell.service'),
      run: (cmd, args) => {
        calls.push([cmd, ...args].join(' '));
        return { status: 0, stdout: args.includes('show') ? show : '', stderr: '' };
      },
      readFile: (f) => files.get(f) ?? null,
      writeFile: (f, t) => void files.set(f, t),
      removeFile: (f) => void files.delete(f),
      makeDataDir: (dir, user) => void dirs.push(`${dir} ${user ?? '-'}`),
      answers: (port) => Promise.resolve(answers && port === 8470),
    },
  };
}

const req = (action: ServiceRequest['action'], more: Partial<ServiceRequest> = {}): ServiceRequest => ({ action, dataDir: null, port: null, user: null, ...more });

describe('patchwell service install', () => {
  it('as root: a system unit run by the sudo user, data in /var/lib/patchwell, enabled and started', async () => {
    const f = fake(0);
    const r = await service(req('install'), f.deps);
    expect(r.code).toBe(0);
    const unit = f.files.get('/etc/systemd/system/patchwell.service')!;
    expect(unit).toContain('User=ann');
    expect(unit).toContain('"--port" "8470" "--home" "/var/lib/patchwell"');
    expect(f.dirs).toEqual(['/var/lib/patchwell ann']);
    expect(f.calls).toEqual(['systemctl daemon-reload', 'systemctl enable --now patchwell.service']);
    expect(r.lines.join('\n')).toContain('starts at boot');
  });

  it('as a user: a user unit with the folder and port given, and how to start it without logging in', async () => {
    const f = fake(1000);
    const r = await service(req('install', { dataDir: '/srv/pw', port: 9001 }), f.deps);
    expect(f.files.get('/home/ann/.config/systemd/user/patchwell.service')).toContain('"--port" "9001" "--home" "/srv/pw"');
    expect(f.calls).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now patchwell.service']);
    expect(r.lines.join('\n')).toContain('loginctl enable-linger ann');
  });

  it('refuses a system unit with no account to run it, and --user without root', async () => {
    const f = fake(0);
    f.deps.env = {};
    await expect(service(req('install'), f.deps)).rejects.toThrow(/--user NAME/);
    await expect(service(req('install', { user: 'root' }), f.deps)).rejects.toThrow(/must not run as root/);
    await expect(service(req('install', { user: 'svc' }), fake(1000).deps)).rejects.toThrow(/run this as root/);
    expect(f.files.size).toBe(0);
  });

  it('says what failed when systemctl does', async () => {
    const f = fake(1000);
    f.deps.run = () => ({ status: 1, stdout: '', stderr: 'Failed to connect to bus: No medium found' });
    await expect(service(req('install'), f.deps)).rejects.toThrow('systemctl daemon-reload failed: Failed to connect to bus');
  });

  it('is Linux only, and says what to use elsewhere', async () => {
    const f = fake(1000);
    f.deps.platform = 'win32';
    await expect(service(req('install'), f.deps)).rejects.toThrow(/Linux only/);
  });
});

describe('patchwell service status and uninstall', () => {
  it('reports enabled, running, answering, and the address the host left in its data folder', async () => {
    const f = fake(0);
    await service(req('install'), f.deps);
    f.files.set('/var/lib/patchwell/host-url', 'http://127.0.0.1:8470/?token=abc\n');
    const r = await service(req('status'), f.deps);
    expect(r.code).toBe(0);
    expect(r.data).toMatchObject({ installed: true, enabled: true, running: true, answering: true, port: 8470, dataDir: '/var/lib/patchwell', url: 'http://127.0.0.1:8470/?token=abc' });
    expect(r.lines).toContain('  enabled, running (running)');
  });

  it('exits 1 when the service is stopped or not installed', async () => {
    const f = fake(1000, 'UnitFileState=enabled\nActiveState=failed\nSubState=failed\n');
    expect((await service(req('status'), f.deps)).code).toBe(1);
    await service(req('install'), f.deps);
    const r = await service(req('status'), f.deps);
    expect(r.code).toBe(1);
    expect(r.lines).toContain('  enabled, not running (failed)');
  });

  it('uninstall stops, disables and removes the unit, keeping the data', async () => {
    const f = fake(0);
    await service(req('install'), f.deps);
    f.calls.length = 0;
    const r = await service(req('uninstall'), f.deps);
    expect(f.calls).toEqual(['systemctl disable --now patchwell.service', 'systemctl daemon-reload']);
    expect(f.files.has('/etc/systemd/system/patchwell.service')).toBe(false);
    expect(r.lines[0]).toContain('the data folder is kept');
  });
});
