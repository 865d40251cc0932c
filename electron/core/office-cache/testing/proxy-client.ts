/**
 * A package manager's side of the office cache, for tests and the bench: absolute-form requests to the proxy on
 * 127.0.0.1, and raw request lines for what a well-behaved client would never send.
 */
import http from 'node:http';
import net from 'node:net';

export interface ProxyAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body ended short (the connection broke, or fewer bytes than Content-Length). */
  broken: boolean;
}

export interface ProxyGet {
  /** Resolves when the answer's status line and headers have arrived. */
  headers: Promise<http.IncomingMessage>;
  done: Promise<ProxyAnswer>;
}

/** GET (or HEAD) `url` through the proxy, on a connection of its own. */
export function proxyGet(port: number, url: string, init: { method?: 'GET' | 'HEAD'; headers?: http.OutgoingHttpHeaders } = {}): ProxyGet {
  let onHeaders: (m: http.IncomingMessage) => void = () => undefined;
  let onHeadersFailed: (e: Error) => void = () => undefined;
  const headers = new Promise<http.IncomingMessage>((resolve, reject) => {
    onHeaders = resolve;
    onHeadersFailed = reject;
  });
  // Unobserved when a test only awaits `done`.
  headers.catch(() => undefined);
  const done = new Promise<ProxyAnswer>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: url, method: init.method ?? 'GET', headers: init.headers, agent: false });
    req.on('error', (err) => {
      onHeadersFailed(err);
      reject(err);
    });
    req.on('response', (res) => {
      onHeaders(res);
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (broken: boolean) => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), broken });
      };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish(!res.complete));
      res.on('error', () => finish(true));
      res.on('close', () => finish(!res.complete));
    });
    req.end();
  });
  return { headers, done };
}

/** Sends raw bytes to the proxy and returns everything it answers until it closes (or `until` matches). */
export function rawExchange(port: number, bytes: string | Buffer, until?: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (until?.(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', (err) => (text === '' ? reject(err) : resolve(text)));
    socket.on('close', () => resolve(text));
    socket.write(bytes);
  });
}
