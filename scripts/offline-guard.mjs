// Loaded with `node --import` around third-party tools in the test command: any attempt to reach a host
// other than loopback fails at once, so the tests never send traffic off this machine (they may not).
import dns from 'node:dns';
import net from 'node:net';

const loopback = (h) => h === undefined || h === null || h === 'localhost' || /^127\./.test(String(h)) || h === '::1';
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guarded(...args) {
  // net.connect() passes its normalised [options, callback] array as the only argument.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const o = typeof first === 'object' && first !== null ? first : { port: first, host: Array.isArray(args[0]) ? undefined : args[1] };
  if (!o.path && !loopback(o.host)) {
    process.nextTick(() => this.destroy(new Error(`offline-guard: refused a connection to ${o.host}`)));
    return this;
  }
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function guardedLookup(host, ...rest) {
  const cb = rest[rest.length - 1];
  if (!loopback(host)) return process.nextTick(() => cb(new Error(`offline-guard: refused to resolve ${host}`)));
  return lookup.call(this, host, ...rest);
};
