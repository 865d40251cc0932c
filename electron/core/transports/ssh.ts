/**
 * SSH transport: one connection per machine per job, commands multiplexed on it as channels. Host keys are
 * trusted on first use and pinned during the handshake, before any credential is sent (so a key is pinned
 * even when the login then fails); a changed key refuses the connection. sudo gets its password on stdin
 * (never argv or env), and only when sudo will read it (see `run`).
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { NodeSSH } from 'node-ssh';
import type { Client, ClientChannel, TcpConnectionDetails } from 'ssh2';
import { proxyUrlFor } from '../platforms/package-proxy';
import { ConnectionLostError, RemoteCommandError, type ExecOptions, type ExecResult, type Remote } from '../platforms/remote';
import type { Secrets } from '../vault/vault';
import { commandLine } from './shell-quote';

/** Host key algorithms in a fixed order, so a server always presents the same key and the pin holds. */
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
/** Per stream: enough for a full package list; a machine cannot make the core hold more than this. */
const MAX_OUTPUT = 32 * 1024 * 1024;

export type SshErrorKind = 'host-key-changed' | 'auth-failed' | 'unreachable' | 'timeout' | 'protocol';

export class SshConnectError extends Error {
  constructor(
    readonly kind: SshErrorKind,
    message: string,
    /** The fingerprint the server presented, for a changed key. */
    readonly presentedKey: string | null = null,
  ) {
    super(message);
    this.name = 'SshConnectError';
  }
}

export class SudoError extends Error {
  constructor(
    readonly kind: 'needs-password' | 'wrong-password' | 'not-allowed' | 'no-sudo',
    message: string,
  ) {
    super(message);
    this.name = 'SudoError';
  }
}

/** OpenSSH's fingerprint format: "SHA256:" and the unpadded base64 of the key blob's SHA-256. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

export interface SshTarget {
  address: string;
  port: number;
  /** The pinned fingerprint, or null on first contact. */
  pinnedKey: string | null;
}

export interface SshOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** The output cap per stream (stdout, stderr) of one command; beyond it the result is marked truncated. */
  maxOutputBytes?: number;
  /**
   * On first contact (no pinned key), called during the handshake, before any credential is sent, with the key
   * the server presented: the caller pins it unless another connection pinned one meanwhile, and returns the key
   * pinned now. A different key refuses the connection as a changed key. Without it, a first key is accepted.
   */
  pinFirstKey?: (fingerprint: string) => string;
}

export class SshSession implements Remote {
  readonly label: string;

  constructor(
    private readonly ssh: NodeSSH,
    private readonly client: Client,
    private readonly secrets: Secrets,
    readonly hostKey: string,
    private readonly commandTimeoutMs: number,
    address: string,
    private readonly maxOutputBytes: number = MAX_OUTPUT,
  ) {
    this.label = address;
    // Keepalives (every 10 s, 3 missed) or a reset end a connection whose machine went away; from then on every
    // command fails with the same ConnectionLostError rather than an exit code nobody returned.
    const lost = (why: string) => (): void => {
      if (!this.closing) this.lost ??= why;
    };
    client.on('close', lost('closed'));
    client.on('end', lost('ended by the machine'));
    client.on('error', (e: Error) => lost(e.message || 'error')());
  }

  private closing = false;
  /** Why the connection ended, once it has (null while it is up or after our own close). */
  private lost: string | null = null;
  /** Ports sshd listens on for us (its 127.0.0.1) → the local port each is piped to. */
  private readonly forwards = new Map<number, number>();
  private lentUrl: string | undefined;

  /** The office cache as the machine reaches it, while {@link lendProxy} has lent it (see Remote.proxyUrl). */
  get proxyUrl(): string | undefined {
    return this.lentUrl;
  }

