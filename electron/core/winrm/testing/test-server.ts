/**
 * A WinRM server for tests, on 127.0.0.1:0 over plain HTTP: a real NTLM handshake per connection (the proof is
 * checked against a known password), sealed messages both ways, and WS-Man shell operations whose commands
 * are answered by a callback. Faults and hostile replies are switched on per test.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { parseXml, findAll, type XmlElement } from '../../platforms/mini-xml';
import { decryptBody, encryptBody, ENCRYPTED_CONTENT_TYPE } from '../http-encryption';
import { channelBindingsHash } from '../channel-binding';
import { buildChallenge, verifyAuthenticate, type ChannelBindingPolicy, type Credentials } from '../ntlm';
import { NtlmSession } from '../ntlm-session';

/** 'timed-out-code-only-once': a Receive timeout carrying only the WSManFault code 2150858793, no TimedOut subcode. */
export type Misbehaviour = 'none' | 'timed-out-once' | 'timed-out-code-only-once' | 'access-denied' | 'truncate' | 'wrong-signature' | 'entities' | 'deep-nesting';
/**
 * A command's output; with `chunks`, each Receive returns the next chunk of stdout and the last one ends it;
 * with `endless`, every Receive returns that stdout and the command never ends (a host streaming without end).
 */
export interface CommandReply { stdout: string; stderr?: string; exitCode: number; chunks?: string[]; endless?: string }
export type ShellAction = 'Create' | 'Command' | 'Receive' | 'Signal' | 'Delete';

/**
 * A connection fault at a chosen operation: 'before' closes the connection without acting on the request,
 * 'after' acts on it and closes without replying (the reply is lost), 'reply-then-forget' replies and then
 * forgets the connection's NTLM context, so the next request on it gets a 401. `times` defaults to 1; `skip`
 * lets that many matching requests through first.
 */
export interface DropRule { action: ShellAction; when: 'before' | 'after' | 'reply-then-forget'; times?: number; skip?: number }

const SOAP_NS = 'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"';
const wrap = (body: string): string => `<s:Envelope ${SOAP_NS}><s:Header/><s:Body>${body}</s:Body></s:Envelope>`;
const fault = (sub: string, text: string): string => wrap(`<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>${sub}</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">${text}</s:Text></s:Reason></s:Fault>`);
const local = (n: string): string => n.slice(n.indexOf(':') + 1);
const first = (el: XmlElement, name: string): XmlElement | undefined => findAll(el, name)[0];

const actionOf = (env: XmlElement): string => local(first(env, 'a:Action')?.text.trim() ?? '').split('/').pop() ?? '';

interface Conn { negotiate?: Buffer; challenge?: Buffer; session?: NtlmSession }

