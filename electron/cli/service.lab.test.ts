/**
 * `patchwell service install` on a machine that really boots: the lab VM (Debian, systemd, its own kernel). The
 * built CLI and host, this machine's Node and the runtime modules are copied in; the unit is installed as root
 * for an ordinary account; the host answers; after a reboot it has started again by itself and answers, on
 * 127.0.0.1 only. Needs `npm run build` first.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vmDown, vmUp, waitForSsh, type LabVm } from '../../e2e/lab/vm';
import { vmTestsEnabled } from '../../e2e/lab/vm-support';
import { connectSsh } from '../core/transports/ssh';

const ROOT = path.resolve('.');
const APP = '/opt/pw/app';
const NODE = '/opt/pw/node';
const CLI = `${APP}/out/cli/index.mjs`;
let vm: LabVm;
let privateKey: string;

async function sh(command: string, stdin = ''): Promise<string> {
  const s = await connectSsh({ address: vm.address, port: 22, pinnedKey: vm.hostKeyFingerprint }, { username: 'admin', privateKey });
  try {
    const r = await s.exec(['sh', '-c', command], { env: { LC_ALL: 'C' }, stdin, timeoutMs: 10 * 60_000 });
    if (r.code !== 0) throw new Error(`${command}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  } finally {
    await s.close();
  }
}

/** The packages the built entry points load at run time (esbuild leaves them external), with what they need. */
function runtimeModules(): string[] {
  const seen = new Set<string>();
  const visit = (name: string, optional: boolean): void => {
    if (seen.has(name)) return;
    const file = path.join(ROOT, 'node_modules', name, 'package.json');
    if (!fs.existsSync(file)) {
      if (optional) return;
      throw new Error(`node_modules/${name} is missing`);
    }
    seen.add(name);
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, false);
    for (const d of Object.keys(pkg.optionalDependencies ?? {})) visit(d, true);
  };
  for (const m of ['better-sqlite3', 'ssh2', 'node-ssh']) visit(m, false);
  return [...seen];
}

/** A tarball of what a source install needs to run the service: Node, the built app and its native modules. */
function bundle(): string {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-svc-lab-'));
  const app = path.join(stage, APP.slice(1));
  fs.mkdirSync(app, { recursive: true });
  fs.copyFileSync(process.execPath, path.join(stage, NODE.slice(1)));
  for (const d of ['out/cli', 'out/host', 'out/renderer', 'resources']) fs.cpSync(path.join(ROOT, d), path.join(app, d), { recursive: true, dereference: true });
  for (const m of runtimeModules()) fs.cpSync(path.join(ROOT, 'node_modules', m), path.join(app, 'node_modules', m), { recursive: true, dereference: true });
  const tar = path.join(stage, 'pw.tgz');
  execFileSync('tar', ['czf', tar, '-C', stage, 'opt']);
  return tar;
}

interface Status { installed: boolean; enabled: boolean; running: boolean; answering: boolean; url: string | null }

async function statusUntilAnswering(deadlineMs: number): Promise<Status> {
  const until = Date.now() + deadlineMs;
  let last: Status | null = null;
  while (Date.now() < until) {
    // Exit code 1 while not yet answering: read the JSON either way.
    last = JSON.parse(await sh(`sudo ${NODE} ${CLI} --json service status || true`)) as Status;
    if (last.running && last.answering && last.url) return last;
    await new Promise((r) => setTimeout(r, 3000));
  }
  throw new Error(`the service did not answer: ${JSON.stringify(last)}\n${await sh('sudo journalctl -u patchwell.service --no-pager -n 40 || true')}`);
}

/** Listening sockets on port 8470 from /proc/net/tcp*: local addresses in hex. */
async function listeners(): Promise<string[]> {
  const text = await sh('cat /proc/net/tcp /proc/net/tcp6');
  return text.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[1]?.endsWith(':2116') && f[3] === '0A').map((f) => f[1]!);
}

describe.skipIf(!vmTestsEnabled)('patchwell service on the lab VM', () => {
  beforeAll(async () => {
    expect(fs.existsSync(path.join(ROOT, 'out/cli/index.mjs')), 'run npm run build first').toBe(true);
    const tar = bundle();
    vm = await vmUp({ variant: 'plain' });
    privateKey = fs.readFileSync(vm.keyPath, 'utf8');
    await sh('base64 -d | sudo tar xzf - -C /', fs.readFileSync(tar).toString('base64'));
    await sh('sudo useradd --system --no-create-home --shell /usr/sbin/nologin patchwell');
  }, 25 * 60_000);

  afterAll(async () => {
    await vmDown();
  }, 60_000);

  it('installs a unit systemd accepts, for an ordinary account, and the host answers on 127.0.0.1 only', async () => {
    const out = await sh(`sudo ${NODE} ${CLI} service install --user patchwell --data /var/lib/patchwell --port 8470`);
    expect(out).toContain('system service, runs as patchwell, starts at boot');
    const verify = await sh('sudo systemd-analyze verify /etc/systemd/system/patchwell.service 2>&1; echo rc=$?');
    expect(verify).toMatch(/rc=0\n$/);
    expect(verify).not.toMatch(/Unknown|patchwell\.service:\d+/);
    const s = await statusUntilAnswering(5 * 60_000);
    expect(s).toMatchObject({ installed: true, enabled: true, running: true, answering: true });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:8470\/\?token=[A-Za-z0-9_-]+$/);
    expect(await listeners()).toEqual(['0100007F:2116']);
    expect((await sh('stat -c %U:%a /var/lib/patchwell')).trim()).toBe('patchwell:700');
    // The process's real and effective uid, from its status (the /proc/PID folder's owner said root here: a
    // process that is not dumpable, or an empty MainPID, both show root).
    // As root: the VM has no D-Bus, so only root's systemctl reaches systemd (through its private socket).
    const pid = (await sh('sudo systemctl show -p MainPID --value patchwell.service')).trim();
    expect(Number(pid)).toBeGreaterThan(1);
    const uid = (await sh('id -u patchwell')).trim();
    expect((await sh(`grep '^Uid:' /proc/${pid}/status`)).trim().split(/\s+/).slice(1, 3)).toEqual([uid, uid]);
  }, 10 * 60_000);

  it('starts again at boot, by itself, with a new token', async () => {
    const before = (await sh('cat /proc/sys/kernel/random/boot_id')).trim();
    const { url: urlBefore } = JSON.parse(await sh(`sudo ${NODE} ${CLI} --json service status`)) as Status;
    await sh('sudo systemctl reboot || true').catch(() => undefined);
    // The old system may still answer for a moment: wait for the new boot id.
    const until = Date.now() + 15 * 60_000;
    let after = before;
    while (after === before && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5000));
      await waitForSsh(vm.address, Math.max(1000, until - Date.now())).catch(() => undefined);
      after = (await sh('cat /proc/sys/kernel/random/boot_id').catch(() => before)).trim();
    }
    expect(after).not.toBe(before);
    const s = await statusUntilAnswering(5 * 60_000);
    expect(s).toMatchObject({ enabled: true, running: true, answering: true });
    expect(s.url).not.toBe(urlBefore);
    expect(await listeners()).toEqual(['0100007F:2116']);
  }, 25 * 60_000);
});
