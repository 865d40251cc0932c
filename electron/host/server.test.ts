import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCore, type Core } from '../core/core';
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

const cookie = (): string => `pw_token=${host.token}`;

function openWs(headers: Record<string, string>, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws${query}`, { headers });
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
  });

  it('trades the token in the URL for an HttpOnly, SameSite cookie and strips it from the address', async () => {
    const res = await get(`/?token=${host.token}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['set-cookie']?.[0]).toMatch(/^pw_token=.+; HttpOnly; SameSite=Strict; Path=\//);
    expect((await get('/?token=wrong')).status).toBe(401);
  });

  it('serves the app with a strict CSP once authorised', async () => {
    const res = await get('/', { Cookie: cookie() });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>Patchwell</title>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    expect((await get('/', { Cookie: cookie(), Host: `rebind.example:${host.port}` })).status).toBe(403);
  });

  it('refuses a cross-origin script request even with the cookie', async () => {
    expect((await get('/', { Cookie: cookie(), Origin: 'http://evil.example' })).status).toBe(403);
  });

  it('never serves files outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%5csecret.txt', '/%ff']) {
      const res = await get(p, { Cookie: cookie() });
      expect(res.body).not.toContain('do not serve');
    }
  });
});

describe('headless host over WebSocket', () => {
  it('answers calls from its own origin with the token', async () => {
    const ws = await openWs({ Origin: origin, Cookie: cookie() });
    expect(await call(ws, 1, 'hosts/list')).toEqual({ type: 'result', id: 1, ok: true, value: [] });
    expect(await call(ws, 2, 'hosts/nope')).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await call(ws, 3, 'hosts/create', { address: '' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
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
    await call(ws, 1, 'hosts/create', { address: '127.0.0.77' });
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