export class WinrmTestServer {
  misbehaviour: Misbehaviour = 'none';
  readonly seen: { action: string; program?: string; args?: string[] }[] = [];
  /** Connection faults injected so far, in order. */
  readonly dropped: { action: ShellAction; when: DropRule['when'] }[] = [];
  /** Completed NTLM handshakes (one per connection signed in). */
  handshakes = 0;
  /** Receive replies sent for an `endless` command. */
  endlessReplies = 0;
  private readonly rules: DropRule[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly conns = new WeakMap<Socket, Conn>();
  private readonly server: http.Server;
  private timedOutSent = false;

  private readonly binding: ChannelBindingPolicy | undefined;

  /**
   * With `tls`, HTTPS with Basic or NTLM and plain SOAP bodies (no message encryption), as Windows does on 5986.
   * NTLM's channel binding is checked against the server's certificate as Windows' CbtHardeningLevel does:
   * 'relaxed' (Windows' default) refuses a wrong one, 'strict' also a missing one, 'none' ignores it.
   */
  constructor(private readonly cred: Credentials, private readonly onCommand: (program: string, args: string[]) => CommandReply | Promise<CommandReply>, private readonly tls?: { key: string; cert: string; channelBinding?: 'none' | 'relaxed' | 'strict' }) {
    const level = tls?.channelBinding ?? 'relaxed';
    this.binding = tls && level !== 'none' ? { level, expected: channelBindingsHash(new crypto.X509Certificate(tls.cert).raw) } : undefined;
    this.server = tls ? https.createServer(tls, (req, res) => this.handle(req, res)) : http.createServer((req, res) => this.handle(req, res));
    this.server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Injects a connection fault (see DropRule). */
  dropAt(rule: DropRule): void {
    this.rules.push({ ...rule, times: rule.times ?? 1 });
  }

  /** Closes every connection not serving a request, as Windows does with idle ones; resolves once they are closed. */
  async closeIdle(): Promise<void> {
    const open = [...this.sockets];
    this.server.closeIdleConnections();
    await Promise.all(open.map((s) => (s.destroyed ? undefined : new Promise((r) => s.once('close', r)))));
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const conn = this.conns.get(req.socket) ?? {};
      this.conns.set(req.socket, conn);
      const auth = /^Negotiate (.+)$/.exec(req.headers.authorization ?? '');
      if (auth) {
        const msg = Buffer.from(auth[1]!, 'base64');
        if (msg.readUInt32LE(8) === 1) {
          conn.negotiate = msg;
          conn.challenge = buildChallenge(crypto.randomBytes(8), msg.readUInt32LE(12), 'LAB', 'WIN-TEST');
          res.writeHead(401, { 'WWW-Authenticate': `Negotiate ${conn.challenge.toString('base64')}` }).end();
          return;
        }
        try {
          conn.session = new NtlmSession(verifyAuthenticate(conn.negotiate!, conn.challenge!, msg, this.cred, this.binding), false);
          this.handshakes++;
        } catch {
          res.writeHead(401, { 'WWW-Authenticate': 'Negotiate' }).end();
          return;
        }
      }
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (this.tls && (basic || conn.session)) {
        if (basic && Buffer.from(basic[1]!, 'base64').toString() !== `${this.cred.username}:${this.cred.password}`) {
          res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="WSMAN"' }).end();
          return;
        }
        const soap = Buffer.concat(chunks).toString('utf8');
        const rule = this.ruleFor(soap);
        if (rule?.when === 'before') return void req.socket.destroy();
        const { status, xml } = await this.answer(soap);
        if (rule?.when === 'after') return void req.socket.destroy();
        res.writeHead(status, { 'Content-Type': 'application/soap+xml;charset=UTF-8' }).end(xml);
        if (rule?.when === 'reply-then-forget') conn.session = undefined;
        return;
      }
      if (!conn.session) {
        res.writeHead(401, { 'WWW-Authenticate': 'Negotiate' }).end();
        return;
      }
      const soap = decryptBody(conn.session, Buffer.concat(chunks)).toString('utf8');
      const rule = this.ruleFor(soap);
      if (rule?.when === 'before') return void req.socket.destroy();
      const { status, xml } = await this.answer(soap);
      if (rule?.when === 'after') return void req.socket.destroy();
      let body = encryptBody(conn.session, Buffer.from(xml));
      if (this.misbehaviour === 'truncate') body = body.subarray(0, body.length - 40);
      if (this.misbehaviour === 'wrong-signature') body[body.indexOf('octet-stream\r\n') + 18]! ^= 0xff;
      res.writeHead(status, { 'Content-Type': ENCRYPTED_CONTENT_TYPE, 'Content-Length': body.length }).end(body);
      if (rule?.when === 'reply-then-forget') conn.session = undefined;
    });
  }

  /** The fault rule for this request, if one applies (and counts it). */
  private ruleFor(soap: string): DropRule | undefined {
    const action = actionOf(parseXml(soap));
    const rule = this.rules.find((r) => r.action === action && (r.times ?? 1) > 0);
    if (!rule) return undefined;
    if (rule.skip) {
      rule.skip--;
      return undefined;
    }
    rule.times = (rule.times ?? 1) - 1;
    this.dropped.push({ action: rule.action, when: rule.when });
    return rule;
  }

