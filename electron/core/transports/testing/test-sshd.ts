/**
 * A small SSH server on 127.0.0.1 for transport tests: ssh2's Server with password login, answering each exec
 * with what the test's handler returns once the client has sent all of its input.
 */
import net, { type AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { testHostKey } from './test-keys';

/** The sign-in the tests give the test server and their credentials alike. */
export const TEST_SSH_USER = 'admin';
export const TEST_SSH_PASSWORD = 'pw-test';

export interface TestReply {
  stdout?: string | Buffer;
  stderr?: string;
  code?: number;
}

export interface TestSshdOptions {
  user: string;
  password: string;
  /** The server's host key (OpenSSH private key text); a fresh known-good one when not given. */
  hostKey?: string;
  /** Port to listen on; 0 (any free port) when not given. */
  port?: number;
  exec?: (command: string, stdin: string) => TestReply;
  /** When true for a command, the server ends the whole connection instead of answering: a machine gone silent. */
  drop?: (command: string, stdin: string) => boolean;
  /**
   * Grant remote port forwards (tcpip-forward) as sshd does: a real listener on 127.0.0.1, on a port picked by the
   * OS when the client asks for 0, whose connections go back to the client as forwarded-tcpip channels. Without it,
   * every forward request is refused, as by `AllowTcpForwarding no`.
   */
  forwarding?: boolean;
}

export interface TestSshd {
  port: number;
  /** Every exec command line received, in order. */
  commands: string[];
  /** The ports this server listens on for clients' remote forwards, in the order granted. */
  forwardedPorts: number[];
  close(): Promise<void>;
}

export function startTestSshd(options: TestSshdOptions): Promise<TestSshd> {
  const commands: string[] = [];
  const forwardedPorts: number[] = [];
  const listeners = new Set<net.Server>();
  const server = new ssh2.Server({ hostKeys: [options.hostKey ?? testHostKey()] }, (client) => {
    client.on('error', () => undefined);
    const mine: net.Server[] = [];
    client.on('close', () => {
      for (const l of mine) l.close();
    });
    if (options.forwarding) {
      client.on('request', (accept, reject, name, info) => {
        if (name !== 'tcpip-forward' || !accept || !('bindPort' in info)) return reject?.();
        const bindAddr = info.bindAddr;
        const listener = net.createServer((socket) => {
          const port = (listener.address() as AddressInfo).port;
          client.forwardOut(bindAddr, port, socket.remoteAddress ?? '127.0.0.1', socket.remotePort ?? 0, (err, channel) => {
            if (err) return void socket.destroy();
            socket.on('error', () => channel.destroy());
            channel.on('error', () => socket.destroy());
            socket.pipe(channel).pipe(socket);
          });
        });
        listener.listen(info.bindPort, '127.0.0.1', () => {
          const port = (listener.address() as AddressInfo).port;
          listeners.add(listener);
          mine.push(listener);
          forwardedPorts.push(port);
          accept(port);
        });
      });
    }
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === options.user && ctx.password === options.password) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('session', (accept) => {
      accept().on('exec', (acceptExec, _reject, info) => {
        const channel = acceptExec();
        const chunks: Buffer[] = [];
        commands.push(info.command);
        channel.on('data', (d: Buffer) => chunks.push(d));
        channel.on('end', () => {
          if (options.drop?.(info.command, Buffer.concat(chunks).toString('utf8'))) {
            client.end();
            return;
          }
          const reply = options.exec?.(info.command, Buffer.concat(chunks).toString('utf8')) ?? {};
          if (reply.stdout) channel.write(reply.stdout);
          if (reply.stderr) channel.stderr.write(reply.stderr);
          channel.exit(reply.code ?? 0);
          channel.end();
        });
      });
    });
  });
  return new Promise((resolve) => {
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        commands,
        forwardedPorts,
        close: () => {
          for (const l of listeners) l.close();
          return new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}
