import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError, type EventPayload, type MailSettings } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { openDatabase, type Db } from '../db/open';
import { EventBus } from '../event-bus';
import { insertHost } from '../machines/machine-queries';
import { Vault } from '../vault/vault';
import { saveMailSettings } from './mail-settings';
import { DIGEST_RETRY_MS, runMailDigestIfDue, startMail } from './mail-runner';
import { closedPort, loopbackMailSettings, makeLoopbackCert, startTestSmtp, type TestCert, type TestSmtp } from './testing/smtp-test-server';

const PASSWORD = 'Vault-sealed-SMTP-pa55word';
const HOSTILE = '<b>files01</b>';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Local times: the digest's time of day is read on the local clock, so the test holds in any time zone.
const at = (d: number, h: number, m = 0): number => new Date(2026, 11, d, h, m).getTime();

let cert: TestCert;
const open: { close(): Promise<void> | void }[] = [];
const consoleCalls: unknown[] = [];
beforeAll(() => {
  cert = makeLoopbackCert();
  // Whatever the mailer might print, the test reads afterwards: the password must not be in it.
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void consoleCalls.push(args));
  }
});
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});
afterAll(() => {
  vi.restoreAllMocks();
  expect(JSON.stringify(consoleCalls)).not.toContain(PASSWORD);
});

async function smtp(): Promise<TestSmtp> {
  const s = await startTestSmtp({ tls: 'starttls', cert, user: 'patchwell', password: PASSWORD });
  open.push(s);
  return s;
}

function mailSettings(port: number, patch: Partial<MailSettings> = {}): MailSettings {
  return loopbackMailSettings(port, cert, { digest: { enabled: true, timeOfDay: '07:00' }, ...patch });
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pw-mail-'));
}

/** Everything Patchwell wrote down: the audit trail and the settings rows. */
function written(db: Db): string {
  return JSON.stringify([db.prepare('SELECT * FROM audit_log').all(), db.prepare('SELECT * FROM settings').all()]);
}

describe('e-mail through the core’s calls', () => {
  let core: Core;
  beforeAll(() => {
    core = createCore({ dataDir: tempDir(), runtime: 'browser', checkResults: true, scheduler: false });
  });
  afterAll(async () => core.close());

  it('keeps the password in the vault, sends a test mail signed in with it, and writes it nowhere else', async () => {
    const s = await smtp();
    const state = await core.call('mail/save-settings', { settings: mailSettings(s.port), password: PASSWORD });
    expect(state).toMatchObject({ hasPassword: true, settings: { host: '127.0.0.1', port: s.port } });
    expect(JSON.stringify(state)).not.toContain(PASSWORD);
    expect(JSON.stringify(await core.call('mail/get-settings'))).not.toContain(PASSWORD);

    const result = await core.call('mail/send-test');
    expect(result.accepted).toEqual(['admin@office.test']);
    expect(result.response).toMatch(/^250 /);
    const got = await s.next();
    expect(got).toMatchObject({ secure: true, user: 'patchwell', subject: 'Patchwell: test mail' });
    expect(got.text).toContain('This is a test from Patchwell');
    expect(got.raw).not.toContain(PASSWORD);

    const db = core.services.db;
    const audit = db.prepare(`SELECT actor, action, details FROM audit_log WHERE action LIKE 'mail.%' ORDER BY id`).all() as { actor: string; action: string; details: string }[];
    expect(audit.map((a) => a.action)).toEqual(['mail.settings', 'mail.sent']);
    expect(JSON.parse(audit[1]!.details)).toMatchObject({ to: ['admin@office.test'], subject: 'Patchwell: test mail', kind: 'test' });
    expect(audit[1]!.details).not.toContain('This is a test');
    expect(written(db)).not.toContain(PASSWORD);
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(fs.readFileSync(path.join(core.services.dataDir, 'patchwell.db')).includes(Buffer.from(PASSWORD))).toBe(false);
  });

  it('keeps the stored password when saved without one, and refuses a user name with none', async () => {
    const s = await smtp();
    await core.call('mail/save-settings', { settings: mailSettings(s.port), password: PASSWORD });
    await core.call('mail/save-settings', { settings: mailSettings(s.port, { to: ['ops@office.test'] }) });
    await core.call('mail/send-test');
    expect((await s.next()).to).toEqual(['ops@office.test']);
    await expect(core.call('mail/save-settings', { settings: mailSettings(s.port), clearPassword: true })).rejects.toMatchObject({ fields: { password: expect.any(String) } });
  });

  it('refuses sending in clear to anything but this computer, and a certificate that is not one', async () => {
    await expect(core.call('mail/save-settings', { settings: mailSettings(25, { host: 'mail.office.test', security: 'none' }) })).rejects.toThrow(/Without encryption only to a server on this computer/);
    await expect(core.call('mail/save-settings', { settings: mailSettings(25, { trustedCert: 'not a cert' }), password: PASSWORD })).rejects.toMatchObject({
      fields: { trustedCert: expect.stringMatching(/PEM/) },
    });
    await expect(core.call('mail/save-settings', { settings: { ...mailSettings(25), to: ['admin@office.test\r\nBcc: x@evil.test'] } })).rejects.toBeInstanceOf(AppError);
  });

  it('says clearly why a test mail could not go, and audits the failure without the password', async () => {
    const port = await closedPort();
    await core.call('mail/save-settings', { settings: mailSettings(port), password: PASSWORD });
    await expect(core.call('mail/send-test')).rejects.toThrow(`Could not connect to 127.0.0.1:${port}: connection refused`);
    const last = core.services.db.prepare(`SELECT details FROM audit_log WHERE action = 'mail.failed' ORDER BY id DESC LIMIT 1`).get() as { details: string };
    expect(JSON.parse(last.details)).toMatchObject({ kind: 'test', error: expect.stringMatching(/connection refused/) });
    expect(written(core.services.db)).not.toContain(PASSWORD);
  });
});

