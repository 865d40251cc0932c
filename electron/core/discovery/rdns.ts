/**
 * Reverse DNS (PTR) with a hard timeout. Uses c-ares through dns.promises.Resolver so the lookup can
 * be cancelled; `servers` lets the caller (and the tests) pick the DNS server explicitly.
 */
import dns from 'node:dns';
import { isValidHostname } from './targets';

export interface ReverseOptions {
  timeoutMs: number;
  /** "ip" or "ip:port" entries; default is the system's resolv.conf servers. */
  servers?: string[];
  signal?: AbortSignal;
}

export interface ReverseResult {
  names: string[];
  error?: string;
}

const MAX_NAMES = 8;

/** PTR names for an IPv4 address; never rejects. Names that are not valid host names are dropped. */
export async function reverseLookup(ip: string, opts: ReverseOptions): Promise<ReverseResult> {
  const resolver = new dns.promises.Resolver({ timeout: Math.max(1, opts.timeoutMs), tries: 1 });
  if (opts.servers?.length) resolver.setServers(opts.servers);
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => resolver.cancel();
  if (opts.signal?.aborted) return { names: [], error: 'cancelled' };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const names = await Promise.race([
      resolver.reverse(ip),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => { resolver.cancel(); reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })); }, opts.timeoutMs);
      }),
    ]);
    const clean = names
      .map((n) => n.replace(/\.$/, '').toLowerCase())
      .filter((n) => isValidHostname(n));
    return { names: [...new Set(clean)].slice(0, MAX_NAMES) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (opts.signal?.aborted) return { names: [], error: 'cancelled' };
    // NOTFOUND / NODATA are ordinary answers ("no PTR record"), not failures.
    if (code === dns.NOTFOUND || code === dns.NODATA) return { names: [] };
    return { names: [], error: code ?? (e as Error).message };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
