import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCore, type Core } from '../core/core';
import { sessionCookieValue } from './guard';
import { startHost, type RunningHost } from './server';

let core: Core;
let host: RunningHost;
let origin: string;

beforeAll(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-host-'));
  const rendererDir = path.join(root, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Patchwell</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'do not serve');
  core = createCore({ dataDir: path.join(root, 'data'), runtime: 'browser' });
  host = await startHost({ core, rendererDir, port: 0 });
  origin = `http://127.0.0.1:${host.port}`;
});

afterAll(async () => {
  await host.close();
  await core.close();
});

function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: pathname, headers, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const cookie = (): string => `${host.cookieName}=${sessionCookieValue(host.token, host.port)}`;

/** The app's socket (under this start's path, with the cookie), or with `query`, the token-in-query one at /ws. */
function openWs(headers: Record<string, string>, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${query ? '/' : host.basePath}ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, name: string, arg?: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const msg = JSON.parse(data.toString()) as { type: string; id?: number };
      if (msg.type === 'result' && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'call', id, name, arg }));
  });
}

describe('headless host over http', () => {
  it('refuses a request without the token', async () => {
    const res = await get('/');
    expect(res.status).toBe(401);
    expect(res.body).toMatch(/npm run serve/);
    expect((await get('/assets/app.js')).status).toBe(401);
    expect((await get(`${host.basePath}assets/app.js`)).status).toBe(401);
  });

  it('trades the token in the URL for an HttpOnly, SameSite cookie and strips it from the address', async () => {
    const res = await get(`/?token=${host.token}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(host.basePath);
    expect(host.basePath).toMatch(/^\/p\/[0-9a-f]{32}\/$/);
    expect(res.headers['set-cookie']).toEqual([`${cookie()}; HttpOnly; SameSite=Strict; Path=${host.basePath}`]);
    expect((await get('/?token=wrong')).status).toBe(401);
  });

  it('serves the app under its path with a strict CSP once authorised, and nothing outside it', async () => {
    expect((await get('/', { Cookie: cookie() })).status).toBe(401);
    expect((await get(`${host.basePath}assets/app.js`, { Cookie: cookie() })).body).toBe('console.log(1)');
    const res = await get(host.basePath, { Cookie: cookie() });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>Patchwell</title>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    expect((await get(host.basePath, { Cookie: cookie(), Host: `rebind.example:${host.port}` })).status).toBe(403);
  });

  it('refuses a cross-origin script request even with the cookie', async () => {
    expect((await get(host.basePath, { Cookie: cookie(), Origin: 'http://evil.example' })).status).toBe(403);
  });

  it('never serves files outside the renderer folder', async () => {
    for (const p of ['../secret.txt', '%2e%2e/secret.txt', 'assets/..%2f..%2f..%2f..%2fsecret.txt', '%2e%2e%5c..%5c..%5csecret.txt', '%ff']) {
      const res = await get(`${host.basePath}${p}`, { Cookie: cookie() });
      expect(res.body).not.toContain('do not serve');
    }
  });
});

describe('the session cookie', () => {
  /** Another server on 127.0.0.1, as a browser would also talk to: it records every Cookie header it gets. */
  async function otherLocalServer(): Promise<{ port: number; cookies: string[]; close: () => Promise<void> }> {
    const cookies: string[] = [];
    const server = http.createServer((req, res) => {
      if (req.headers.cookie) cookies.push(req.headers.cookie);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as { port: number };
    return { port, cookies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('is never sent by a browser to another server on 127.0.0.1, whatever path it asks for', async () => {
    // jsdom's cookie jar (tough-cookie) applies RFC 6265 as browsers do: domain and path matter, the port does not.
    const jar = new JSDOM('').cookieJar;
    const login = await get(`/?token=${host.token}`);
    for (const c of login.headers['set-cookie'] ?? []) jar.setCookieSync(c, `${origin}/?token=${host.token}`);
    expect(jar.getCookieStringSync(`${origin}${host.basePath}ws`)).toBe(cookie());

    const other = await otherLocalServer();
    try {
      for (const p of ['/', '/ws', '/p/', '/p/0123/ws', '/assets/app.js', `/?token=${host.token}`]) {
        const url = `http://127.0.0.1:${other.port}${p}`;
        const sent = jar.getCookieStringSync(url);
        expect(sent, url).toBe('');
        const res = await fetch(url, sent ? { headers: { Cookie: sent } } : {});
        await res.text();
      }
      expect(other.cookies).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('opens only the host that set it: a cookie from another start or port is refused', async () => {
    const second = await startHost({ core, rendererDir: path.join(os.tmpdir(), 'pw-host-none'), port: 0, token: host.token });
    try {
      // Same token, yet a different instance and port: neither name nor value carries over.
      expect(second.cookieName).not.toBe(host.cookieName);
      expect((await fetch(`http://127.0.0.1:${second.port}${second.basePath}`, { headers: { Cookie: cookie() } })).status).toBe(401);
      const renamed = `${second.cookieName}=${sessionCookieValue(host.token, host.port)}`;
      expect((await fetch(`http://127.0.0.1:${second.port}${second.basePath}`, { headers: { Cookie: renamed } })).status).toBe(401);
      // The raw token is not a session cookie either.
      expect((await get(host.basePath, { Cookie: `${host.cookieName}=${host.token}` })).status).toBe(401);
    } finally {
      await second.close();
    }
  });
});

describe('headless host over WebSocket', () => {
  it('answers calls from its own origin with the token', async () => {
    const ws = await openWs({ Origin: origin, Cookie: cookie() });
    expect(await call(ws, 1, 'machines/list')).toEqual({ type: 'result', id: 1, ok: true, value: [] });
    expect(await call(ws, 2, 'machines/nope')).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await call(ws, 3, 'machines/create', { address: '' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    ws.close();
  });

  it('pushes events to connected clients', async () => {
    const ws = await openWs({ Origin: origin }, `?token=${host.token}`);
    const event = new Promise((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { type: string };
        if (m.type === 'event') resolve(m);
      });
    });
    await call(ws, 1, 'machines/create', { address: '127.0.0.77' });
    expect(await event).toMatchObject({ type: 'event', name: 'inventory/changed' });
    ws.close();
  });

  it('refuses a handshake without the token, from another origin, or with no origin', async () => {
    await expect(openWs({ Origin: origin })).rejects.toThrow('HTTP 401');
    await expect(openWs({ Origin: 'http://evil.example', Cookie: cookie() })).rejects.toThrow('HTTP 403');
    await expect(openWs({ Cookie: cookie() })).rejects.toThrow('HTTP 403');
    await expect(openWs({ Origin: origin, Cookie: cookie(), Host: `evil.example:${host.port}` })).rejects.toThrow('HTTP 403');
  });

  it('closes the socket on malformed frames', async () => {
    const ws = await openWs({ Origin: origin, Cookie: cookie() });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{not json');
    expect(await closed).toBe(1007);
    const ws2 = await openWs({ Origin: origin, Cookie: cookie() });
    const closed2 = new Promise<number>((resolve) => ws2.once('close', (code) => resolve(code)));
    ws2.send(JSON.stringify({ type: 'call', id: 'x', name: 5 }));
    expect(await closed2).toBe(1008);
  });
});
