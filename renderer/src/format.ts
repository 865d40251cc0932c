/** Small display helpers shared by pages. */
export function ago(ts: number | null, now = Date.now()): string {
  if (ts === null) return 'never';
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

export const REACHABILITY_LABEL = { up: 'Answering', down: 'Not answering', unknown: 'Not checked' } as const;
export const OS_LABEL = {
  linux: 'Linux',
  windows: 'Windows',
  macos: 'macOS',
  bsd: 'BSD',
  'network-device': 'Network device',
  unknown: 'Unknown',
} as const;

/** A size in bytes as people read it (binary units, as disks and the cache bound are set). */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${n} bytes` : `${v >= 100 ? Math.round(v) : v.toFixed(1).replace(/\.0$/, '')} ${units[u]}`;
}
