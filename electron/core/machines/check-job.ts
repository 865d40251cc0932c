/**
 * "Check reachability": connects to each machine's management ports and records whether it answered.
 * The cheapest way to learn which machines are up before assessing or deploying.
 */
import type { Host } from '../../../shared/contract';
import type { Db } from '../db/open';
import type { EventSink } from '../event-bus';
import type { JobHandler } from '../jobs/job-runner';
import { mapLimit, tcpConnect } from '../net/tcp-connect';
import { isSilenceMessage } from '../../../shared/machine-state';
import { clearSilenceError, recordReachability } from './machine-queries';

/** Ports tried besides the SSH port, in the order that finds Windows and Linux machines fastest. */
const MANAGEMENT_PORTS = [22, 5985, 5986, 445, 3389];

/** Which of the machine's management ports accept a connection now; none means it is not answering. */
export async function openManagementPorts(h: Host, timeoutMs: number, signal: AbortSignal): Promise<{ tried: number[]; open: number[] }> {
  const tried = [...new Set([h.sshPort, ...h.openPorts, ...MANAGEMENT_PORTS])];
  const results = await Promise.all(tried.map((p) => tcpConnect(h.address, p, timeoutMs, signal)));
  return { tried, open: tried.filter((_, i) => results[i] === 'open').sort((a, b) => a - b) };
}

export function checkJob(db: Db, events: EventSink, hosts: readonly Host[], timeoutMs = 1500): JobHandler {
  return async (ctx) => {
    let done = 0;
    let up = 0;
    ctx.progress(0, hosts.length);
    for (const h of hosts) ctx.target(h.address, { hostId: h.id, state: 'pending', total: 1 });
    await mapLimit(
      hosts,
      32,
      async (h) => {
        ctx.target(h.address, { state: 'running', step: 'connect' });
        const { tried: ports, open } = await openManagementPorts(h, timeoutMs, ctx.signal);
        if (ctx.signal.aborted) return;
        const alive = open.length > 0;
        recordReachability(db, h.id, alive, alive ? open : null);
        // Answering again: the error that said it had gone silent is no longer true.
        if (alive) clearSilenceError(db, h.id, isSilenceMessage);
        if (alive) up++;
        ctx.target(h.address, { state: alive ? 'succeeded' : 'failed', step: 'done', current: 1, ...(alive ? {} : {
          failure: { command: null, exitCode: null, stderrTail: '', message: `No answer on ports ${ports.join(', ')}` },
        }) });
        ctx.log(alive ? 'info' : 'warn', alive ? `Answers on ${open.join(', ')}` : 'Not answering', h.address);
        ctx.progress(++done);
      },
      ctx.signal,
    );
    events.emit('inventory/changed', { hostIds: hosts.map((h) => h.id), reason: 'reachability' });
    const summary = `${up} of ${hosts.length} machines answering`;
    // The check itself succeeded even when machines are down: their rows say so.
    return { state: 'succeeded', summary };
  };
}
