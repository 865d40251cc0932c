/** Loopback-only listeners for the discovery tests. Every address here is inside 127.0.0.0/8. */
import net from 'node:net';

export interface Listening {
  server: net.Server;
  host: string;
  port: number;
}

const open: net.Server[] = [];
const sockets = new Set<net.Socket>();

/** Listen on host:port (port 0 = any free one). Refuses anything outside 127.0.0.0/8. */
export function listen(host: string, port: number, onConnection: (s: net.Socket) => void): Promise<Listening> {
  if (!host.startsWith('127.')) throw new Error(`tests listen on loopback only, not ${host}`);
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
      onConnection(s);
    });
    server.once('error', reject);
    server.listen({ host, port }, () => {
      open.push(server);
      resolve({ server, host, port: (server.address() as net.AddressInfo).port });
    });
  });
}

/** A port number with nothing listening on it (bound then released). */
export async function freePort(host: string): Promise<number> {
  const l = await listen(host, 0, () => undefined);
  await new Promise<void>((r) => l.server.close(() => r()));
  return l.port;
}

export async function closeAll(): Promise<void> {
  const all = open.splice(0);
  // server.close() waits for open connections; tests must not hang on a peer that never hangs up.
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(all.map((s) => new Promise<void>((r) => { s.close(() => r()); })));
}
