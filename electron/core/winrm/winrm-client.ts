/**
 * A WinRM client implementing the core's Remote interface: HTTP 5985 with NTLMv2 and message encryption, or
 * HTTPS 5986 with NTLM or Basic and the server certificate pinned on first use. One keep-alive socket, since
 * NTLM authenticates the connection. exec() runs a program with plain arguments; script() runs a constant
 * PowerShell script with its data passed as JSON (see powershell.ts).
 *
 * Windows closes idle connections (and HTTP.sys may close one after an error), which ends the NTLM context.
 * The session then signs in again on a new connection, and repeats the operation at most once, and only when
 * repeating it is harmless: Create, Receive, Signal and Delete. A Command or stdin that may have reached the
 * server is never sent twice: the caller gets a 'state-unknown' error instead.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import { buildNtlmNegotiate } from '../discovery/ntlm-challenge';
import type { XmlElement } from '../platforms/mini-xml';
import type { ExecOptions, ExecResult, Remote } from '../platforms/remote';
import { decryptBody, encryptBody, ENCRYPTED_CONTENT_TYPE, isEncryptedContentType } from './http-encryption';
import { ChannelBindingError, channelBindingsHash } from './channel-binding';
import { buildAuthenticate } from './ntlm';
import { NtlmSession } from './ntlm-session';
import { powershellArgv } from './powershell';
import { WinrmError } from './winrm-error';
import { ConnectionDrop, PinningAgent, post, type PostTarget, type Reply } from './winrm-transport';
import {
  commandEnvelope, commandIdOf, createShellEnvelope, deleteShellEnvelope, parseReply, receiveEnvelope, receiveOf, sendEnvelope,
  shellIdOf, signalEnvelope, WsmanFault, type EnvelopeOptions,
} from './wsman';

export { WinrmError, type WinrmErrorKind } from './winrm-error';

export interface WinrmTarget { address: string; port?: number; https?: boolean; pinnedCertSha256?: string; ca?: string }
export interface WinrmCredentials { username: string; password: string; domain?: string; auth?: 'ntlm' | 'basic' }

/** A reconnection, for the caller to show or log; `message` is a ready log line. */
export interface WinrmReconnect { count: number; reason: string; at: string; message: string }
export interface WinrmSessionEvents { onReconnect?: (r: WinrmReconnect) => void }
export interface WinrmSessionOptions extends WinrmSessionEvents {
  /**
   * Called with the certificate's SHA-256 when nothing is pinned, before any request is written on the
   * connection; returns what is pinned now (another job may have pinned a different one meanwhile).
   */
  pinFirstCert?: (sha256: string) => string | null;
  /**
   * The most output (stdout and stderr together, in bytes) one command may return; past it the command is
   * stopped and its shell deleted. Each reply is bounded by the transport, but a host can keep replying.
   */
  maxOutputBytes?: number;
}

/** As SSH's per-stream limit; Patchwell's scripts print kilobytes. */
export const DEFAULT_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

type Operation = 'create' | 'command' | 'send' | 'receive' | 'signal' | 'delete';
/** Harmless to send twice: another shell, output asked for again, a repeated signal or delete. */
const REPEATABLE: ReadonlySet<Operation> = new Set(['create', 'receive', 'signal', 'delete']);

const SAFE_ARG = /^[A-Za-z0-9_.,:=+@%\\/-]+$/;

export class WinrmSession implements Remote {
  readonly label: string;
  /** SHA-256 of the server certificate (HTTPS), for the caller to store on first use. */
  certSha256: string | undefined;
  /** How many times the session opened a new connection after one dropped. */
  reconnects = 0;
  /** Why the last reconnection happened, e.g. "receive: socket hang up". */
  lastReconnect: WinrmReconnect | undefined;
  private readonly agent: http.Agent;
  private readonly http: PostTarget;
  private ntlm: NtlmSession | undefined;
  /** The connection the NTLM context belongs to; gone means the next request needs a new sign-in. */
  private authSocket: Socket | undefined;
  private basic: string | undefined;
  /** The pin in force: the target's, or the one set at this session's first contact. */
  private pinned: string | undefined;

