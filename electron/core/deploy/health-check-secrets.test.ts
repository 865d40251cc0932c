/**
 * A health check's command or URL may hold a password. It never reaches the job log, a job's error, the audit
 * trail or a report: each of those writes through shared/redact.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { createCore, type Core } from '../core';
import { openDatabase } from '../db/open';
import { insertJob, insertLogLine, listLogLines, getJob, updateJob } from '../jobs/job-queries';
import { FakeRemote } from '../platforms/fake-remote';
import { collectReport } from '../reports/report-data';
import { runHealthCheck } from './remote-checks';

const SECRETS = ['Adm1n-pw', 'u-secret', 'Bearer-tok', 'q-token'];
const COMMAND = "curl -fsS -u admin:Adm1n-pw -H 'Authorization: Bearer Bearer-tok' https://svc:u-secret@127.0.0.1:8443/health?token=q-token";

function expectNoSecret(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

describe('health-check credentials', () => {
  it('are hidden in the problem a failed command check reports, output included', async () => {
    // curl -v echoes the header and the URL on stderr: both reach the message's tail.
    const host = new FakeRemote().on(['sh', '-c', COMMAND], {
      code: 22,
      stderr: `> Authorization: Bearer Bearer-tok\ncurl: (22) The requested URL returned error: 503 for https://svc:u-secret@127.0.0.1:8443/health?token=q-token\n`,
    });
    const problem = await runHealthCheck(host, { kind: 'command', command: COMMAND });
    expect(problem).toMatch(/^Health check failed \(exit 22\): curl -fsS -u admin:\*\*\* /);
    expectNoSecret(problem!);
  });

  it('are hidden in the problem an HTTP check reports', async () => {
    const url = 'https://svc:u-secret@127.0.0.1:8443/health?token=q-token';
    const refused = await runHealthCheck(new FakeRemote(), { kind: 'http', url }, () => Promise.reject(new Error(`fetch ${url} failed`)));
    expect(refused).toContain('https://svc:***@127.0.0.1:8443/health?token=***');
    expectNoSecret(refused!);
    const status = await runHealthCheck(new FakeRemote(), { kind: 'http', url }, () => Promise.resolve(new Response(null, { status: 503 })));
    expect(status).toBe('Health check https://svc:***@127.0.0.1:8443/health?token=*** answered HTTP 503');
  });

  it('go to the server of an HTTP check as Basic authorization, since fetch refuses them in the URL', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const fetchImpl = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      seen.push({ url: String(input), auth: new Headers(init?.headers).get('authorization') });
      return Promise.resolve(new Response(null, { status: 204 }));
    };
    expect(await runHealthCheck(new FakeRemote(), { kind: 'http', url: 'https://svc:u%40secret@127.0.0.1:8443/health' }, fetchImpl)).toBeNull();
    expect(await runHealthCheck(new FakeRemote(), { kind: 'http', url: 'http://127.0.0.1:8080/healthz' }, fetchImpl)).toBeNull();
    expect(seen).toEqual([
      { url: 'https://127.0.0.1:8443/health', auth: `Basic ${Buffer.from('svc:u@secret').toString('base64')}` },
      { url: 'http://127.0.0.1:8080/healthz', auth: null },
    ]);
  });

  it('are hidden in the audit trail when the setting is saved, and the chain still verifies', async () => {
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-redact-')), runtime: 'browser', checkResults: true, throttleMs: 20 });
    const host = (await core.call('machines/create', { address: '127.0.0.9' })) as { id: number };
    await core.call('deploy/set-settings', { ids: [host.id], patch: { healthCheck: { kind: 'command', command: COMMAND } } });
    const audit = (await core.call('audit/list', {})) as AuditEntry[];
    const saved = audit.find((a) => a.action === 'deploy.settings');
    expect(JSON.stringify(saved?.details)).toContain('-u admin:***');
    expectNoSecret(JSON.stringify(audit));
    expect(await core.call('audit/verify', undefined)).toMatchObject({ ok: true });
    // The setting itself keeps the real command: the check has to run with it.
    const [settings] = (await core.call('deploy/settings', { ids: [host.id] })) as { healthCheck: { command: string } }[];
    expect(settings!.healthCheck.command).toBe(COMMAND);
  });

  it('are hidden in job log lines and job errors', () => {
    const db = openDatabase(':memory:');
    const job = insertJob(db, 'deploy', 'Deploy', null);
    const line = insertLogLine(db, job, 'error', `Health check failed (exit 22): ${COMMAND}`, 'host:1');
    expectNoSecret(line.message);
    expectNoSecret(listLogLines(db, job, 0)[0]!.message);
    updateJob(db, job, { state: 'failed', error: `Health check failed: ${COMMAND}` });
    expectNoSecret(getJob(db, job)!.error!);
  });

  it('are hidden in a report, even in audit rows written before the trail hid them', () => {
    const db = openDatabase(':memory:');
    appendAudit(db, { actor: 'user', action: 'deploy.settings', targetType: 'host', targetId: 1, details: { note: 'clean' } }, 1000);
    // A row from an older version, written with the password in it (bypassing appendAudit's redaction).
    const last = db.prepare('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { hash: string };
    db.prepare(`INSERT INTO audit_log (id, ts, actor, action, target_type, target_id, details, prev_hash, hash) VALUES (2, 1001, 'user', 'deploy.settings', 'host', '1', ?, ?, ?)`)
      .run(JSON.stringify({ healthCheck: { kind: 'command', command: COMMAND } }), last.hash, 'f'.repeat(64));
    const report = collectReport(db, { from: 0, to: 2000 }, { now: 2000 });
    expectNoSecret(JSON.stringify(report.audit));
    expect(JSON.parse(report.audit[1]!.details)).toEqual({ healthCheck: { kind: 'command', command: expect.stringContaining('-u admin:***') } });
  });
});
