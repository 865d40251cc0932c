/**
 * The `no-route` scenario: a stale host in a network namespace of its own, with only its loopback interface up —
 * no route anywhere, no DNS, no address outside 127.0.0.0/8. Its sshd listens inside that namespace; the lab
 * reaches it through two small forwarders (Node, the lab's own runtime): one on the lab address in the machine's
 * namespace, one inside the host's, joined by a Unix socket in the host's state folder (file-system sockets cross
 * network namespaces; nothing else does). So the only way in or out of the host is its SSH connection — what the
 * office cache's reverse forward is tested against.
 */
import path from 'node:path';
import { shq } from './exec.js';

/** A byte pipe: `tcp ADDR PORT SOCKET` listens on ADDR:PORT and connects to SOCKET; `unix SOCKET ADDR PORT` the reverse. */
const FORWARDER = `const net = require('net');
const [mode, a, b, c] = process.argv.slice(1);
const connect = mode === 'tcp' ? () => net.connect(c) : () => net.connect(Number(c), b);
const server = net.createServer((inbound) => {
  const outbound = connect();
  const drop = () => { inbound.destroy(); outbound.destroy(); };
  for (const s of [inbound, outbound]) { s.on('error', drop); s.on('close', drop); }
  inbound.pipe(outbound).pipe(inbound);
});
if (mode === 'tcp') server.listen(Number(b), a); else server.listen(a);`;

/**
 * The tail of a no-route host's run.sh (instead of `exec chroot … sshd`): the outer forwarder, then a new network
 * namespace with lo up, the inner forwarder and sshd as PID 1 — all inside the host's PID namespace, so stopping
 * the host ends them all.
 */
export function noRouteTail(hostDir: string, address: string, chrootSshd: string): string[] {
  const sock = path.join(hostDir, 'ssh.sock');
  const node = shq(process.execPath);
  const code = shq(FORWARDER);
  const inner = [
    'ip link set lo up',
    `${node} -e ${code} unix ${shq(sock)} ${shq(address)} 22 &`,
    `exec ${chrootSshd}`,
  ].join('\n');
  return [
    `rm -f ${shq(sock)}`,
    `${node} -e ${code} tcp ${shq(address)} 22 ${shq(sock)} &`,
    `exec unshare --net -- /bin/sh -euc ${shq(inner)}`,
  ];
}
