/**
 * Opens the SSH session (or, for Windows, the WinRM session) for a machine on behalf of a job: finds its
 * credential, respects the global connection cap, pins a first-seen host key or certificate, and records a
 * changed SSH key as an alert the user must clear.
 */
import { AppError, type Host } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import type { Db } from '../db/open';
import type { EventSink } from '../event-bus';
import { firstContactError, firstContactsNeeded } from '../machines/first-contact';
import { getHost, pinFirstHostKey, pinFirstWinrmCert, pinHostKey, pinWinrmCert, recordPendingHostKey, recordPendingWinrmCert } from '../machines/machine-queries';
import { remotePowerShell, sshPowerShell, type PsRunner } from '../platforms/windows/windows-module';
import { WinrmError, WinrmSession } from '../winrm/winrm-client';
import type { Vault } from '../vault/vault';
import { Semaphore } from './semaphore';
import { connectSsh, SshConnectError, type SshOptions, type SshSession } from './ssh';

export class NoCredentialError extends Error {
  constructor(host: Host) {
    super(`No credential applies to ${host.address}: add one in Settings → Credentials, or pick one on the machine's page`);
    this.name = 'NoCredentialError';
  }
}

/** What the connections need of the office cache (electron/core/office-cache): where it listens, and its mode. */
export interface OfficeCacheLink {
  /** The local port it listens on, or null while it is not listening. */
  readonly port: number | null;
  stats(): { offline: boolean };
  /** Resolves with the port once listening (memoised): a job started with the core must not miss a cache still starting. */
  listen?(): Promise<number>;
  /** Where it holds a repository's package file (OfficeCache.repositoryFile), for the core to read itself. */
  repositoryFile?(filename: string): string | null;
  /** Fetches that file into the cache for the core (OfficeCache.fetchRepositoryFile), or null. */
  fetchRepositoryFile?(filename: string): Promise<string | null>;
}

export interface SessionOptions {
  /**
   * Lend the office cache to the machine for this session (a reverse port forward; see SshSession.lendProxy):
   * for jobs that run the package manager (assessment, deployment).
   */
  lendCache?: boolean;
  /** Lines for the job's log about this session (a cache that could not be lent). */
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** The office cache is in offline mode and this machine cannot reach it: its package manager has nowhere to fetch from. */
export class OfficeCacheUnreachableError extends Error {
  constructor(address: string, reason: string) {
    super(
      `The office cache is in offline mode, but ${address} cannot be lent it: its sshd refused the reverse port forward (${reason}). ` +
        "Allow it in the machine's sshd_config (AllowTcpForwarding yes or remote), or turn offline mode off in Settings → Office cache",
    );
    this.name = 'OfficeCacheUnreachableError';
  }
}

export class ConnectionManager {
  private readonly slots: Semaphore;
  /** Read at each session, so a cache started, stopped or switched offline in Settings applies to the next one. */
  private officeCache: () => OfficeCacheLink | null = () => null;

  constructor(
    private readonly db: Db,
    private readonly vault: Vault,
    private readonly events: EventSink,
    limit = 16,
    private readonly sshOptions: SshOptions = {},
    private readonly winrmTimeoutMs = 120_000,
  ) {
    this.slots = new Semaphore(limit);
  }

  /** Where sessions opened with `lendCache` find the office cache (the core sets it; null: no cache). */
  setOfficeCache(get: () => OfficeCacheLink | null): void {
    this.officeCache = get;
  }

  /** The office cache jobs are lent now, if any. */
  officeCacheLink(): OfficeCacheLink | null {
    return this.officeCache();
  }