/** A fleet with a night's work: two machines patched (one version failed), one needing a reboot, a KEV finding. */
function seedFleet(db: Db, now: number): { web: number; files: number; nas: number } {
  const web = insertHost(db, { address: '127.0.0.11', displayName: 'web01' }).id;
  const files = insertHost(db, { address: '127.0.0.12', displayName: HOSTILE }).id;
  const nas = insertHost(db, { address: '127.0.0.13', displayName: 'nas' }).id;
  db.prepare(`UPDATE hosts SET reboot_required = 1, reboot_reasons = '["linux-image-6.1.0-28"]' WHERE id = ?`).run(web);
  db.prepare(`UPDATE hosts SET last_error = ?, reachability = 'down' WHERE id = ?`).run(JSON.stringify({ command: null, exitCode: null, stderrTail: '', message: 'connection timed out' }), nas);
  // Approved in the afternoon before the last digest, deployed in the night after it.
  const created = now - 15 * HOUR;
  db.prepare(`INSERT INTO deployments (id, state, created_by, created_at, started_at, finished_at, title) VALUES (7, 'partial', 'user', ?, ?, ?, 'Nightly updates')`).run(created, now - 5 * HOUR, now - 4 * HOUR);
  const target = db.prepare(`INSERT INTO deployment_targets (deployment_id, host_id, ring, state, step, failure, updated_at) VALUES (7, ?, 1, ?, ?, ?, ?)`);
  target.run(web, 'succeeded', 'done', null, now);
  target.run(files, 'rolled-back', 'verify', JSON.stringify({ command: null, exitCode: 1, stderrTail: '', message: 'service nginx no longer ran; health check curl -u admin:hc-secret-9 failed' }), now);
  const item = db.prepare(`INSERT INTO deployment_items (deployment_id, host_id, package, from_version, to_version, result_version, state) VALUES (7, ?, ?, ?, ?, ?, ?)`);
  item.run(web, 'openssl', '3.0.11-1~deb12u1', '3.0.15-1~deb12u1', '3.0.15-1~deb12u1', 'installed');
  item.run(web, 'curl', '7.88.1-10', '7.88.1-10+deb12u8', '7.88.1-10+deb12u8', 'installed');
  item.run(files, 'nginx', '1.22.1-9', '1.22.1-9+deb12u1', '1.22.1-9', 'rolled-back');
  // A deployment that finished before the last digest is not told again.
  db.prepare(`INSERT INTO deployments (id, state, created_by, created_at, finished_at, title) VALUES (3, 'succeeded', 'user', ?, ?, 'Old one')`).run(now - 3 * DAY, now - 3 * DAY);
  db.prepare(`INSERT INTO approvals (host_id, package, to_version, approved_by, approved_at) VALUES (?, 'bash', '5.2.15-2+b7', 'user', ?)`).run(files, now - HOUR);
  db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES ('CVE-2021-44228', 'Apache', 'Log4j', 'Log4Shell', '2021-12-10', NULL, 1)`).run();
  const upd = Number(
    db.prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, is_security, detected_at) VALUES (?, 'liblog4j2-java', '2.14.0-1', '2.17.1-1', 1, ?)`).run(files, now - 2 * HOUR).lastInsertRowid,
  );
  db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, 'CVE-2021-44228', 'changelog')`).run(upd);
  db.prepare(`INSERT INTO assessments (host_id, state, started_at, finished_at, error) VALUES (?, 'failed', ?, ?, ?)`).run(nas, now - 3 * HOUR, now - 3 * HOUR, JSON.stringify({ message: 'connection timed out' }));
  return { web, files, nas };
}

function mailServices(): { db: Db; vault: Vault; events: EventBus } {
  const dir = tempDir();
  const db = openDatabase(path.join(dir, 'p.db'));
  open.push({ close: () => void db.close() });
  return { db, vault: new Vault(db, dir), events: new EventBus() };
}

describe('the morning digest', () => {
  it('says what was patched (machines, versions, outcome), what failed, what needs attention and the new KEV exposure', async () => {
    const s = await smtp();
    const svc = mailServices();
    const lastDigest = at(3, 7, 0);
    const now = at(4, 7, 0);
    saveMailSettings(svc.db, svc.vault, { settings: mailSettings(s.port), password: PASSWORD }, lastDigest);
    seedFleet(svc.db, now);

    expect(await runMailDigestIfDue(svc, at(4, 6, 59))).toBe(false);
    expect(await runMailDigestIfDue(svc, now)).toBe(true);
    const got = await s.next();
    expect(got.user).toBe('patchwell');
    expect(got.subject).toBe('Patchwell digest: 1 machine patched, 2 failed, 3 to look at, 1 new known-exploited');
    const text = got.text;
    expect(text).toContain('Deployment #7 "Nightly updates": partial');
    expect(text).toContain('web01: openssl 3.0.11-1~deb12u1 → 3.0.15-1~deb12u1: installed');
    expect(text).toContain('web01: curl 7.88.1-10 → 7.88.1-10+deb12u8: installed');
    expect(text).toContain(`${HOSTILE}: nginx 1.22.1-9 → 1.22.1-9+deb12u1: rolled back`);
    expect(text).not.toContain('Old one');
    expect(text).toMatch(/FAILED\n {2}- Deployment #7: <b>files01<\/b>: nginx .*rolled back \(service nginx no longer ran; .*\)\n {2}- Assessment of nas failed: connection timed out/);
    expect(text).toContain('web01 needs a reboot (linux-image-6.1.0-28)');
    expect(text).toContain('nas: did not answer the last check; last assessment failed: connection timed out');
    expect(text).toContain('1 approved version on 1 machine waiting to be deployed');
    expect(text).toContain(`New: ${HOSTILE}: liblog4j2-java 2.14.0-1 → 2.17.1-1 fixes CVE-2021-44228`);
    expect(text).toContain('Open in all: 1 finding on 1 machine');
    // The HTML says the same with every value escaped, and holds nothing that acts.
    expect(got.html).toContain('&lt;b&gt;files01&lt;/b&gt;: nginx');
    expect(got.html).not.toContain(HOSTILE);
    expect(got.html).not.toMatch(/<a\b|href=|<script|<img|<form/i);
    expect(got.raw).not.toContain(PASSWORD);
    // A credential quoted in a failure message (a health-check command) is hidden as in logs and the audit trail.
    expect(text).toContain('curl -u admin:*** failed');
    expect(got.raw).not.toContain('hc-secret-9');

    const audit = svc.db.prepare(`SELECT actor, details FROM audit_log WHERE action = 'mail.sent'`).all() as { actor: string; details: string }[];
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ kind: 'digest', to: ['admin@office.test'], subject: got.subject });
    expect(audit[0]!.details).not.toContain('openssl');

    // Sent: not again until tomorrow's 07:00; then the KEV finding is no longer new and deployment 7 is not repeated.
    expect(await runMailDigestIfDue(svc, at(4, 12, 0))).toBe(false);
    expect(await runMailDigestIfDue(svc, at(5, 7, 0))).toBe(true);
    const next = await s.next();
    expect(next.text).toContain('No deployment finished.');
    expect(next.text).not.toContain('New:');
    expect(next.text).toContain('Open in all: 1 finding on 1 machine');
    expect(written(svc.db)).not.toContain(PASSWORD);
  });

  it('records a digest that could not be sent, and tries again after a while rather than every minute', async () => {
    const svc = mailServices();
    const port = await closedPort();
    saveMailSettings(svc.db, svc.vault, { settings: mailSettings(port), password: PASSWORD }, at(3, 7, 0));
    expect(await runMailDigestIfDue(svc, at(4, 7, 0))).toBe(false);
    const state = JSON.stringify(svc.db.prepare(`SELECT value FROM settings WHERE key = 'mail.memory'`).get());
    expect(state).toMatch(/connection refused/);
    expect(await runMailDigestIfDue(svc, at(4, 7, 1))).toBe(false);
    expect((svc.db.prepare(`SELECT count(*) AS n FROM audit_log WHERE action = 'mail.failed'`).get() as { n: number }).n).toBe(1);

    const s = await smtp();
    saveMailSettings(svc.db, svc.vault, { settings: mailSettings(s.port) }, at(4, 7, 2));
    expect(await runMailDigestIfDue(svc, at(4, 7, 0) + DIGEST_RETRY_MS - 1)).toBe(false);
    expect(await runMailDigestIfDue(svc, at(4, 7, 0) + DIGEST_RETRY_MS)).toBe(true);
    expect((await s.next()).subject).toMatch(/^Patchwell digest/);
  });

  it('is sent by the runner’s own tick once due', async () => {
    const s = await smtp();
    const svc = mailServices();
    saveMailSettings(svc.db, svc.vault, { settings: mailSettings(s.port), password: PASSWORD }, at(3, 7, 0));
    const runner = startMail(svc, { now: () => at(4, 7, 0), everyMs: 20 });
    open.push({ close: () => runner.stop() });
    expect((await s.next()).subject).toMatch(/^Patchwell digest: 0 machines patched/);
  });

  it('says the vault is locked when it cannot read the password, and sends nothing', async () => {
    const s = await smtp();
    const dir = tempDir();
    const db = openDatabase(path.join(dir, 'p.db'));
    open.push({ close: () => void db.close() });
    const vault = new Vault(db, dir);
    saveMailSettings(db, vault, { settings: mailSettings(s.port), password: PASSWORD }, at(3, 7, 0));
    await vault.setPassphrase('a long office passphrase');
    const locked = new Vault(db, dir);
    expect(await runMailDigestIfDue({ db, vault: locked }, at(4, 7, 0))).toBe(false);
    expect(JSON.stringify(db.prepare(`SELECT value FROM settings WHERE key = 'mail.memory'`).get())).toMatch(/The vault is locked/);
    expect(s.auths).toHaveLength(0);
    expect(s.received).toHaveLength(0);
  }, 60_000);

  it('sends nothing while e-mail or the digest is off', async () => {
    const s = await smtp();
    const svc = mailServices();
    saveMailSettings(svc.db, svc.vault, { settings: mailSettings(s.port, { digest: { enabled: false, timeOfDay: '07:00' } }), password: PASSWORD }, at(3, 7, 0));
    expect(await runMailDigestIfDue(svc, at(4, 7, 0))).toBe(false);
    saveMailSettings(svc.db, svc.vault, { settings: mailSettings(s.port, { enabled: false }) }, at(3, 8, 0));
    expect(await runMailDigestIfDue(svc, at(5, 7, 0))).toBe(false);
    expect(s.received).toHaveLength(0);
  });
});

describe('mails on events', () => {
  const finished = (patch: Partial<EventPayload<'deploy/finished'>['counts']> = {}, state: EventPayload<'deploy/finished'>['state'] = 'partial'): EventPayload<'deploy/finished'> => ({
    deploymentId: 7,
    kind: 'deploy',
    state,
    counts: { succeeded: 1, failed: 0, 'rolled-back': 1, 'rollback-failed': 0, skipped: 0, cancelled: 0, ...patch },
  });

  it('mails a finished deployment with its versions and outcome, then machines newly needing a reboot and new KEV findings', async () => {
    const s = await smtp();
    const svc = mailServices();
    const now = at(4, 7, 0);
    saveMailSettings(svc.db, svc.vault, { settings: mailSettings(s.port), password: PASSWORD }, now - DAY);
    const { files } = seedFleet(svc.db, now);
    const runner = startMail(svc, { now: () => now, everyMs: 3_600_000 });
    open.push({ close: () => runner.stop() });

    // The first look takes what is already open as known: no reboot or KEV mail for it.
    svc.events.emit('deploy/finished', finished());
    await runner.idle();
    expect(s.received.map((m) => m.subject)).toEqual(['Patchwell: Deployment #7 failed on 1 machine']);
    const dep = s.received[0]!;
    expect(dep.text).toContain('web01: openssl 3.0.11-1~deb12u1 → 3.0.15-1~deb12u1: installed');
    expect(dep.text).toMatch(/WHAT FAILED\n {2}- <b>files01<\/b>: nginx 1\.22\.1-9 → 1\.22\.1-9\+deb12u1: rolled back \(service nginx no longer ran; health check curl -u admin:\*\*\* failed\)/);
    expect(dep.raw).not.toContain('hc-secret-9');
    expect(dep.html).not.toContain(HOSTILE);

    // Then the nas needs a reboot, and a feed puts a CVE of an open update on the KEV list.
    svc.db.prepare(`UPDATE hosts SET reboot_required = 1, reboot_reasons = '["systemd"]' WHERE address = '127.0.0.13'`).run();
    const upd = Number(
      svc.db.prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, detected_at) VALUES (?, 'exim4', '4.96-15', '4.96-15+deb12u6', ?)`).run(files, now).lastInsertRowid,
    );
    svc.db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, 'CVE-2023-42115', 'changelog')`).run(upd);
    svc.events.emit('assess/finished', { jobId: 1, hostIds: [files], counts: { ok: 1, failed: 0, busy: 0 } });
    await runner.idle();
    expect(s.received.slice(1).map((m) => m.subject)).toEqual(['Patchwell: 1 machine needs a reboot']);
    expect(s.received[1]!.text).toContain('nas (systemd)');
    expect(s.received[1]!.text).not.toContain('web01');

    svc.db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES ('CVE-2023-42115', 'Exim', 'Exim', 'Exim OOB write', '2023-10-01', NULL, 0)`).run();
    svc.events.emit('inventory/changed', { hostIds: [], reason: 'feeds' });
    await runner.idle();
    expect(s.received.slice(2).map((m) => m.subject)).toEqual(['Patchwell: 1 new known-exploited finding']);
    expect(s.received[2]!.text).toContain(`${HOSTILE}: exim4 4.96-15 → 4.96-15+deb12u6 fixes CVE-2023-42115`);
    expect(s.received[2]!.text).not.toContain('liblog4j2');

    // Nothing new: nothing sent.
    svc.events.emit('inventory/changed', { hostIds: [], reason: 'feeds' });
    await runner.idle();
    expect(s.received).toHaveLength(3);
    const kinds = (svc.db.prepare(`SELECT details FROM audit_log WHERE action = 'mail.sent' ORDER BY id`).all() as { details: string }[]).map((r) => (JSON.parse(r.details) as { kind: string }).kind);
    expect(kinds).toEqual(['failure', 'reboot', 'kev']);
    expect(JSON.stringify(s.received.map((m) => m.raw))).not.toContain(PASSWORD);
    expect(written(svc.db)).not.toContain(PASSWORD);
  });

  it('follows the switches: failures only, and a failed assessment names the machine and why', async () => {
    const s = await smtp();
    const svc = mailServices();
    const now = at(4, 7, 0);
    const events = { deployFinished: false, failure: true, reboot: false, kev: false };
    saveMailSettings(svc.db, svc.vault, { settings: mailSettings(s.port, { events }), password: PASSWORD }, now - DAY);
    const { nas } = seedFleet(svc.db, now);
    svc.db.prepare(`UPDATE assessments SET job_id = NULL`).run();
    svc.db.prepare(`INSERT INTO jobs (id, kind, title, state, created_at) VALUES (42, 'assess', 'Assess', 'partial', ?)`).run(now);
    svc.db.prepare(`INSERT INTO assessments (host_id, job_id, state, started_at, finished_at, error) VALUES (?, 42, 'failed', ?, ?, ?)`).run(nas, now, now, JSON.stringify({ message: 'sudo: a password is required' }));
    const runner = startMail(svc, { now: () => now, everyMs: 3_600_000 });
    open.push({ close: () => runner.stop() });

    svc.events.emit('deploy/finished', finished({ 'rolled-back': 0, succeeded: 2 }, 'succeeded'));
    svc.events.emit('assess/finished', { jobId: 42, hostIds: [nas], counts: { ok: 0, failed: 1, busy: 0 } });
    await runner.idle();
    expect(s.received.map((m) => m.subject)).toEqual(['Patchwell: assessment failed on 1 machine']);
    expect(s.received[0]!.text).toContain('nas: sudo: a password is required');
  });

  it('sends nothing on events while e-mail is off', async () => {
    const s = await smtp();
    const svc = mailServices();
    saveMailSettings(svc.db, svc.vault, { settings: mailSettings(s.port, { enabled: false }), password: PASSWORD }, at(3, 7, 0));
    seedFleet(svc.db, at(4, 7, 0));
    const runner = startMail(svc, { now: () => at(4, 7, 0), everyMs: 3_600_000 });
    open.push({ close: () => runner.stop() });
    svc.events.emit('deploy/finished', finished());
    await runner.idle();
    expect(s.received).toHaveLength(0);
  });
});
