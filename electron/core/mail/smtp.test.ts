import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MailSettings } from '../../../shared/contract';
import { sendMail } from './smtp';
import { closedPort, loopbackMailSettings, makeLoopbackCert, startTestSmtp, type TestCert, type TestSmtp } from './testing/smtp-test-server';

const PASSWORD = 'smtp-Pa55-w0rd-never-shown';
const mail = { subject: 'Hello', text: 'Plain body', html: '<p>HTML body</p>' };

let cert: TestCert;
const servers: TestSmtp[] = [];
beforeAll(() => {
  cert = makeLoopbackCert();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => vi.restoreAllMocks());

async function server(options: Parameters<typeof startTestSmtp>[0]): Promise<TestSmtp> {
  const s = await startTestSmtp(options);
  servers.push(s);
  return s;
}

function settings(port: number, patch: Partial<MailSettings> = {}): MailSettings {
  return loopbackMailSettings(port, cert, patch);
}

describe('sendMail against a real SMTP server', () => {
  it('upgrades with STARTTLS, checks the pinned certificate, signs in, and delivers text and HTML', async () => {
    const s = await server({ tls: 'starttls', cert, user: 'patchwell', password: PASSWORD });
    const result = await sendMail(settings(s.port), PASSWORD, mail);
    expect(result.accepted).toEqual(['admin@office.test']);
    expect(result.response).toMatch(/^250 /);
    const got = await s.next();
    expect(got).toMatchObject({ secure: true, user: 'patchwell', from: 'patchwell@office.test', to: ['admin@office.test'], subject: 'Hello' });
    expect(got.text.trim()).toBe('Plain body');
    expect(got.html).toContain('<p>HTML body</p>');
  });

  it('speaks implicit TLS', async () => {
    const s = await server({ tls: 'implicit', cert, user: 'patchwell', password: PASSWORD });
    await sendMail(settings(s.port, { security: 'tls' }), PASSWORD, mail);
    expect((await s.next()).secure).toBe(true);
  });

  it('says which security to choose when TLS meets a STARTTLS port', async () => {
    const s = await server({ tls: 'starttls', cert, user: 'patchwell', password: PASSWORD });
    await expect(sendMail(settings(s.port, { security: 'tls' }), PASSWORD, mail)).rejects.toThrow(/did not answer with TLS: choose STARTTLS/);
  });

  it('refuses a certificate it was not told to trust: the public authorities do not vouch for a self-signed one', async () => {
    const s = await server({ tls: 'starttls', cert, user: 'patchwell', password: PASSWORD });
    await expect(sendMail(settings(s.port, { trustedCert: null }), PASSWORD, mail)).rejects.toThrow(/certificate of 127\.0\.0\.1:\d+ is not trusted/);
    const other = makeLoopbackCert();
    await expect(sendMail(settings(s.port, { trustedCert: other.cert }), PASSWORD, mail)).rejects.toThrow(/not trusted/);
    expect(s.received).toHaveLength(0);
    expect(s.auths).toHaveLength(0);
  });

  it('sends no password to a server that does not offer STARTTLS when it is required', async () => {
    const s = await server({ tls: 'none', user: 'patchwell', password: PASSWORD });
    await expect(sendMail(settings(s.port), PASSWORD, mail)).rejects.toThrow(/encryption|STARTTLS/i);
    expect(s.auths).toHaveLength(0);
    expect(s.received).toHaveLength(0);
  });

  it('sends in clear to a loopback server when told to (testing only)', async () => {
    const s = await server({ tls: 'none' });
    await sendMail(settings(s.port, { security: 'none', username: null, trustedCert: null }), undefined, mail);
    expect((await s.next()).secure).toBe(false);
  });

  it('says the server refused the sign-in, without the password, and logs nothing', async () => {
    const log = vi.spyOn(console, 'log');
    const error = vi.spyOn(console, 'error');
    const s = await server({ tls: 'starttls', cert, user: 'patchwell', password: 'the-right-one' });
    const err = await sendMail(settings(s.port), PASSWORD, mail).then(
      () => new Error('sent anyway'),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(/refused to sign in patchwell: check the user name and password/);
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    expect(JSON.stringify(err)).not.toContain(PASSWORD);
    expect(s.auths).toEqual([{ user: 'patchwell', ok: false }]);
    for (const spy of [log, error]) expect(JSON.stringify(spy.mock.calls)).not.toContain(PASSWORD);
  });

  it('says plainly when nothing answers', async () => {
    const port = await closedPort();
    await expect(sendMail(settings(port), PASSWORD, mail)).rejects.toThrow(`Could not connect to 127.0.0.1:${port}: connection refused`);
  });

  it('refuses to sign in without a stored password rather than trying an empty one', async () => {
    const s = await server({ tls: 'starttls', cert, user: 'patchwell', password: PASSWORD });
    await expect(sendMail(settings(s.port), undefined, mail)).rejects.toThrow(/no password is stored/);
    expect(s.auths).toHaveLength(0);
  });
});
