/**
 * One HTTP(S) POST on the session's keep-alive agent, and the agent that checks the certificate pin before a
 * request is written. A dropped connection is reported as ConnectionDrop so the session can decide whether the
 * operation may be sent again.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tls, { type PeerCertificate } from 'node:tls';
import { WinrmError } from './winrm-error';

const MAX_BODY = 16 * 1024 * 1024;

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

/**
 * An HTTPS agent that hands a socket to a request only after the certificate pin was checked, so no request
 * (and no Basic credential) is written to a server whose certificate changed.
 */
export class PinningAgent extends https.Agent {
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

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The connection the reply came on: NTLM authenticates a connection, not a request. */
  socket: Socket;
}

/**
 * The server closed or reset the connection before answering. `reached` says what the server may have seen:
 * 'no' (nothing that changes state was sent), 'refused' (it answered 401, so it did not act on the request),
 * 'maybe' (the request was written; the server may have acted on it).
 */
export class ConnectionDrop extends Error {
  constructor(readonly reason: string, readonly reached: 'no' | 'refused' | 'maybe') {
    super(reason);
    this.name = 'ConnectionDrop';
  }
}

const DROP_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function asDrop(e: unknown): ConnectionDrop | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as NodeJS.ErrnoException).code;
  if (code && DROP_CODES.has(code)) return new ConnectionDrop(e.message === 'socket hang up' ? 'socket hang up' : code, 'maybe');
  return undefined;
}

export interface PostTarget { url: string; https: boolean; agent: http.Agent; timeoutMs: number; label: string }

export function post(t: PostTarget, body: Buffer, headers: Record<string, string>): Promise<Reply> {
  const mod = t.https ? https : http;
  return new Promise<Reply>((resolve, reject) => {
    const req = mod.request(t.url, { method: 'POST', agent: t.agent, headers: { ...headers, 'Content-Length': String(body.length) }, timeout: t.timeoutMs }, (res) => {
      // Taken now: once the reply has ended, the agent takes the socket back and res.socket is cleared.
      const socket = res.socket;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new WinrmError('protocol', `WinRM reply from ${t.label} is over ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), socket }));
      res.on('error', (e) => reject(asDrop(e) ?? e));
    });
    req.on('timeout', () => req.destroy(new WinrmError('timeout', `WinRM at ${t.label} did not answer in ${t.timeoutMs} ms`)));
    req.on('error', (e) => reject(asDrop(e) ?? e));
    req.end(body);
  });
}
