/**
 * Parsing of what the user typed into "scan these" / "but not these" into a TargetPlan.
 *
 * Addresses are kept as sorted, merged, inclusive uint32 ranges so a /16 costs two numbers rather than
 * 65,536 strings, and `addressAt` gives random access for the sweep's interleaved ordering.
 */
import os from 'node:os';

/** Refuse anything bigger than a /16: sweeping more from a desktop app is a mistake, not a feature. */
export const HARD_CAP = 65_536;
/** Larger than a /20 and the UI asks "are you sure?" before starting. */
export const CONFIRM_ABOVE = 4_096;

/** An inclusive range of IPv4 addresses as unsigned 32-bit integers. */
export interface AddressRange {
  /** First address (uint32). */
  start: number;
  /** Last address, inclusive (uint32). */
  end: number;
}

/** The parsed, validated target set. */
export interface TargetPlan {
  /** Sorted, non-overlapping, non-adjacent ranges with exclusions already removed. */
  ranges: AddressRange[];
  /** Host names to resolve at scan time (lower-cased, no trailing dot, de-duplicated). */
  hostnames: string[];
  /** Host names the user excluded; an included name is dropped if listed here. */
  excludedHostnames: string[];
  /** Exclusion ranges, kept so addresses resolved from host names can be filtered too. */
  excludedRanges: AddressRange[];
  /** Number of literal addresses in `ranges` (host names not counted; they resolve later). */
  addressCount: number;
  /** True when the set is larger than a /20 and the user should confirm. */
  needsConfirmation: boolean;
}

/** One problem with one token, phrased for the person who typed it. */
export interface TargetError {
  field: 'include' | 'exclude';
  token: string;
  message: string;
}

export type ParseTargetsResult = { ok: true; targets: TargetPlan } | { ok: false; errors: TargetError[] };

type Token =
  | { kind: 'range'; range: AddressRange }
  | { kind: 'host'; name: string }
  | { kind: 'error'; message: string };

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Dotted quad to uint32, or null. Leading zeros are refused because some tools read them as octal. */
export function ipv4ToInt(text: string): number | null {
  const m = OCTETS.exec(text);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i] as string;
    if (part.length > 1 && part.startsWith('0')) return null;
    const v = Number(part);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function intToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, at most 253 characters. */
export function isValidHostname(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0 || bare.length > 253) return false;
  const labels = bare.split('.');
  if (!labels.every((l) => LABEL.test(l))) return false;
  // An all-numeric last label would make "10.0.0.300" a "host name"; real TLDs are never numeric.
  return !/^\d+$/.test(labels[labels.length - 1] as string);
}

function parseToken(token: string): Token {
  const slash = token.indexOf('/');
  if (slash >= 0) {
    const base = ipv4ToInt(token.slice(0, slash));
    const bitsText = token.slice(slash + 1);
    if (base === null) return { kind: 'error', message: `"${token.slice(0, slash)}" is not an IPv4 address` };
    if (!/^\d{1,2}$/.test(bitsText) || Number(bitsText) > 32) {
      return { kind: 'error', message: `prefix length must be 0–32, got "${bitsText}"` };
    }
    const bits = Number(bitsText);
    const size = 2 ** (32 - bits);
    const start = Math.floor(base / size) * size;
    const end = start + size - 1;
    // Network and broadcast addresses never answer as hosts; /31 (RFC 3021) and /32 have neither.
    if (bits <= 30) return { kind: 'range', range: { start: start + 1, end: end - 1 } };
    return { kind: 'range', range: { start, end } };
  }
  const dash = token.indexOf('-');
  if (dash >= 0 && OCTETS.test(token.slice(0, dash))) {
    const start = ipv4ToInt(token.slice(0, dash));
    const tail = token.slice(dash + 1);
    if (start === null) return { kind: 'error', message: `"${token.slice(0, dash)}" is not an IPv4 address` };
    let end: number | null;
    if (/^\d{1,3}$/.test(tail)) {
      const last = Number(tail);
      end = last <= 255 && !(tail.length > 1 && tail.startsWith('0')) ? (start - (start & 255) + last) : null;
    } else {
      end = ipv4ToInt(tail);
    }
    if (end === null) return { kind: 'error', message: `range end "${tail}" is not an IPv4 address or last octet (0–255)` };
    if (end < start) return { kind: 'error', message: `range ends before it starts (${intToIpv4(start)} > ${intToIpv4(end)})` };
    return { kind: 'range', range: { start, end } };
  }
  if (/^[\d.]+$/.test(token)) {
    const n = ipv4ToInt(token);
    return n === null
      ? { kind: 'error', message: `"${token}" is not a valid IPv4 address (four numbers 0–255, no leading zeros)` }
      : { kind: 'range', range: { start: n, end: n } };
  }
  if (isValidHostname(token)) return { kind: 'host', name: token.toLowerCase().replace(/\.$/, '') };
  if (token.includes(':')) return { kind: 'error', message: 'IPv6 is not supported for discovery yet' };
  return { kind: 'error', message: `"${token}" is not an IPv4 address, range, CIDR or valid host name` };
}

