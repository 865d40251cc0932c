/**
 * The office cache lent to one command: how each package manager is told to fetch through the proxy URL that the
 * job's SSH session forwards (Remote.proxyUrl), for that command only — nothing on the machine is configured.
 * The URL reaches argv and the environment, so it is checked here first: only http://127.0.0.1:<port>, which is
 * all a reverse forward can ever be, and nothing a shell or apt's option parser could read another way.
 */
import type { ExecOptions, Remote } from './remote';

const PROXY_URL = /^http:\/\/127\.0\.0\.1:([1-9][0-9]{0,4})$/;

export class InvalidProxyUrlError extends Error {
  constructor(value: string) {
    super(`Not an office cache address (http://127.0.0.1:<port> only): ${JSON.stringify(value.slice(0, 80))}`);
    this.name = 'InvalidProxyUrlError';
  }
}

/** The URL a reverse forward on `port` gives the machine. */
export function proxyUrlFor(port: number): string {
  return checkedProxyUrl(`http://127.0.0.1:${port}`);
}

/** Returns the URL when it is http://127.0.0.1:<1-65535>, else throws {@link InvalidProxyUrlError}. */
export function checkedProxyUrl(value: string): string {
  const m = PROXY_URL.exec(value);
  if (!m || Number(m[1]) > 65_535) throw new InvalidProxyUrlError(value);
  return value;
}

function lent(remote: Remote): string | null {
  return remote.proxyUrl === undefined ? null : checkedProxyUrl(remote.proxyUrl);
}

/**
 * apt-get / apt-cache / apt-helper options: http sources through the cache, and https sources through it too (apt
 * then tunnels them with CONNECT, so a TLS repository is passed through, not opened). `-o` wins over the machine's
 * own Acquire::http::Proxy, so a machine set up for another proxy still uses the cache during the job.
 */
export function aptProxyArgs(remote: Remote): string[] {
  const url = lent(remote);
  return url === null ? [] : ['-o', `Acquire::http::Proxy=${url}`, '-o', `Acquire::https::Proxy=${url}`];
}

/** dnf / yum: the proxy for this run only (every repository, http and https). */
export function dnfProxyArgs(remote: Remote): string[] {
  const url = lent(remote);
  return url === null ? [] : [`--setopt=proxy=${url}`];
}

/**
 * The environment form, for zypper (which has no per-command option) and for our own scripts, whose apt-helper,
 * `apt-get download` and `dnf download` read http_proxy / https_proxy. The transport puts these after sudo
 * (`sudo -- env http_proxy=… cmd`), so sudo's env_reset does not drop them.
 */
export function proxyEnv(remote: Remote): NonNullable<ExecOptions['env']> {
  const url = lent(remote);
  return url === null ? {} : { http_proxy: url, https_proxy: url };
}
