/**
 * `patchwell`: the same core as the app, from a shell or cron — scan, assess, report, audit verify. Calls go
 * through the core's dispatch (same validation, same audit trail). Progress goes to stderr, results to stdout.
 * It can run while the app is open: SQLite's WAL lets both read and write, and the command line never marks
 * the app's running jobs as interrupted (it does not own the data folder).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobDetail } from '../../shared/contract';
import { createCore, defaultDataDir, type Core } from '../core/core';
import { reportsDir } from '../core/reports/report-files';
import { runHost } from '../host/run';
import { parseArgs, USAGE, UsageError, type Command } from './args';
import { ELECTRON_CLI_SWITCHES } from './cli-mode';
import { service } from './service';
import { realServiceDeps } from './service-deps';
import { UnitError } from './service-unit';

const here = path.dirname(fileURLToPath(import.meta.url));

function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function waitForJob(core: Core, jobId: number): Promise<JobDetail> {
  let last = '';
  const off = core.subscribe((e) => {
    if (e.name !== 'job/updated') return;
    const { job } = e.payload;
    if (job.id !== jobId) return;
    const line = `${job.current}/${job.total}${job.summary ? ` ${job.summary}` : ''}`;
    if (line !== last) err(`  … ${(last = line)}`);
  });
  try {
    await core.services.jobs.idle();
  } finally {
    off();
  }
  return await core.call('jobs/get', { id: jobId });
}

async function run(core: Core, command: Command, json: boolean): Promise<number> {
  const out = (human: string, data: unknown): void => {
    process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
  };
  switch (command.kind) {
    case 'help':
      out(USAGE, { usage: USAGE });
      return 0;
    case 'serve':
    case 'service':
      throw new Error(`${command.kind} runs without opening the data folder here`);
    case 'audit-verify': {
      const v = await core.call('audit/verify', undefined);
      out(v.ok ? `audit trail intact: ${v.rows} entries, head ${v.head}` : `audit trail BROKEN at entry ${v.firstBrokenId}: ${v.reason}`, v);
      return v.ok ? 0 : 3;
    }
    case 'export-ansible': {
      const r = await core.call('ansible/export', {});
      const dir = path.resolve(command.out);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'patchwell-inventory.yml'), r.inventory);
      fs.writeFileSync(path.join(dir, 'patchwell-approved.yml'), r.playbook);
      out(
        `wrote ${path.join(dir, 'patchwell-inventory.yml')} (${r.machines} machines) and ${path.join(dir, 'patchwell-approved.yml')} (${r.approved} approved versions)`,
        { folder: dir, machines: r.machines, approved: r.approved },
      );
      return 0;
    }
    case 'scan': {
      const { jobId } = await core.call('discovery/start', {
        include: command.targets, exclude: command.exclude, extraPorts: command.ports, confirmLarge: command.confirmLarge,
      });
      err(`scanning ${command.targets}`);
      const job = await waitForJob(core, jobId);
      const { results } = await core.call('discovery/results', { jobId });
      out(
        results.map((r) => `${r.address}\t${r.change}\tports ${r.openPorts.join(',') || '-'}\t${r.osGuess?.distro ?? r.osGuess?.family ?? ''}`).join('\n') || 'no machine answered',
        { job: { state: job.state, summary: job.summary }, results },
      );
      return job.state === 'succeeded' || job.state === 'partial' ? 0 : 1;
    }
    case 'assess': {
      const hosts = await core.call('machines/list', undefined);
      const chosen = command.addresses.length ? hosts.filter((h) => command.addresses.includes(h.address)) : hosts;
      const unknown = command.addresses.filter((a) => !hosts.some((h) => h.address === a));
      if (unknown.length) throw new UsageError(`not in the inventory: ${unknown.join(', ')} (add them in the app, or scan and add)`);
      const passphrase = process.env.PATCHWELL_PASSPHRASE;
      if (passphrase) await core.call('vault/unlock', { passphrase }).catch(() => undefined);
      const { jobId } = await core.call('assess/start', { ids: chosen.map((h) => h.id), allowFirstContact: command.allowFirstContact, ...(command.refresh === null ? {} : { refresh: command.refresh }) });
      err(`assessing ${chosen.length} machine${chosen.length === 1 ? '' : 's'}`);
      const job = await waitForJob(core, jobId);
      const after = (await core.call('machines/list', undefined)).filter((h) => chosen.some((c) => c.id === h.id));
      out(
        [
          ...after.map((h) => {
            const t = job.targets.find((x) => x.hostId === h.id);
            return `${h.address}\t${t?.state ?? '?'}\t${h.pendingCount} pending, ${h.securityCount} security${t?.failure ? `\t${t.failure.message}` : ''}`;
          }),
          job.summary ?? '',
        ].join('\n'),
        { job: { state: job.state, summary: job.summary, targets: job.targets }, hosts: after.map((h) => ({ address: h.address, pending: h.pendingCount, security: h.securityCount })) },
      );
      return job.state === 'succeeded' ? 0 : 1;
    }
    case 'report': {
      const { jobId } = await core.call('reports/generate', { period: { from: command.from, to: command.to }, ...(command.title ? { title: command.title } : {}) });
      err('writing the report');
      const job = await waitForJob(core, jobId);
      if (job.state === 'failed') {
        err(job.error ?? 'the report failed');
        return 1;
      }
      const report = (await core.call('reports/list', undefined))[0]!;
      const dir = path.join(reportsDir(core.services.dataDir), report.id);
      let where = dir;
      if (command.out) {
        where = path.resolve(command.out);
        fs.mkdirSync(where, { recursive: true });
        for (const f of [...report.files.map((x) => x.name), 'manifest.json']) fs.copyFileSync(path.join(dir, f), path.join(where, f));
      }
      out(
        `report ${report.id} in ${where}\n  files: ${report.files.map((f) => f.name).join(', ')}\n  data SHA-256 ${report.dataHash}\n  audit head ${report.auditHead}${report.pdfError ? `\n  no PDF: ${report.pdfError}` : ''}`,
        { ...report, folder: where },
      );
      return 0;
    }
  }
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      err(`patchwell: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (parsed.command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dataDir = parsed.home ? path.resolve(parsed.home) : defaultDataDir();
  const { command } = parsed;
  if (command.kind === 'serve') {
    await runHost({ dataDir, port: command.port, resourcesDir: path.resolve(here, '../../resources'), rendererDir: path.resolve(here, '../renderer') });
    return new Promise<number>(() => undefined); // serves until SIGINT/SIGTERM (runHost exits then)
  }
  if (command.kind === 'service') {
    // In the packaged app this file runs inside its Electron binary (main/index.ts); the service starts that again.
    const hostCommand = process.versions.electron
      ? [process.execPath, ...ELECTRON_CLI_SWITCHES, 'serve']
      : [process.execPath, path.resolve(here, '../host/index.mjs')];
    try {
      const r = await service(
        { action: command.action, dataDir: command.dataDir && path.resolve(command.dataDir), port: command.port, user: command.user },
        realServiceDeps(hostCommand, defaultDataDir()),
      );
      process.stdout.write(parsed.json ? `${JSON.stringify(r.data, null, 2)}\n` : `${r.lines.join('\n')}\n`);
      return r.code;
    } catch (e) {
      err(`patchwell: ${e instanceof Error ? e.message : String(e)}`);
      return e instanceof UnitError ? 2 : 1;
    }
  }
  const core = createCore({ dataDir, runtime: 'browser', owner: false, scheduler: false, resourcesDir: path.resolve(here, '../../resources') });
  try {
    return await run(core, parsed.command, parsed.json);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`patchwell: ${e.message}`);
      return 2;
    }
    err(`patchwell: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await core.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`patchwell: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
