/**
 * A WinRM client implementing the core's Remote interface: HTTP 5985 with NTLMv2 and message encryption, or
 * HTTPS 5986 with NTLM or Basic and the server certificate pinned on first use. One keep-alive socket, since
 * NTLM authenticates the connection. exec() runs a program with plain arguments; script() runs a constant
 * PowerShell script with its data passed as JSON (see powershell.ts).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls, { type PeerCertificate } from 'node:tls';
import { buildNtlmNegotiate } from '../discovery/ntlm-challenge';
import type { ExecOptions, ExecResult, Remote } from '../platforms/remote';
import { decryptBody, encryptBody, ENCRYPTED_CONTENT_TYPE, isEncryptedContentType } from './http-encryption';
import { buildAuthenticate } from './ntlm';
import { NtlmSession } from './ntlm-session';
import { powershellArgv } from './powershell';
import {
  commandEnvelope, commandIdOf, createShellEnvelope, deleteShellEnvelope, parseReply, receiveEnvelope, receiveOf, sendEnvelope,
  shellIdOf, signalEnvelope, WsmanFault, type EnvelopeOptions,
} from './wsman';

export interface WinrmTarget { address: string; port?: number; https?: boolean; pinnedCertSha256?: string; ca?: string }
export interface WinrmCredentials { username: string; password: string; domain?: string; auth?: 'ntlm' | 'basic' }

export class WinrmError extends Error {
  constructor(readonly kind: 'auth-failed' | 'cert-changed' | 'http' | 'timeout' | 'protocol', message: string) {
    super(message);
    this.name = 'WinrmError';
  }
}

const SAFE_ARG = /^[A-Za-z0-9_.,:=+@%\\/-]+$/;
const MAX_BODY = 16 * 1024 * 1024;

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

/**
 * An HTTPS agent that hands a socket to a request only after the certificate pin was checked, so no request
 * (and no Basic credential) is written to a server whose certificate changed.
 */
class PinningAgent extends https.Agent {
  constructor(options: https.AgentOptions, private readonly check: (cert: PeerCertificate) => Error | undefined) {
    super(options);
  }
  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): undefined {
    if (!callback) throw new Error('PinningAgent needs a connection callback');
    const socket = tls.connect(options as tls.ConnectionOptions);
    const onError = (e: Error): void => callback(e, socket);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      const err = this.check(socket.getPeerCertificate());
      if (err) {
        socket.destroy();
        callback(err, socket);
      } else {
        callback(null, socket);
      }
    });
    return undefined;
  }
}

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

export class WinrmSession implements Remote {
  readonly label: string;
  /** SHA-256 of the server certificate (HTTPS), for the caller to store on first use. */
  certSha256: string | undefined;
  private readonly agent: http.Agent;
  private readonly url: string;
  private ntlm: NtlmSession | undefined;
  private basic: string | undefined;

  constructor(private readonly target: WinrmTarget, private readonly cred: WinrmCredentials, private readonly timeoutMs = 60_000) {
    const port = target.port ?? (target.https ? 5986 : 5985);
    this.label = `${target.address}:${port}`;
    this.url = `${target.https ? 'https' : 'http'}://${target.address.includes(':') ? `[${target.address}]` : target.address}:${port}/wsman`;
    const opts = { keepAlive: true, maxSockets: 1 };
    this.agent = target.https
      ? new PinningAgent({ ...opts, rejectUnauthorized: false, ...(target.ca ? { ca: target.ca } : {}) }, (cert) => this.checkCert(cert))
      : new http.Agent(opts);
    if ((cred.auth ?? 'ntlm') === 'basic') {
      if (!target.https) throw new WinrmError('auth-failed', 'Basic authentication is only allowed over HTTPS');
      this.basic = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
    }
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new Error('Empty command');
    if (options.sudo || options.env) throw new Error('WinRM commands run as the connecting user; sudo and env are not supported');
    const bad = argv.find((a) => !SAFE_ARG.test(a));
    if (bad !== undefined) throw new Error(`WinRM exec() takes plain arguments only (${JSON.stringify(bad.slice(0, 40))}); pass data through script()`);
    return this.run(argv[0]!, argv.slice(1), options);
  }

  async script(text: string, args: readonly string[] = [], options: ExecOptions = {}): Promise<ExecResult> {
    const [program, ...rest] = powershellArgv(text, args);
    return this.run(program!, rest, options);
  }

