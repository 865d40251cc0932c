/**
 * The headless host: the core and the built renderer served on 127.0.0.1 over http, with the contract over
 * a WebSocket. Guarded by a token made at each start and by Host and Origin checks (see guard.ts).
 *
 * Cookies ignore ports: one set for 127.0.0.1 goes to every server on 127.0.0.1, so a plain session cookie
 * could be harvested by any other local server the browser talks to. The session cookie is therefore scoped
 * to a path made at each start (/p/<instance>/, where the app is served; the renderer's URLs are relative),
 * which no other server knows, so the browser sends it nowhere else; its name carries the same instance,
 * and its value is the token bound to this port (sessionCookieValue), so it opens no other host.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { requestMessage, toWireError, type ResponseMessage } from '../../shared/contract';
import type { Core } from '../core/core';
import { isAllowedHost, isAllowedOrigin, readCookie, sessionCookieValue, tokenMatches } from './guard';
import { contentSecurityPolicy } from './csp';

export interface HostOptions {
  core: Core;
  /** Folder with the built renderer (index.html and assets). */
  rendererDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Fixed token for tests; a fresh random one otherwise. */
  token?: string;
}

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  /** Where the app is served for this start ("/p/<instance>/"), and the only path its cookie is sent to. */
  basePath: string;
  /** This start's session cookie name ("pw_<instance>"). */
  cookieName: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  // Per start, random even when the token is fixed: the cookie's name and the only path it is sent to.
  const instance = randomBytes(16).toString('hex');
  const basePath = `/p/${instance}/`;
  const cookieName = `pw_${instance}`;
  const rendererDir = path.resolve(options.rendererDir);
  let port = options.port;
  const hasSession = (cookieHeader: string | undefined): boolean =>
    tokenMatches(readCookie(cookieHeader, cookieName), sessionCookieValue(token, port));

  const securityHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });

  const deny = (res: http.ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(message);
  };

  const server = http.createServer((req, res) => {
    if (!isAllowedHost(req.headers.host, port)) return deny(res, 403, 'Forbidden: unexpected Host header');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed');
    // A GET carries an Origin only when fetched by a script; a script from another site is refused.
    if (!isAllowedOrigin(req.headers.origin, port, true)) return deny(res, 403, 'Forbidden: cross-origin request');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return deny(res, 400, 'Bad request');
    }
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null) {
      if (!tokenMatches(queryToken, token)) return deny(res, 401, 'This link has expired: open the URL that `npm run serve` printed.');
      // Trade the token in the URL for a cookie the page's scripts cannot read, sent only under this start's
      // path, and drop the token from the address bar.
      res.writeHead(303, {
        ...securityHeaders(),
        'Set-Cookie': `${cookieName}=${sessionCookieValue(token, port)}; HttpOnly; SameSite=Strict; Path=${basePath}`,
        Location: basePath,
        'Cache-Control': 'no-store',
      });
      return res.end();
    }
    if (!url.pathname.startsWith(basePath) || !hasSession(req.headers.cookie)) {
      return deny(res, 401, 'Unauthorized: open the URL that `npm run serve` printed (it carries the access token).');
    }
    serveStatic(url.pathname.slice(basePath.length - 1), res);
  });

  const serveStatic = (pathname: string, res: http.ServerResponse): void => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return deny(res, 400, 'Bad request');
    }
    const rel = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
    const file = path.resolve(rendererDir, rel);
    // Never serve outside the renderer folder, whatever the path says.
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) return deny(res, 404, 'Not found');
    fs.stat(file, (err, st) => {
      const target = !err && st.isFile() ? file : path.extname(rel) === '' ? path.join(rendererDir, 'index.html') : null;
      if (!target) return deny(res, 404, 'Not found');
      const type = MIME[path.extname(target)] ?? 'application/octet-stream';
      res.writeHead(200, {
        ...securityHeaders(),
        'Content-Type': type,
        'Cache-Control': target.endsWith('.html') ? 'no-store' : 'max-age=3600',
      });
      fs.createReadStream(target).pipe(res);
    });
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  const sockets = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!isAllowedHost(req.headers.host, port)) return reject(403, 'Forbidden');
    // Browsers always send Origin on a WebSocket handshake; non-browser clients must claim ours.
    if (!isAllowedOrigin(req.headers.origin, port, false)) return reject(403, 'Forbidden');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return reject(400, 'Bad Request');
    }
    // The app connects at <basePath>ws with its cookie; other clients at /ws with the token in the query.
    const allowed = url.pathname === `${basePath}ws` ? hasSession(req.headers.cookie)
      : url.pathname === '/ws' ? tokenMatches(url.searchParams.get('token'), token)
        : null;
    if (allowed === null) return reject(404, 'Not Found');
    if (!allowed) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  const unsubscribe = options.core.subscribe((event) => {
    const text = JSON.stringify({ type: 'event', name: event.name, payload: event.payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  const onConnection = (ws: WebSocket): void => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'Text frames only');
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return ws.close(1007, 'Malformed JSON');
      }
      const parsed = requestMessage.safeParse(msg);
      if (!parsed.success) return ws.close(1008, 'Malformed request');
      const { id, name, arg } = parsed.data;
      options.core.callFromWire(name, arg).then(
        (value) => send(ws, { type: 'result', id, ok: true, value }),
        (err: unknown) => send(ws, { type: 'result', id, ok: false, error: toWireError(err) }),
      );
    });
  };

  const send = (ws: WebSocket, msg: ResponseMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('The host did not get a TCP port');
  port = addr.port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    basePath,
    cookieName,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
