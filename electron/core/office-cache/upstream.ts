/**
 * How the office cache reaches repositories. A machine chooses the URL, so the default connection refuses this
 * computer's own addresses: otherwise a machine could use the lent proxy to reach services that only listen on
 * loopback here (the headless host, the cache itself).
 */
import dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import type stream from 'node:stream';
import { isLocalAddress } from './request-target';

/** Opens a TCP connection to host:port on a machine's behalf (tests and the lab point it elsewhere). */
export type ConnectUpstream = (host: string, port: number) => net.Socket;

export class RefusedDestinationError extends Error {
  constructor(host: string) {
    super(`the office cache does not connect to ${host}: it is this computer`);
    this.name = 'RefusedDestinationError';
  }
}

function refusingLookup(hostname: string, options: dns.LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const usable = addresses.filter((a) => !isLocalAddress(a.address));
    if (usable.length === 0) return callback(new RefusedDestinationError(hostname), '', 0);
    if (options.all) return callback(null, usable);
    const first = usable[0] as dns.LookupAddress;
    callback(null, first.address, first.family);
  });
}

/** Real TCP to the host, never to this computer's loopback or unspecified addresses. */
export const connectDirect: ConnectUpstream = (host, port) => {
  if (net.isIP(host) !== 0 && isLocalAddress(host)) {
    const socket = new net.Socket();
    process.nextTick(() => socket.destroy(new RefusedDestinationError(host)));
    return socket;
  }
  return net.connect({ host, port, lookup: refusingLookup });
};

/** Keeps upstream connections alive between requests (apt fetches hundreds of files from one mirror). */
export class UpstreamAgent extends http.Agent {
  constructor(private readonly connectTo: ConnectUpstream) {
    super({ keepAlive: true, maxSockets: 32, maxFreeSockets: 8 });
  }

  override createConnection(options: http.ClientRequestArgs): stream.Duplex {
    const host = (options.host ?? options.hostname ?? 'localhost').replace(/^\[|\]$/g, '');
    return this.connectTo(host, Number(options.port ?? 80));
  }
}

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host',
]);

/** Headers without the hop-by-hop ones (and those the Connection header names), for the next hop. */
export function endToEndHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && !named.has(k)) out[k] = v;
  return out;
}

export function upstreamRequest(agent: http.Agent, url: URL, method: 'GET' | 'HEAD', headers: http.OutgoingHttpHeaders, timeoutMs: number): http.ClientRequest {
  const req = http.request({
    agent,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 80 : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method,
    headers: { ...headers, host: url.host },
  });
  // An idle upstream fails the request rather than holding every waiting machine forever.
  req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${url.host} for ${Math.round(timeoutMs / 1000)} s`)));
  return req;
}
