/**
 * A network scan as a durable job: sweeps the targets, records every responsive address as a scan result,
 * merges what it saw into known machines, and marks known machines inside the swept range that no longer
 * answer. New machines wait in the results until the user adds them.
 */
import type { FingerprintView, ScanResult } from '../../../shared/contract';
import type { Db } from '../db/open';
import type { EventSink } from '../event-bus';
import { listHosts } from '../machines/machine-queries';
import type { JobHandler } from '../jobs/job-runner';
import {
  describeChanges,
  findHostByAddress,
  finishScan,
  insertResult,
  insertScan,
  markHostMissing,
  mergeIntoHost,
} from './discovery-queries';
import type { Fingerprint } from './fingerprint';
import { runScan, type HostResult, type ScanOptions } from './scan';
import { ipv4ToInt, rangesContain, type TargetPlan } from './targets';

export interface DiscoveryArgs {
  include: string;
  exclude: string;
  ports: number[];
  plan: TargetPlan;
}

/** Defaults tuned for an office LAN: quick on answering hosts, patient enough for a slow Wi-Fi client. */
export const DEFAULT_SCAN_OPTIONS: Omit<ScanOptions, 'ports'> = {
  concurrency: 512,
  probeTimeoutMs: 1500,
  budgetMs: 15 * 60_000,
  fingerprint: true,
  fingerprintTimeoutMs: 3000,
};

function toFingerprintView(f: Fingerprint): FingerprintView {
  return { source: f.source, port: f.port ?? null, evidence: f.evidence.slice(0, 500), hint: f.hint ? f.hint.reason.slice(0, 300) : null };
}

export function toScanResult(scanId: number, h: HostResult, hostId: number | null, change: ScanResult['change'], changes: string[]): ScanResult {
  return {
    scanId,
    address: h.address,
    hostId,
    change,
    changes,
    hostnames: h.hostnames,
    openPorts: h.openPorts,
    fingerprints: h.fingerprints.map(toFingerprintView),
    osGuess: {
      family: h.osGuess.family,
      distro: h.osGuess.distro ?? null,
      version: h.osGuess.version ?? null,
      confidence: h.osGuess.confidence,
      reasons: h.osGuess.reasons,
    },
    mac: h.mac ?? null,
    vendor: h.vendor ?? null,
    respondedAt: Date.parse(h.respondedAt) || null,
  };
}

export function discoveryJob(db: Db, events: EventSink, args: DiscoveryArgs, overrides: Partial<ScanOptions> = {}): JobHandler {
  return async (ctx) => {
    const scanId = insertScan(db, {
      jobId: ctx.jobId,
      include: args.include,
      exclude: args.exclude,
      ports: args.ports,
      addressCount: args.plan.addressCount,
    });
    ctx.log('info', `Scanning ${args.plan.addressCount} addresses on ports ${args.ports.join(', ')}`);
    const seen = new Set<string>();
    const touched: number[] = [];
    let found = 0;
    let newCount = 0;
    let changedCount = 0;

    const onHost = (h: HostResult): void => {
      seen.add(h.address);
      found++;
      const known = findHostByAddress(db, h.address);
      const provisional = toScanResult(scanId, h, known?.id ?? null, 'new', []);
      const changes = known ? describeChanges(known, provisional) : [];
      const change: ScanResult['change'] = !known ? 'new' : changes.length ? 'changed' : 'same';
      const result = { ...provisional, change, changes };
      if (change === 'new') newCount++;
      if (change === 'changed') changedCount++;
      db.transaction(() => {
        insertResult(db, result);
        if (known) mergeIntoHost(db, known, result, scanId);
      })();
      if (known) touched.push(known.id);
      events.emit('discovery/host', { jobId: ctx.jobId, result });
    };

    const summary = await runScan(
      args.plan,
      { ...DEFAULT_SCAN_OPTIONS, ...overrides, ports: args.ports },
      {
        onProgress: (p) => {
          ctx.progress(p.addressesDone, p.addressesTotal);
          ctx.summary(`${p.found} found so far${p.phase === 'fingerprinting' ? ', fingerprinting' : ''}`);
        },
        onHost,
      },
      ctx.signal,
    );
    for (const u of summary.unresolved) ctx.log('warn', `${u.hostname} did not resolve (${u.error})`, u.hostname);

    // Known machines in the swept range that did not answer are marked, never removed. Only a sweep that
    // covered every address can say so.
    let missing = 0;
    if (summary.status === 'completed') {
      for (const h of listHosts(db)) {
        const n = ipv4ToInt(h.address);
        if (n === null || seen.has(h.address) || !rangesContain(args.plan.ranges, n)) continue;
        db.transaction(() => {
          insertResult(db, {
            scanId,
            address: h.address,
            hostId: h.id,
            change: 'missing',
            changes: ['not answering'],
            hostnames: h.hostname ? [h.hostname] : [],
            openPorts: [],
            fingerprints: [],
            osGuess: null,
            mac: h.mac,
            vendor: h.vendor,
            respondedAt: null,
          });
          markHostMissing(db, h.id, scanId);
        })();
        touched.push(h.id);
        missing++;
      }
    } else if (summary.status === 'budget-exhausted') {
      ctx.log('warn', 'The scan ran out of time before every address was probed; machines not reached are left as they were');
    }
    finishScan(db, scanId, ctx.signal.aborted ? 'cancelled' : summary.status);
    if (touched.length) events.emit('inventory/changed', { hostIds: touched, reason: 'scan' });
    const text = `${found} found: ${newCount} new, ${changedCount} changed, ${missing} no longer answering`;
    ctx.log('info', `${text} (${(summary.elapsedMs / 1000).toFixed(1)} s)`);
    return { state: summary.status === 'completed' ? 'succeeded' : 'partial', summary: text };
  };
}
