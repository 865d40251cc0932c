/**
 * Parsers for RPM-family outputs: `rpm -qa --qf`, `dnf/yum check-update`, `dnf updateinfo list`/`info` (dnf4 and
 * dnf5 layouts), `needs-restarting -r`. Shared by rhel.ts and suse.ts (SUSE is RPM too).
 */
import { extractCves } from './debian-changelog';
import type { InstalledPackage } from './platform';

/** Query format: name, epoch (0 when none), version, release, arch. Extra fields (SOURCERPM…) are ignored. */
export const RPM_QF = '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n';

export function evrString(epoch: string, version: string, release: string): string {
  return `${epoch && epoch !== '0' && epoch !== '(none)' ? `${epoch}:` : ''}${version}-${release}`;
}

export function parseRpmQa(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const [name = '', epoch = '', version = '', release = '', arch = ''] = f;
    if (!/^(\d+|\(none\))$/.test(epoch) || !/^[A-Za-z0-9_]+$/.test(arch)) continue; // "package x is not installed" etc.
    out.push({ name, arch, version: evrString(epoch, version, release) });
  }
  return out;
}

export interface CheckUpdateRow {
  name: string;
  arch: string;
  evr: string;
  repo: string;
}

/**
 * `dnf check-update` / `yum check-update` (exit 100 = updates available, 0 = none, 1 = error): rows of
 * "name.arch  [epoch:]version-release  repo". Long names wrap: the name alone on a line, the rest indented on the
 * next. Everything from "Obsoleting Packages" on is a different report and is skipped.
 */
export function parseCheckUpdate(text: string): CheckUpdateRow[] {
  const out: CheckUpdateRow[] = [];
  let pending: string | null = null;
  for (const raw of text.split('\n')) {
    if (/^Obsoleting [Pp]ackages/.test(raw.trim())) break;
    const line: string = pending !== null ? `${pending} ${raw.trim()}` : raw;
    pending = null;
    const f: string[] = line.trim().split(/\s+/).filter(Boolean);
    if (f.length === 1 && /^\S+\.[A-Za-z0-9_]+$/.test(f[0] ?? '') && !raw.startsWith(' ')) {
      pending = f[0] ?? null;
      continue;
    }
    if (f.length !== 3) continue;
    const [na = '', evr = '', repo = ''] = f;
    const dot = na.lastIndexOf('.');
    if (dot <= 0 || !/^[A-Za-z0-9_]+$/.test(na.slice(dot + 1)) || !/^(\d+:)?[^-\s]+-[^-\s]+$/.test(evr)) continue;
    out.push({ name: na.slice(0, dot), arch: na.slice(dot + 1), evr, repo });
  }
  return out;
}

export interface Nevra {
  name: string;
  evr: string;
  arch: string;
}

/** Splits "name-[epoch:]version-release.arch" from the right. */
export function parseNevra(text: string): Nevra | null {
  const m = /^(.+)-((?:\d+:)?[^-:]+-[^-]+)\.([A-Za-z0-9_]+)$/.exec(text.trim());
  return m?.[1] && m[2] && m[3] ? { name: m[1], evr: m[2], arch: m[3] } : null;
}

export interface UpdateinfoRow {
  id: string;
  type: string;
  /** Critical/Important/Moderate/Low, or null. */
  severity: string | null;
  nevra: Nevra;
  issued: string | null;
}

/**
 * `dnf updateinfo list` rows. dnf4: "[i ]ID  Severity/Sec.|bugfix|enhancement  NEVRA"; dnf5 (`advisory list`):
 * a header "Name Type Severity Package Issued" and rows "ID type severity NEVRA YYYY-MM-DD hh:mm:ss".
 */
export function parseUpdateinfoList(text: string): UpdateinfoRow[] {
  const out: UpdateinfoRow[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/).filter(Boolean);
    if (f[0] === 'i' && f.length >= 4) f.shift();
    if (f.length === 3) {
      const [id = '', kind = '', pkg = ''] = f;
      const nevra = parseNevra(pkg);
      if (!nevra) continue;
      const sec = /^(\w+)\/Sec\.$/.exec(kind);
      out.push({ id, type: sec || kind === 'security' ? 'security' : kind, severity: sec?.[1] ?? null, nevra, issued: null });
    } else if (f.length >= 5 && f[0] !== 'Name') {
      const [id = '', type = '', severity = '', pkg = '', date = '', time = ''] = f;
      const nevra = parseNevra(pkg);
      if (!nevra) continue;
      const issued = /^\d{4}-\d\d-\d\d$/.test(date) ? `${date}T${time || '00:00:00'}Z` : null;
      out.push({ id, type, severity: severity === 'none' ? null : severity, nevra, issued });
    }
  }
  return out;
}

export interface UpdateinfoDetail {
  id: string;
  type: string | null;
  severity: string | null;
  issued: string | null;
  cves: string[];
  rebootSuggested: boolean;
}

/**
 * `dnf updateinfo info` blocks. dnf4: "  Update ID: RHSA-2019:0997", "Type:", "Updated:"/"Issued:", "Bugs:",
 * "CVEs:" (continued on ": CVE-…" lines), "Severity:". dnf5: "Name        : FEDORA-…", "Severity    :",
 * "Issued      :", and "Reference" sub-blocks with "Type : cve" / "Id". CVE IDs are taken from the whole block.
 */
export function parseUpdateinfoInfo(text: string): UpdateinfoDetail[] {
  const blocks: string[][] = [];
  for (const line of text.split('\n')) {
    if (/^\s*(Update ID|Name)\s*:/.test(line)) blocks.push([]);
    blocks[blocks.length - 1]?.push(line);
  }
  return blocks.flatMap((lines) => {
    const field = (k: string): string | null => {
      const l = lines.find((x) => new RegExp(`^\\s*${k}\\s*:`).test(x));
      return l ? l.slice(l.indexOf(':') + 1).trim() || null : null;
    };
    const id = field('Update ID') ?? field('Name');
    if (!id) return [];
    const issuedRaw = field('Issued') ?? field('Updated');
    const ms = issuedRaw ? Date.parse(issuedRaw.replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(issuedRaw) ? '' : 'Z')) : NaN;
    const severity = field('Severity');
    const text = lines.join('\n');
    return [{
      id,
      type: field('Type'),
      severity: severity && severity !== 'none' ? severity : null,
      issued: Number.isFinite(ms) ? new Date(ms).toISOString() : null,
      cves: extractCves(text),
      rebootSuggested: /Reboot\s*:\s*(yes|true|system)/i.test(text) || /reboot[_ ]suggested\s*:\s*(yes|true)/i.test(text),
    }];
  });
}

/**
 * `needs-restarting -r`: exit 1 = reboot needed (0 = not), stdout "Core libraries or services have been updated
 * since boot-up:" then "  * pkg" lines. Returns the listed packages.
 */
export function parseNeedsRestartingR(text: string): string[] {
  return text.split('\n').flatMap((l) => {
    const m = /^\s*\*\s+(\S+)/.exec(l);
    return m?.[1] ? [m[1]] : [];
  });
}

const SEVERITY_RANK: Readonly<Record<string, number>> = { low: 1, moderate: 2, important: 3, critical: 4 };

export function highestSeverity(values: readonly (string | null)[]): string | null {
  let best: string | null = null;
  for (const v of values) {
    if (v && (SEVERITY_RANK[v.toLowerCase()] ?? 0) > (best ? (SEVERITY_RANK[best.toLowerCase()] ?? 0) : -1)) best = v;
  }
  return best;
}
