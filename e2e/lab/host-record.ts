import fs from 'node:fs';
import path from 'node:path';
import { hostDir, hostsDir } from './paths.js';
import type { ProcIdentity } from './proc.js';
import { isScenario, type Scenario } from './types.js';

/**
 * What the lab knows about one host, in hosts/N/host.json. One file per host (not one lab file)
 * so a crash in the middle of `up` still leaves a record of every process it started.
 */
export interface HostRecord {
  index: number;
  hostname: string;
  scenario: Scenario;
  /** overlay lowerdirs, top first; null for a btrfs host */
  lowerDirs: string[] | null;
  /** key of the pristine btrfs image the host's disk was copied from; null for overlay hosts */
  imageKey: string | null;
  /** host paths bind-mounted read-only into the root (the fixture repository) */
  binds: { src: string; dst: string }[];
  hostPublicKeys: Record<string, string>;
  hostKeyFingerprints: Record<string, string>;
  /** the `unshare` process holding the host's namespaces; null when never started */
  proc: ProcIdentity | null;
  /** true after stopHost: `status` shows it down on purpose */
  stopped: boolean;
}

export function recordFile(index: number): string {
  return path.join(hostDir(index), 'host.json');
}

export function writeRecord(rec: HostRecord): void {
  const file = recordFile(rec.index);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(rec, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

function parseRecord(text: string, index: number): HostRecord | null {
  try {
    const r = JSON.parse(text) as Partial<HostRecord>;
    if (r.index !== index || typeof r.hostname !== 'string' || typeof r.scenario !== 'string' || !isScenario(r.scenario)) return null;
    return r as HostRecord;
  } catch {
    return null;
  }
}

/** Host numbers that have a directory (a record may be missing if `up` crashed early). */
export function hostIndexes(): number[] {
  if (!fs.existsSync(hostsDir())) return [];
  return fs.readdirSync(hostsDir()).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
}

export function readRecord(index: number): HostRecord | null {
  const file = recordFile(index);
  if (!fs.existsSync(file)) return null;
  return parseRecord(fs.readFileSync(file, 'utf8'), index);
}

/** Identity written right after spawn, before anything else can fail. */
export function pidFile(index: number): string {
  return path.join(hostDir(index), 'pid.json');
}

export function readPidFile(index: number): ProcIdentity | null {
  try {
    const p = JSON.parse(fs.readFileSync(pidFile(index), 'utf8')) as ProcIdentity;
    return typeof p.pid === 'number' && typeof p.startTime === 'string' && typeof p.marker === 'string' ? p : null;
  } catch {
    return null;
  }
}