  /**
   * Runs `fn` with an open session to `host`, always closing it and freeing the slot afterwards. The pinned key
   * is read from the database right before connecting, not from `host` (taken when the job started): another
   * job may have pinned one since. With `lendCache`, the office cache is lent to the machine first.
   */
  async withSession<T>(jobHost: Host, signal: AbortSignal, fn: (session: SshSession) => Promise<T>, options: SessionOptions = {}): Promise<T> {
    const credential = this.vault.resolveFor(jobHost);
    if (!credential) throw new NoCredentialError(jobHost);
    const release = await this.slots.acquire(signal);
    let host = jobHost;
    let session: SshSession | null = null;
    let pinnedNow = host.sshHostKey;
    try {
      host = getHost(this.db, jobHost.id) ?? jobHost;
      pinnedNow = host.sshHostKey;
      this.assertContactAllowed(host);
      if (host.pendingHostKey) {
        throw new SshConnectError(
          'host-key-changed',
          `The SSH host key of ${host.address} changed to ${host.pendingHostKey}; accept it on the machine's page if the machine was reinstalled`,
          host.pendingHostKey,
        );
      }
      const secrets = this.vault.secrets(credential.id);
      session = await connectSsh({ address: host.address, port: host.sshPort, pinnedKey: host.sshHostKey }, secrets, {
        ...this.sshOptions,
        pinFirstKey: (fingerprint) => {
          const result = this.db.transaction(() => {
            const r = pinFirstHostKey(this.db, host.id, fingerprint);
            if (r.changed) appendAudit(this.db, { actor: 'system', action: 'host-key.pin', targetType: 'host', targetId: host.id, details: { fingerprint, address: host.address } });
            return r;
          })();
          if (result.changed) this.events.emit('inventory/changed', { hostIds: [host.id], reason: 'host-key' });
          pinnedNow = result.pinned;
          // A machine removed meanwhile has nothing to pin to: hold this connection to what it presented.
          return result.pinned ?? fingerprint;
        },
      });
      const onAbort = (): void => void session?.close();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        if (options.lendCache) await this.lendCache(session, host, options.log);
        return await fn(session);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } catch (err) {
      if (err instanceof SshConnectError && err.kind === 'host-key-changed' && err.presentedKey && !host.pendingHostKey) {
        this.db.transaction(() => {
          recordPendingHostKey(this.db, host.id, err.presentedKey!);
          appendAudit(this.db, {
            actor: 'system',
            action: 'host-key.mismatch',
            targetType: 'host',
            targetId: host.id,
            details: { pinned: pinnedNow, presented: err.presentedKey },
          });
        })();
        this.events.emit('inventory/changed', { hostIds: [host.id], reason: 'host-key-changed' });
      }
      throw err;
    } finally {
      await session?.close();
      release();
    }
  }

  /**
   * Runs `fn` with a PowerShell runner on a Windows machine: over OpenSSH when the machine is reached by SSH,
   * else over WinRM: NTLM with message encryption on 5985,
   * or HTTPS on 5986 with the server certificate pinned on first use (a different one is refused). The
   * credential's password is used; "DOMAIN\\user" names the domain.
   */
  /**
   * Runs fn with a PowerShell runner for a Windows machine. `log` receives what the user should see in the job's
   * log beyond fn's own lines: a WinRM connection that dropped and was signed in again.
   */
  async withWindows<T>(jobHost: Host, signal: AbortSignal, fn: (ps: PsRunner) => Promise<T>, log?: (level: 'warn', message: string) => void): Promise<T> {
    // Windows with OpenSSH (10 1809+, Server 2019+): the same module over the SSH session, host key pinned as usual.
    if (jobHost.transport === 'ssh') return this.withSession(jobHost, signal, (session) => fn(sshPowerShell(session)));
    // As for SSH: the pin is read now, not from the job's copy; another job may have pinned one since.
    const host = getHost(this.db, jobHost.id) ?? jobHost;
    const credential = this.vault.resolveFor(host);
    if (!credential) throw new NoCredentialError(host);
    this.assertContactAllowed(host);
    if (host.pendingWinrmCert) {
      throw new AppError(
        'conflict',
        `The WinRM certificate of ${host.address} changed to SHA-256 ${host.pendingWinrmCert}; accept it on the machine's page if it was renewed`,
      );
    }
    const secrets = this.vault.secrets(credential.id);
    if (!secrets.password) throw new AppError('bad-request', `The credential "${credential.name}" has no password: WinRM signs in with a user name and password`);
    const release = await this.slots.acquire(signal);
    const [domain, username] = secrets.username.includes('\\') ? secrets.username.split('\\', 2) : [undefined, secrets.username];
    const session = new WinrmSession(
      {
        address: host.address,
        ...(host.winrmPort ? { port: host.winrmPort } : {}),
        https: host.winrmHttps,
        ...(host.winrmCert ? { pinnedCertSha256: host.winrmCert } : {}),
      },
      { username: username!, password: secrets.password, ...(domain ? { domain } : {}) },
      this.winrmTimeoutMs,
      {
        onReconnect: (r) => log?.('warn', r.message),
        // Pinned at the handshake, before the first request (and its credentials) is written: a certificate
        // swapped between this job and the next is then refused, whatever this job's outcome.
        pinFirstCert: (sha256) => this.pinFirst(host, sha256),
      },
    );
    const onAbort = (): void => session.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await fn(remotePowerShell(session));
    } catch (err) {
      if (err instanceof WinrmError && err.kind === 'cert-changed' && err.presented) this.recordCertChange(host, err.presented);
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
      session.close();
      release();
    }
  }