  private async answer(xml: string): Promise<{ status: number; xml: string }> {
    const env = parseXml(xml);
    const action = actionOf(env);
    if (this.misbehaviour === 'entities') return { status: 200, xml: `<!DOCTYPE s [<!ENTITY x "xxxxxxxx">]>${wrap('&x;')}` };
    if (this.misbehaviour === 'deep-nesting') return { status: 200, xml: wrap('<x>'.repeat(5000) + '</x>'.repeat(5000)) };
    if (this.misbehaviour === 'access-denied') return { status: 500, xml: fault('w:AccessDenied', 'Access is denied.') };
    switch (action) {
      case 'Create':
        this.seen.push({ action });
        return { status: 200, xml: wrap(`<rsp:Shell><rsp:ShellId>${crypto.randomUUID().toUpperCase()}</rsp:ShellId></rsp:Shell>`) };
      case 'Command': {
        const program = first(env, 'rsp:Command')?.text ?? '';
        const args = findAll(env, 'rsp:Arguments').map((a) => a.text);
        this.seen.push({ action, program, args });
        this.pending = this.onCommand(program, args);
        return { status: 200, xml: wrap(`<rsp:CommandResponse><rsp:CommandId>${crypto.randomUUID().toUpperCase()}</rsp:CommandId></rsp:CommandResponse>`) };
      }
      case 'Receive': {
        this.seen.push({ action });
        if (this.misbehaviour === 'timed-out-once' && !this.timedOutSent) {
          this.timedOutSent = true;
          return { status: 500, xml: fault('w:TimedOut', 'The WS-Management service cannot complete the operation within the time specified in OperationTimeout.') };
        }
        if (this.misbehaviour === 'timed-out-code-only-once' && !this.timedOutSent) {
          this.timedOutSent = true;
          return { status: 500, xml: wrap('<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot complete the operation within the time specified in OperationTimeout.</s:Text></s:Reason>' +
            '<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793" Machine="WIN-TEST"/></s:Detail></s:Fault>') };
        }
        const id = first(env, 'rsp:DesiredStream')?.attrs.CommandId ?? '';
        // A command's output is ready when it has finished running (the simulated Windows executes it in PowerShell).
        const p = (await this.pending) ?? { stdout: '', exitCode: 0 };
        const stream = (name: string, text: string): string => `<rsp:Stream Name="${name}" CommandId="${id}">${Buffer.from(text).toString('base64')}</rsp:Stream>`;
        if (p.endless !== undefined) {
          this.endlessReplies++;
          return { status: 200, xml: wrap(`<rsp:ReceiveResponse>${stream('stdout', p.endless)}<rsp:CommandState CommandId="${id}" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"/></rsp:ReceiveResponse>`) };
        }
        if (p.chunks && p.chunks.length > 1) {
          const next = p.chunks.shift()!;
          return { status: 200, xml: wrap(`<rsp:ReceiveResponse>${stream('stdout', next)}<rsp:CommandState CommandId="${id}" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"/></rsp:ReceiveResponse>`) };
        }
        if (p.chunks) p.stdout = p.chunks.shift() ?? '';
        return { status: 200, xml: wrap(`<rsp:ReceiveResponse>${stream('stdout', p.stdout)}${stream('stderr', p.stderr ?? '')}<rsp:CommandState CommandId="${id}" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>${p.exitCode}</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>`) };
      }
      case 'Signal':
        this.seen.push({ action });
        return { status: 200, xml: wrap('<rsp:SignalResponse/>') };
      case 'Delete':
        this.seen.push({ action });
        return { status: 200, xml: wrap('') };
      default:
        return { status: 500, xml: fault('w:ActionNotSupported', `Unknown action ${action}`) };
    }
  }

  private pending: CommandReply | Promise<CommandReply> | undefined;
}
