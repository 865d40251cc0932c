/**
 * A small SSH server on 127.0.0.1 for transport tests: ssh2's Server with password login, answering each exec
 * with what the test's handler returns once the client has sent all of its input.
 */
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { testHostKey } from './test-keys';

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
}

export interface TestSshd {
  port: number;
  /** Every exec command line received, in order. */
  commands: string[];
  close(): Promise<void>;
}

export function startTestSshd(options: TestSshdOptions): Promise<TestSshd> {
  const commands: string[] = [];
  const server = new ssh2.Server({ hostKeys: [options.hostKey ?? testHostKey()] }, (client) => {
    client.on('error', () => undefined);
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
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