  constructor(private readonly target: WinrmTarget, private readonly cred: WinrmCredentials, private readonly timeoutMs = 60_000, private readonly options: WinrmSessionOptions = {}) {
    const port = target.port ?? (target.https ? 5986 : 5985);
    this.label = `${target.address}:${port}`;
    this.pinned = normalSha(target.pinnedCertSha256);
    const url = `${target.https ? 'https' : 'http'}://${target.address.includes(':') ? `[${target.address}]` : target.address}:${port}/wsman`;
    const opts = { keepAlive: true, maxSockets: 1 };
    this.agent = target.https
      ? new PinningAgent({ ...opts, rejectUnauthorized: false, ...(target.ca ? { ca: target.ca } : {}) }, (cert) => this.checkCert(cert))
      : new http.Agent(opts);
    this.http = { url, https: !!target.https, agent: this.agent, timeoutMs, label: this.label };
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
    const base: EnvelopeOptions = { url: this.http.url };
    const shellId = shellIdOf(await this.call('create', createShellEnvelope(base)));
    const o = { ...base, shellId };
    const deadline = Date.now() + (options.timeoutMs ?? this.timeoutMs);
    try {
      const commandId = commandIdOf(await this.call('command', commandEnvelope(o, program, args)));
      if (options.stdin !== undefined) await this.call('send', sendEnvelope(o, commandId, Buffer.from(options.stdin), true));
      const out: Buffer[] = [], err: Buffer[] = [];
      const limit = this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
      let size = 0;
      for (;;) {
        if (Date.now() > deadline) {
          await this.call('signal', signalEnvelope(o, commandId)).catch(() => undefined);
          return { code: null, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), timedOut: true };
        }
        let chunk;
        try {
          chunk = receiveOf(await this.call('receive', receiveEnvelope(o, commandId)), commandId);
        } catch (e) {
          if (e instanceof WsmanFault && e.timedOut) continue; // no output yet: ask again
          throw e;
        }
        size += chunk.stdout.length + chunk.stderr.length;
        if (size > limit) {
          await this.call('signal', signalEnvelope(o, commandId)).catch(() => undefined);
          throw new WinrmError('output-limit',
            `WinRM at ${this.label}: the command's output passed ${limit} bytes (stdout and stderr together), so it was stopped and its shell deleted; ` +
            `the command was ${JSON.stringify(program)}`);
        }
        out.push(chunk.stdout); err.push(chunk.stderr);
        if (chunk.done) {
          await this.call('signal', signalEnvelope(o, commandId)).catch(() => undefined);
          return { code: chunk.exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), timedOut: false };
        }
      }
    } finally {
      await this.call('delete', deleteShellEnvelope(o)).catch(() => undefined);
    }
  }

  close(): void {
    this.agent.destroy();
  }

  /** True while the NTLM-signed-in connection is open; the next operation after it closes signs in again. */
  get connected(): boolean {
    return !!this.ntlm && !!this.authSocket && !this.authSocket.destroyed;
  }

  /** Sends one operation; after a dropped connection, signs in again and repeats it once if that is harmless. */
  private async call(op: Operation, xml: string): Promise<XmlElement> {
    const soap = Buffer.from(xml, 'utf8');
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(soap, attempt > 0);
      } catch (e) {
        if (!(e instanceof ConnectionDrop)) throw e;
        this.forgetConnection();
        if (e.reached === 'maybe' && !REPEATABLE.has(op)) {
          throw new WinrmError('state-unknown',
            `WinRM at ${this.label} closed the connection (${e.reason}) after the ${op === 'command' ? 'command' : 'command\'s input'} was sent: ` +
            'whether it ran is unknown, so it was not sent again. Check the machine before running it again.');
        }
        if (attempt >= 1) {
          throw new WinrmError('connection-lost', `WinRM at ${this.label} closed the connection again (${e.reason}) after signing in anew; ${op} was given up after one retry`);
        }
        this.noteReconnect(`${op}: ${e.reason}`);
      }
    }
  }

  private async attempt(soap: Buffer, reconnecting: boolean): Promise<XmlElement> {
    let reply: Reply;
    if (this.basic) {
      reply = await post(this.http, soap, { Authorization: this.basic, 'Content-Type': 'application/soap+xml;charset=UTF-8' });
    } else {
      if (this.ntlm && (!this.authSocket || this.authSocket.destroyed)) {
        // The server closed the idle connection: nothing was sent on it, so any operation may go on a new one.
        this.forgetConnection();
        this.noteReconnect('the server closed the idle connection');
        reconnecting = true;
      }
      if (!this.ntlm) {
        reply = await this.authenticate(soap, reconnecting);
      } else {
        reply = await post(this.http, this.target.https ? soap : encryptBody(this.ntlm, soap), this.bodyHeaders());
        // A 401 on a signed-in session: the server no longer knows this connection's context (or it is a new
        // connection). It refused the request, so it did not act on it.
        if (reply.status === 401) throw new ConnectionDrop('HTTP 401 on a signed-in connection', 'refused');
      }
    }
    if (reply.status === 401) {
      // Over HTTPS a host with Extended Protection answers the same 401 to a channel binding it rejects, which
      // is what a TLS-inspecting proxy between us and the host causes.
      const hint = this.target.https && !this.basic ? '; or the host rejected the TLS channel binding (a TLS-inspecting proxy in between?)' : '';
      throw new WinrmError('auth-failed', `WinRM at ${this.label} refused the credentials${reconnecting ? ' when signing in again after the connection dropped' : ''} (HTTP 401${hint})`);
    }
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

  /** The NTLM handshake on a fresh connection; its last leg carries the first operation. */
  private async authenticate(soap: Buffer, reconnecting: boolean): Promise<Reply> {
    const negotiate = buildNtlmNegotiate();
    let first: Reply;
    try {
      first = await post(this.http, Buffer.alloc(0), { Authorization: `Negotiate ${negotiate.toString('base64')}` });
    } catch (e) {
      // The NEGOTIATE leg has no body: whatever the drop, the operation has not been sent yet.
      if (e instanceof ConnectionDrop) throw new ConnectionDrop(e.reason, 'no');
      throw e;
    }
    const header = ([] as string[]).concat(first.headers['www-authenticate'] ?? []).map((h) => /^Negotiate ([A-Za-z0-9+/=]+)$/.exec(h.trim())).find(Boolean);
    if (first.status !== 401 || !header) {
      throw new WinrmError('auth-failed', `WinRM at ${this.label} did not offer an NTLM challenge${reconnecting ? ' when signing in again' : ''} (HTTP ${first.status})`);
    }
    const challenge = Buffer.from(header[1]!, 'base64');
    const cred = { username: this.cred.username, password: this.cred.password, domain: this.cred.domain ?? '' };
    const auth = buildAuthenticate(negotiate, challenge, cred, '', this.target.https ? this.channelBindings(first.socket) : undefined);
    this.ntlm = new NtlmSession(auth.exportedSessionKey, true);
    const reply = await post(this.http, this.target.https ? soap : encryptBody(this.ntlm, soap), {
      ...this.bodyHeaders(), Authorization: `Negotiate ${auth.message.toString('base64')}`,
    });
    if (reply.status === 401) this.forgetConnection();
    else this.authSocket = reply.socket;
    return reply;
  }

  /**
   * The MsvAvChannelBindings hash of this connection's certificate, so a host with Extended Protection
   * (CbtHardeningLevel Strict) accepts NTLM over HTTPS, and a TLS interceptor in between cannot relay it.
   */
  private channelBindings(socket: Socket): Buffer {
    const raw = socket instanceof TLSSocket ? socket.getPeerCertificate().raw : undefined;
    if (!raw) throw new WinrmError('protocol', `WinRM at ${this.label}: no server certificate on the connection to bind NTLM to`);
    try {
      return channelBindingsHash(raw);
    } catch (e) {
      if (e instanceof ChannelBindingError) throw new WinrmError('protocol', `WinRM at ${this.label}: cannot bind NTLM to the TLS channel: ${e.message}`);
      throw e;
    }
  }

  private forgetConnection(): void {
    this.ntlm = undefined;
    this.authSocket = undefined;
  }

  private noteReconnect(reason: string): void {
    this.reconnects++;
    this.lastReconnect = {
      count: this.reconnects, reason, at: new Date().toISOString(),
      message: `WinRM at ${this.label}: connection dropped (${reason}); signing in again on a new connection (reconnection ${this.reconnects} in this session)`,
    };
    this.options.onReconnect?.(this.lastReconnect);
  }

  private checkCert(cert: PeerCertificate): Error | undefined {
    if (!cert?.raw) return new WinrmError('protocol', `WinRM at ${this.label} presented no certificate`);
    const seen = crypto.createHash('sha256').update(cert.raw).digest('hex');
    if (!this.pinned && this.options.pinFirstCert) this.pinned = normalSha(this.options.pinFirstCert(seen) ?? seen);
    const pinned = this.pinned;
    if (pinned && pinned !== seen) {
      return new WinrmError('cert-changed', `WinRM at ${this.label} presented certificate SHA-256 ${seen}, but ${pinned} is pinned; refused`, seen);
    }
    this.certSha256 = seen;
    return undefined;
  }
}

function normalSha(sha: string | null | undefined): string | undefined {
  return sha ? sha.toLowerCase().replace(/:/g, '') : undefined;
}