  /**
   * Lends a local TCP port to the machine for as long as this session lasts: sshd listens on the machine's
   * 127.0.0.1, on a port it picks (a fixed one could be taken, or be another job's), and each connection made there
   * comes back over this SSH connection and is piped to 127.0.0.1:localPort here. Nothing is configured on the
   * machine; the listener goes when the session closes. Rejects when sshd refuses remote forwarding
   * (AllowTcpForwarding no/local, or a `restrict`ed key). Returns the machine's port.
   */
  async lendPort(localPort: number): Promise<number> {
    this.assertConnected();
    const remotePort = await new Promise<number>((resolve, reject) => {
      try {
        this.client.forwardIn('127.0.0.1', 0, (err, port) => (err ? reject(err) : resolve(port)));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    if (this.forwards.size === 0) this.client.on('tcp connection', (info, accept, reject) => this.forwarded(info, accept, reject));
    this.forwards.set(remotePort, localPort);
    return remotePort;
  }

  /** {@link lendPort} for the office cache: package-manager commands on this session then name it (proxyUrl). */
  async lendProxy(localPort: number): Promise<string> {
    const url = proxyUrlFor(await this.lendPort(localPort));
    this.lentUrl = url;
    return url;
  }

  private forwarded(info: TcpConnectionDetails, accept: () => ClientChannel, reject: () => void): void {
    const localPort = this.forwards.get(info.destPort);
    if (localPort === undefined || this.closing) {
      reject();
      return;
    }
    const channel = accept();
    const socket = net.connect({ host: '127.0.0.1', port: localPort });
    // Either side failing or going ends the other: a package manager waiting on a dead proxy connection would hang.
    const drop = (): void => {
      socket.destroy();
      channel.destroy();
    };
    socket.on('error', drop);
    channel.on('error', drop);
    channel.on('close', () => socket.destroy());
    socket.on('close', () => channel.end());
    channel.pipe(socket).pipe(channel);
  }

  private assertConnected(): void {
    if (this.lost !== null) throw new ConnectionLostError(this.label, this.lost);
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.run(argv, options.stdin ?? '', options);
  }

  script(text: string, args: readonly string[] = [], options: ExecOptions = {}): Promise<ExecResult> {
    // The script travels on stdin, so it cannot also be given input; its arguments are positional
    // parameters, quoted like any argv.
    if (options.stdin !== undefined) return Promise.reject(new Error('A script reads itself from stdin: pass data as arguments'));
    return this.run(['sh', '-s', '--', ...args], text, options);
  }

  /**
   * A command line sent as is, without POSIX quoting: for OpenSSH on Windows, whose shell is cmd.exe or
   * PowerShell. Callers pass only constant text (see platforms/windows: a base64 bootstrap); data goes on stdin.
   */
  execRaw(command: string, stdin: string, timeoutMs?: number): Promise<ExecResult> {
    this.assertConnected();
    return this.afterExec(execChannel(this.client, command, stdin, timeoutMs ?? this.commandTimeoutMs, this.maxOutputBytes));
  }

  /** A channel that failed or closed without an exit code because the connection went is reported as that. */
  private async afterExec(p: Promise<ExecResult>): Promise<ExecResult> {
    let result: ExecResult;
    try {
      result = await p;
    } catch (e) {
      this.assertConnected();
      throw e;
    }
    if (result.code === null && !result.timedOut) this.assertConnected();
    return result;
  }

  /** Runs and throws {@link RemoteCommandError} on a non-zero exit, {@link SudoError} on a sudo refusal. */
  async check(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.exec(argv, options);
    if (result.code !== 0) throw new RemoteCommandError(commandLine(argv), result);
    return result;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.ssh.dispose();
  }

  /** Set once sudo asked for a password on this session: from then on every sudo command gets it. */
  private sudoWantsPassword = false;

  private async run(argv: readonly string[], stdin: string, options: ExecOptions): Promise<ExecResult> {
    this.assertConnected();
    const envArgs = options.env ? ['env', ...Object.entries(options.env).map(([k, v]) => `${k}=${v}`)] : [];
    const full = [...envArgs, ...argv];
    if (!options.sudo) return this.channel(full, stdin, options);
    // sudo -n first, with no probe before it: a probe (`sudo -k -n true`) was one more sudo run — PAM, a
    // session, the sudoers parse — per session on every machine. sudo -n runs nothing when it would ask, so the
    // command is sent again with the password only after sudo said, alone and before running anything, that it
    // wants one; the password is never sent to a sudo that does not read it (it would become the command's first
    // line of input, and a script would run it).
    if (!this.sudoWantsPassword) {
      const r = await this.channel(['sudo', '-n', '--', ...full], stdin, options);
      if (!this.secrets.sudoPassword || !asksForPassword(r)) {
        if (r.code !== 0) checkSudo(r, this.label);
        return r;
      }
      this.sudoWantsPassword = true;
    }
    const r = await this.channel(['sudo', '-k', '-S', '-p', '', '--', ...full], `${this.secrets.sudoPassword}\n${stdin}`, options);
    if (r.code !== 0) checkSudo(r, this.label);
    return r;
  }

  private channel(argv: readonly string[], stdin: string, options: ExecOptions): Promise<ExecResult> {
    return this.afterExec(execChannel(this.client, commandLine(argv), stdin, options.timeoutMs ?? this.commandTimeoutMs, this.maxOutputBytes));
  }
}

/** sudo -n refused before running anything, because it would have asked for a password: its one line is all. */
function asksForPassword(r: ExecResult): boolean {
  return r.code === 1 && r.stdout === '' && /^sudo: a (password|terminal) is required\r?\n?$/.test(r.stderr);
}

/** Turns sudo's own refusals into errors that say what to do; other failures are the command's. */
function checkSudo(result: ExecResult, label: string): void {
  const err = result.stderr;
  if (/sudo: (a password is required|a terminal is required)/.test(err)) {
    throw new SudoError('needs-password', `sudo on ${label} asks for a password: add the sudo password to this machine's credential`);
  }
  if (/sudo: \d+ incorrect password attempts?|Sorry, try again/.test(err)) {
    throw new SudoError('wrong-password', `sudo on ${label} refused the sudo password in the credential`);
  }
  if (/is not in the sudoers file|is not allowed to (run|execute)|may not run sudo/.test(err)) {
    throw new SudoError('not-allowed', `The user may not use sudo on ${label}: tasks that need root (refreshing package lists, installing) cannot run there`);
  }
  if (/sudo: (command )?not found|sudo: No such file/.test(err) || result.code === 127) {
    throw new SudoError('no-sudo', `sudo is not installed on ${label}`);
  }
}

/** Keeps a stream's output up to `max` bytes and remembers whether anything was dropped. */
class CappedBuffer {
  private readonly parts: Buffer[] = [];
  private kept = 0;
  cut = false;

  constructor(private readonly max: number) {}

  push(d: Buffer): void {
    const room = this.max - this.kept;
    if (d.length > room) this.cut = true;
    if (room <= 0) return;
    const part = d.length > room ? d.subarray(0, room) : d;
    this.parts.push(part);
    this.kept += part.length;
  }

  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

function execChannel(client: Client, command: string, stdin: string, timeoutMs: number, maxOutputBytes: number): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream: ClientChannel) => {
      if (err) return reject(err);
      const out = new CappedBuffer(maxOutputBytes);
      const errOut = new CappedBuffer(maxOutputBytes);
      let timedOut = false;
      let settled = false;
      const settle = (code: number | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({
          code: timedOut ? null : code,
          stdout: out.text(),
          stderr: errOut.text(),
          timedOut,
          ...(out.cut || errOut.cut ? { truncated: true } : {}),
        });
      };
      const timer = setTimeout(() => {
        timedOut = true;
        // OpenSSH ignores most signal requests and keeps the channel until the command exits, so the command
        // is abandoned here: we stop waiting, close our end, and report the timeout.
        stream.signal('KILL');
        stream.close();
        settle(null);
      }, timeoutMs);
      stream.on('data', (d: Buffer) => out.push(d));
      stream.stderr.on('data', (d: Buffer) => errOut.push(d));
      stream.on('close', (code: number | null) => settle(code ?? null));
      stream.on('error', () => undefined);
      stream.end(stdin);
    });
  });
}