  /**
   * A machine whose sshd refuses remote forwards still gets its job, fetching directly as before, and the log says
   * why — unless the cache is offline, where fetching directly is exactly what the user turned off.
   */
  private async lendCache(session: SshSession, host: Host, log: SessionOptions['log']): Promise<void> {
    const cache = this.officeCache();
    if (!cache) return;
    const port = cache.port ?? (cache.listen ? await cache.listen().catch(() => null) : null);
    if (port === null) return;
    try {
      await session.lendProxy(port);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (cache.stats().offline) throw new OfficeCacheUnreachableError(host.address, reason);
      log?.('warn', `${host.address} refused the SSH reverse port forward the office cache needs (${reason}; AllowTcpForwarding no?): this job fetches packages from the machine's own repositories directly`);
    }
  }

  /** The user accepts the new SSH key or WinRM certificate a machine presented: it becomes the pinned one. */
  acceptPendingKey(host: Host): void {
    if (!host.pendingHostKey && !host.pendingWinrmCert) throw new AppError('bad-request', `${host.address} has no new host key or certificate waiting`);
    this.db.transaction(() => {
      if (host.pendingHostKey) {
        pinHostKey(this.db, host.id, host.pendingHostKey);
        appendAudit(this.db, { actor: 'user', action: 'host-key.accept', targetType: 'host', targetId: host.id, details: { previous: host.sshHostKey, accepted: host.pendingHostKey } });
      }
      if (host.pendingWinrmCert) {
        pinWinrmCert(this.db, host.id, host.pendingWinrmCert);
        appendAudit(this.db, { actor: 'user', action: 'winrm-cert.accept', targetType: 'host', targetId: host.id, details: { previous: host.winrmCert, accepted: host.pendingWinrmCert } });
      }
    })();
    this.events.emit('inventory/changed', { hostIds: [host.id], reason: 'host-key' });
  }

  private assertContactAllowed(host: Host): void {
    const needed = firstContactsNeeded([host], (h) => this.vault.resolveFor(h));
    if (needed.length > 0) throw firstContactError(needed);
  }

  private pinFirst(host: Host, sha256: string): string | null {
    const result = this.db.transaction(() => {
      const r = pinFirstWinrmCert(this.db, host.id, sha256);
      if (r.changed) appendAudit(this.db, { actor: 'system', action: 'winrm-cert.pin', targetType: 'host', targetId: host.id, details: { sha256, address: host.address } });
      return r;
    })();
    if (result.changed) this.events.emit('inventory/changed', { hostIds: [host.id], reason: 'host-key' });
    // A machine removed meanwhile has nothing to pin to: hold this session to what it presented.
    return result.pinned ?? sha256;
  }

  private recordCertChange(host: Host, presented: string): void {
    const now = getHost(this.db, host.id);
    if (!now || now.pendingWinrmCert === presented) return;
    this.db.transaction(() => {
      recordPendingWinrmCert(this.db, host.id, presented);
      appendAudit(this.db, { actor: 'system', action: 'winrm-cert.mismatch', targetType: 'host', targetId: host.id, details: { pinned: now.winrmCert, presented } });
    })();
    this.events.emit('inventory/changed', { hostIds: [host.id], reason: 'host-key-changed' });
  }
}
