/**
 * One mail through the office's SMTP server, with nodemailer. Certificates are checked as for any TLS client;
 * a pinned certificate replaces the public authorities for this server only (never a global switch). A failure
 * comes back as an AppError in plain words with the password taken out of everything it quotes.
 */
import { X509Certificate } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { AppError, type MailSendResult, type MailSettings } from '../../../shared/contract';
import { REDACTED, redactSecrets } from '../../../shared/redact';

export interface OutgoingMail {
  subject: string;
  text: string;
  html: string;
}

/** Why a pinned certificate is refused, or null when it parses as a certificate. */
export function certificateProblem(pem: string): string | null {
  try {
    new X509Certificate(pem);
    return null;
  } catch {
    return 'Not a PEM certificate (-----BEGIN CERTIFICATE-----)';
  }
}

// Patchwell is waiting on this: short enough that a wrong host or port is said within a minute, not two.
const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 };

function transportOptions(m: MailSettings, password: string | undefined) {
  const tls = {
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2' as const,
    ...(m.trustedCert ? { ca: [m.trustedCert] } : {}),
  };
  const security =
    m.security === 'tls'
      ? { secure: true, tls }
      : m.security === 'starttls'
        ? // requireTLS: a server that does not offer STARTTLS (or an attacker stripping it) gets no password and no mail.
          { secure: false, requireTLS: true, tls }
        : { secure: false, ignoreTLS: true };
  return {
    host: m.host.replace(/^\[(.*)\]$/, '$1'),
    port: m.port,
    ...security,
    ...(m.username ? { auth: { user: m.username, pass: password ?? '' } } : {}),
    ...TIMEOUTS,
    // nodemailer's own logging would write the SMTP exchange, AUTH included: never.
    logger: false,
    debug: false,
  };
}

/** Sends one mail; resolves with the server's answer. */
export async function sendMail(m: MailSettings, password: string | undefined, mail: OutgoingMail, to: readonly string[] = m.to): Promise<MailSendResult> {
  if (m.username && !password) throw new AppError('bad-request', 'A user name is set but no password is stored: give the SMTP password in Settings → E-mail');
  const transport = createTransport(transportOptions(m, password));
  try {
    const info = await transport.sendMail({ from: m.from, to: [...to], subject: mail.subject, text: mail.text, html: mail.html });
    const addr = (a: string | { address: string }): string => (typeof a === 'string' ? a : a.address);
    return { response: hide(String(info.response), password), accepted: info.accepted.map(addr), rejected: info.rejected.map(addr) };
  } catch (err) {
    throw new AppError('unavailable', explain(err, m, password));
  } finally {
    transport.close();
  }
}

/** Takes the password out of a text however it got there, then anything else that looks like a credential. */
function hide(text: string, password: string | undefined): string {
  let out = text;
  if (password) {
    for (const form of [password, Buffer.from(password, 'utf8').toString('base64')]) out = out.split(form).join(REDACTED);
  }
  return redactSecrets(out);
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

function explain(err: unknown, m: MailSettings, password: string | undefined): string {
  const e: SmtpError = err && typeof err === 'object' ? (err as SmtpError) : { message: String(err) };
  const where = `${m.host}:${m.port}`;
  const said = e.response ? ` The server said: ${e.response}` : '';
  const detail = e.message ?? '';
  let text: string;
  if (/certificate|self.signed|unable to verify|altname|CERT_|DEPTH_ZERO/i.test(detail)) {
    text = `The certificate of ${where} is not trusted (${detail}). If it is the office's own, paste it under "Trust this certificate".`;
  } else if (/wrong version number|unknown protocol|packet length too long/i.test(detail)) {
    text = `${where} did not answer with TLS: choose STARTTLS for this port (TLS is usually port 465, STARTTLS port 587).`;
  } else if (/ECONNREFUSED/.test(detail)) {
    text = `Could not connect to ${where}: connection refused (is it the right host and port?).`;
  } else if (/ENOTFOUND|EAI_AGAIN/.test(detail) || e.code === 'EDNS') {
    text = `Could not find the server ${m.host} (name lookup failed).`;
  } else if (e.code === 'ETIMEDOUT' || /timed? ?out/i.test(detail)) {
    text = `No answer from ${where} in time (timed out).`;
  } else if (e.code === 'EAUTH') {
    text = `The server refused to sign in ${m.username ?? ''}: check the user name and password.${said}`;
  } else if (e.code === 'ENOAUTH') {
    text = 'The server wants a user name and password: give them in Settings → E-mail.';
  } else if (e.code === 'ETLS' || /STARTTLS/i.test(detail)) {
    text = `Could not start encryption with ${where}: ${detail}. Check the port and security setting (STARTTLS is usually port 587, TLS port 465).`;
  } else if (e.code === 'EENVELOPE') {
    text = `The server refused the sender or the recipients.${said || ` ${detail}`}`;
  } else if (e.code === 'ECONNECTION' || e.code === 'ESOCKET') {
    text = `The connection to ${where} failed: ${detail}`;
  } else {
    text = `Sending through ${where} failed: ${detail}${said}`;
  }
  return hide(text, password);
}
