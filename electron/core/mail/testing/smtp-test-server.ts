/**
 * A real SMTP server for tests (the smtp-server package) on 127.0.0.1 and an ephemeral port: STARTTLS or
 * implicit TLS with a self-signed certificate made by openssl for this run, AUTH checked against a user and
 * password, and every message kept raw and decoded (text, HTML) so a test reads what a mail client would.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { MailSettings } from '../../../../shared/contract';

export { closedPort } from '../../testing/core-harness';

export interface TestCert {
  key: string;
  cert: string;
}

/** A self-signed certificate for 127.0.0.1, valid for 100 years from today (so no test depends on the date). */
export function makeLoopbackCert(): TestCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-smtp-cert-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '36500', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'pipe' });
  const out = { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as it arrived, headers and MIME parts, transfer-encoded. */
  raw: string;
  subject: string;
  text: string;
  html: string;
  /** Whether it came over TLS (STARTTLS or implicit). */
  secure: boolean;
  /** The user it signed in as, or null. */
  user: string | null;
}

export interface TestSmtp {
  port: number;
  received: ReceivedMail[];
  /** Every AUTH attempt: user and whether it was accepted (never the password). */
  auths: { user: string; ok: boolean }[];
  /** Resolves with the next message (or one already received and not yet taken). */
  next(): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startTestSmtp(options: { tls: 'starttls' | 'implicit' | 'none'; cert?: TestCert; user?: string; password?: string }): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const auths: TestSmtp['auths'] = [];
  let taken = 0;
  const waiting: ((m: ReceivedMail) => void)[] = [];
  const server = new SMTPServer({
    secure: options.tls === 'implicit',
    ...(options.cert ? { key: options.cert.key, cert: options.cert.cert } : {}),
    ...(options.tls === 'none' ? { disabledCommands: ['STARTTLS'], allowInsecureAuth: true } : {}),
    authOptional: options.user === undefined,
    logger: false,
    onAuth(auth, _session, cb) {
      const ok = auth.username === options.user && auth.password === options.password;
      auths.push({ user: auth.username ?? '', ok });
      if (ok) cb(null, { user: auth.username });
      else cb(new Error('535 5.7.8 Authentication credentials invalid'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail: ReceivedMail = {
          ...parseMime(raw),
          raw,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : null,
        };
        received.push(mail);
        const w = waiting.shift();
        if (w) {
          taken++;
          w(mail);
        }
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    auths,
    next: () =>
      new Promise<ReceivedMail>((resolve) => {
        if (taken < received.length) resolve(received[taken++]!);
        else waiting.push(resolve);
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Mail settings that send through a test server on 127.0.0.1 with STARTTLS, trusting its certificate; the digest
 * is off unless `patch` turns it on.
 */
export function loopbackMailSettings(port: number, cert: TestCert, patch: Partial<MailSettings> = {}): MailSettings {
  return {
    enabled: true,
    host: '127.0.0.1',
    port,
    security: 'starttls',
    username: 'patchwell',
    from: 'patchwell@office.test',
    to: ['admin@office.test'],
    events: { deployFinished: true, failure: true, reboot: true, kev: true },
    digest: { enabled: false, timeOfDay: '07:00' },
    trustedCert: cert.cert,
    ...patch,
  };
}

function splitHead(part: string): { headers: Map<string, string>; body: string } {
  const at = part.indexOf('\r\n\r\n');
  const head = at < 0 ? part : part.slice(0, at);
  const body = at < 0 ? '' : part.slice(at + 4);
  const headers = new Map<string, string>();
  // Folded header lines continue with white space: unfold before splitting.
  for (const line of head.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const cte = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    // As %-escapes, so decodeURIComponent reads the =XX bytes as UTF-8; a literal "%" is escaped first.
    return decodeURIComponent(body.replace(/%/g, '%25').replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, '%$1'));
  }
  return body;
}

/** Just enough MIME for the mails Patchwell sends: one part, or multipart/alternative with text and HTML. */
function parseMime(raw: string): { subject: string; text: string; html: string } {
  const { headers, body } = splitHead(raw);
  const subject = headers.get('subject') ?? '';
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  let text = '';
  let html = '';
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [raw];
  for (const p of parts) {
    const part = splitHead(p.replace(/^\r\n/, ''));
    const ct = part.headers.get('content-type') ?? 'text/plain';
    const content = decodeBody(part.headers, part.body.replace(/\r\n$/, ''));
    if (ct.startsWith('text/html')) html = content;
    else if (ct.startsWith('text/plain')) text = content;
  }
  return { subject, text: text.replace(/\r\n/g, '\n'), html };
}