export async function connectSsh(target: SshTarget, secrets: Secrets, options: SshOptions = {}): Promise<SshSession> {
  const ssh = new NodeSSH();
  let presented: string | null = null;
  // The key this connection is held to: the target's, or on first contact the one pinned during the handshake.
  let pinned = target.pinnedKey;
  try {
    await ssh.connect({
      host: target.address,
      port: target.port,
      username: secrets.username,
      ...(secrets.password ? { password: secrets.password } : {}),
      ...(secrets.privateKey ? { privateKey: secrets.privateKey } : {}),
      ...(secrets.passphrase ? { passphrase: secrets.passphrase } : {}),
      tryKeyboard: false,
      readyTimeout: options.connectTimeoutMs ?? 10_000,
      keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: HOST_KEY_ALGORITHMS as never },
      hostVerifier: (key: Buffer) => {
        presented = fingerprintOf(key);
        if (pinned === null) {
          try {
            pinned = options.pinFirstKey?.(presented) ?? presented;
          } catch {
            // Could not record the pin (the database failed): no unpinned key is trusted.
            return false;
          }
        }
        return pinned === presented;
      },
    });
  } catch (err) {
    ssh.dispose();
    throw classifyConnectError(err, { ...target, pinnedKey: pinned }, presented);
  }
  // node-ssh listens for errors only while connecting. A connection that breaks later (the machine reboots, a
  // cable is pulled, sshd is killed) emits 'error' on the client, which without a listener would throw out of
  // the event loop and take the whole core down. The commands in flight see their channels close and fail.
  ssh.connection!.on('error', () => undefined);
  return new SshSession(ssh, ssh.connection!, secrets, presented ?? '', options.commandTimeoutMs ?? 10 * 60_000, target.address, options.maxOutputBytes);
}

function classifyConnectError(err: unknown, target: SshTarget, presented: string | null): SshConnectError {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  const where = `${target.address}:${target.port}`;
  if (target.pinnedKey !== null && presented !== null && presented !== target.pinnedKey) {
    return new SshConnectError(
      'host-key-changed',
      `The SSH host key of ${where} changed (pinned ${target.pinnedKey}, now ${presented}). Patchwell refused to connect: ` +
        'this is what a machine-in-the-middle looks like. If the machine was reinstalled, accept the new key on its page.',
      presented,
    );
  }
  if (/All configured authentication methods failed/i.test(message)) {
    return new SshConnectError('auth-failed', `${where} refused the credential's login (user name, password or key)`);
  }
  if (/Timed out while waiting for handshake/i.test(message)) return new SshConnectError('timeout', `${where} did not answer SSH in time`);
  if (code === 'ECONNREFUSED') return new SshConnectError('unreachable', `${where} refused the connection: is sshd running?`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new SshConnectError('unreachable', `${where} cannot be reached (${code})`);
  }
  return new SshConnectError('protocol', `SSH to ${where} failed: ${message}`);
}