  private async run(program: string, args: string[], options: ExecOptions): Promise<ExecResult> {
    const base: EnvelopeOptions = { url: this.url };
    const shellId = shellIdOf(await this.call(createShellEnvelope(base)));
    const o = { ...base, shellId };
    const deadline = Date.now() + (options.timeoutMs ?? this.timeoutMs);
    try {
      const commandId = commandIdOf(await this.call(commandEnvelope(o, program, args)));
      if (options.stdin !== undefined) await this.call(sendEnvelope(o, commandId, Buffer.from(options.stdin), true));
      const out: Buffer[] = [], err: Buffer[] = [];
      for (;;) {
        if (Date.now() > deadline) {
          await this.call(signalEnvelope(o, commandId)).catch(() => undefined);
          return { code: null, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), timedOut: true };
        }
        let chunk;
        try {
          chunk = receiveOf(await this.call(receiveEnvelope(o, commandId)), commandId);
        } catch (e) {
          if (e instanceof WsmanFault && e.timedOut) continue; // no output yet: ask again
          throw e;
        }
        out.push(chunk.stdout); err.push(chunk.stderr);
        if (chunk.done) {
          await this.call(signalEnvelope(o, commandId)).catch(() => undefined);
          return { code: chunk.exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), timedOut: false };
        }
      }
    } finally {
      await this.call(deleteShellEnvelope(o)).catch(() => undefined);
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private async call(xml: string): Promise<ReturnType<typeof parseReply>> {
    const soap = Buffer.from(xml, 'utf8');
    let reply: Reply;
    if (this.basic) {
      reply = await this.post(soap, { Authorization: this.basic, 'Content-Type': 'application/soap+xml;charset=UTF-8' });
    } else if (!this.ntlm) {
      reply = await this.authenticate(soap);
    } else {
      reply = await this.post(this.target.https ? soap : encryptBody(this.ntlm, soap), this.bodyHeaders());
    }
    if (reply.status === 401) throw new WinrmError('auth-failed', `WinRM at ${this.label} refused the credentials (HTTP 401)`);
    let body = reply.body;
    if (this.ntlm && !this.target.https) {
      if (!isEncryptedContentType(reply.headers['content-type'])) {
        throw new WinrmError('protocol', `WinRM at ${this.label} answered HTTP ${reply.status} without encryption`);
      }
      body = decryptBody(this.ntlm, body);
    }
    if (reply.status !== 200 && reply.status !== 500) throw new WinrmError('http', `WinRM at ${this.label} answered HTTP ${reply.status}`);
    return parseReply(body.toString('utf8'));
  }

  private bodyHeaders(): Record<string, string> {
    return { 'Content-Type': this.target.https ? 'application/soap+xml;charset=UTF-8' : ENCRYPTED_CONTENT_TYPE };
  }

  private async authenticate(soap: Buffer): Promise<Reply> {
    const negotiate = buildNtlmNegotiate();
    const first = await this.post(Buffer.alloc(0), { Authorization: `Negotiate ${negotiate.toString('base64')}` });
    const header = ([] as string[]).concat(first.headers['www-authenticate'] ?? []).map((h) => /^Negotiate ([A-Za-z0-9+/=]+)$/.exec(h.trim())).find(Boolean);
    if (first.status !== 401 || !header) throw new WinrmError('auth-failed', `WinRM at ${this.label} did not offer an NTLM challenge (HTTP ${first.status})`);
    const challenge = Buffer.from(header[1]!, 'base64');
    const auth = buildAuthenticate(negotiate, challenge, { username: this.cred.username, password: this.cred.password, domain: this.cred.domain ?? '' });
    this.ntlm = new NtlmSession(auth.exportedSessionKey, true);
    return this.post(this.target.https ? soap : encryptBody(this.ntlm, soap), {
      ...this.bodyHeaders(), Authorization: `Negotiate ${auth.message.toString('base64')}`,
    });
  }

  private post(body: Buffer, headers: Record<string, string>): Promise<Reply> {
    const mod = this.target.https ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(this.url, { method: 'POST', agent: this.agent, headers: { ...headers, 'Content-Length': String(body.length) }, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new WinrmError('protocol', `WinRM reply from ${this.label} is over ${MAX_BODY} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new WinrmError('timeout', `WinRM at ${this.label} did not answer in ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  private checkCert(cert: PeerCertificate): Error | undefined {
    if (!cert?.raw) return new WinrmError('protocol', `WinRM at ${this.label} presented no certificate`);
    const seen = crypto.createHash('sha256').update(cert.raw).digest('hex');
    const pinned = this.target.pinnedCertSha256?.toLowerCase().replace(/:/g, '');
    if (pinned && pinned !== seen) {
      return new WinrmError('cert-changed', `WinRM at ${this.label} presented certificate SHA-256 ${seen}, but ${pinned} is pinned; refused`);
    }
    this.certSha256 = seen;
    return undefined;
  }
}