/** Sort and merge overlapping or adjacent ranges. */
export function normaliseRanges(input: readonly AddressRange[]): AddressRange[] {
  const sorted = [...input].sort((a, b) => a.start - b.start);
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** Ranges in `a` not covered by `b`; both must be normalised. */
export function subtractRanges(a: readonly AddressRange[], b: readonly AddressRange[]): AddressRange[] {
  const out: AddressRange[] = [];
  let j = 0;
  for (const r of a) {
    let start = r.start;
    while (j < b.length && (b[j] as AddressRange).end < start) j++;
    let k = j;
    while (k < b.length && (b[k] as AddressRange).start <= r.end) {
      const x = b[k] as AddressRange;
      if (x.start > start) out.push({ start, end: x.start - 1 });
      start = Math.max(start, x.end + 1);
      k++;
    }
    if (start <= r.end) out.push({ start, end: r.end });
  }
  return out;
}

export function countRanges(ranges: readonly AddressRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.end - r.start + 1;
  return n;
}

/** Whitespace, commas and semicolons separate tokens; `#` starts a comment to the end of the line. */
function tokenise(text: string): { token: string; negated: boolean }[] {
  const out: { token: string; negated: boolean }[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/#.*$/, '');
    for (const piece of line.split(/[\s,;]+/)) {
      if (!piece) continue;
      if (piece.startsWith('!')) {
        if (piece.length > 1) out.push({ token: piece.slice(1), negated: true });
      } else out.push({ token: piece, negated: false });
    }
  }
  return out;
}

/**
 * Parse the include and exclude boxes. A `!` before a token in the include box excludes it too, so a
 * pasted list like "10.0.0.0/24 !10.0.0.1" works without using the second box.
 */
export function parseTargets(include: string, exclude: string): ParseTargetsResult {
  const errors: TargetError[] = [];
  const inc: AddressRange[] = [];
  const exc: AddressRange[] = [];
  const hosts = new Set<string>();
  const excludedHosts = new Set<string>();
  const take = (field: 'include' | 'exclude', text: string): void => {
    for (const { token, negated } of tokenise(text)) {
      if (token.length > 300) {
        errors.push({ field, token: `${token.slice(0, 40)}…`, message: 'entry is too long' });
        continue;
      }
      const t = parseToken(token);
      const toExclude = negated || field === 'exclude';
      if (t.kind === 'error') errors.push({ field, token, message: t.message });
      else if (t.kind === 'range') (toExclude ? exc : inc).push(t.range);
      else (toExclude ? excludedHosts : hosts).add(t.name);
    }
  };
  take('include', include);
  take('exclude', exclude);
  if (errors.length) return { ok: false, errors };
  if (inc.length === 0 && hosts.size === 0) {
    return { ok: false, errors: [{ field: 'include', token: '', message: 'enter at least one address, range, CIDR or host name' }] };
  }
  const excludedRanges = normaliseRanges(exc);
  const ranges = subtractRanges(normaliseRanges(inc), excludedRanges);
  const addressCount = countRanges(ranges);
  if (addressCount > HARD_CAP) {
    return {
      ok: false,
      errors: [{
        field: 'include',
        token: include.trim().slice(0, 60),
        message: `${addressCount.toLocaleString('en')} addresses is more than the limit of ${HARD_CAP.toLocaleString('en')} (a /16); split the scan or narrow the ranges`,
      }],
    };
  }
  const hostnames = [...hosts].filter((h) => !excludedHosts.has(h)).sort();
  if (addressCount === 0 && hostnames.length === 0) {
    return { ok: false, errors: [{ field: 'exclude', token: '', message: 'the exclusions remove every target' }] };
  }
  return {
    ok: true,
    targets: {
      ranges,
      hostnames,
      excludedHostnames: [...excludedHosts].sort(),
      excludedRanges,
      addressCount,
      needsConfirmation: addressCount + hostnames.length > CONFIRM_ABOVE,
    },
  };
}

/** The i-th address (0-based) of the plan, without building the whole list. O(number of ranges). */
export function addressAt(ranges: readonly AddressRange[], index: number): number {
  let i = index;
  for (const r of ranges) {
    const size = r.end - r.start + 1;
    if (i < size) return r.start + i;
    i -= size;
  }
  throw new RangeError(`address index ${index} out of range`);
}

/** Deterministic ascending iteration over every literal address of the plan. */
export function* iterateAddresses(ranges: readonly AddressRange[]): Generator<number> {
  for (const r of ranges) for (let a = r.start; a <= r.end; a++) yield a;
}

export function rangesContain(ranges: readonly AddressRange[], addr: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges[mid] as AddressRange;
    if (addr < r.start) hi = mid - 1;
    else if (addr > r.end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** A subnet offered to the user as a starting point. */
export interface SubnetSuggestion {
  /** e.g. "192.168.1.0/24" */
  cidr: string;
  /** Interface name, e.g. "eth0". */
  interfaceName: string;
  /** The machine's own address on that interface. */
  address: string;
  /** Loopback is offered for the test lab only; it is never a real LAN. */
  kind: 'lan' | 'loopback-lab';
}

/**
 * The /24 around each non-internal IPv4 interface, plus 127.0.0.0/24 for the lab. Always /24 even on a
 * wider netmask, because a /16 office LAN is better swept in slices the user picks deliberately.
 */
export function suggestSubnets(
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): SubnetSuggestion[] {
  const out: SubnetSuggestion[] = [];
  const seen = new Set<string>();
  for (const name of Object.keys(interfaces).sort()) {
    for (const info of interfaces[name] ?? []) {
      // Node 18.0–18.3 reported family as a number; accept both spellings.
      const family: unknown = info.family;
      if (info.internal || (family !== 'IPv4' && family !== 4)) continue;
      const n = ipv4ToInt(info.address);
      if (n === null || (n >>> 24) === 127 || (n >>> 16) === 0xa9fe) continue; // loopback, link-local
      const cidr = `${intToIpv4(n - (n & 255))}/24`;
      if (seen.has(cidr)) continue;
      seen.add(cidr);
      out.push({ cidr, interfaceName: name, address: info.address, kind: 'lan' });
    }
  }
  out.push({ cidr: '127.0.0.0/24', interfaceName: 'lo', address: '127.0.0.1', kind: 'loopback-lab' });
  return out;
}
