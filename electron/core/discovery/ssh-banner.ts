/**
 * SSH identification string (RFC 4253 §4.2): "SSH-protoversion-softwareversion SP comments CR LF".
 * Distribution packagers put their package revision in the comments, which is the best OS hint a
 * Linux host gives away before authentication.
 */
import net from 'node:net';
import type { OsHint } from './os-hint';

/** A parsed identification string. */
export interface SshBanner {
  /** The line as received, without CR LF. */
  raw: string;
  /** "2.0" (or "1.99" for servers that also speak SSH-1). */
  protoVersion: string;
  /** "OpenSSH_9.2p1" */
  software: string;
  /** Product name before the version, e.g. "OpenSSH", "OpenSSH_for_Windows", "dropbear". */
  product: string;
  /** "9.2p1", or null when the software field has no recognisable version. */
  version: string | null;
  /** "Debian-2+deb12u3", or null. */
  comments: string | null;
}

/** RFC 4253: the identification line is at most 255 characters including CR LF. */
const MAX_LINE = 255;
/** Servers may send other lines first; more than this many bytes of them is not an SSH server. */
const MAX_PRE_BANNER_BYTES = 4096;

export function parseSshBanner(line: string): SshBanner | null {
  const raw = line.replace(/\r?\n$/, '').replace(/\r$/, '');
  if (raw.length > MAX_LINE - 2 || !raw.startsWith('SSH-')) return null;
  // Printable US-ASCII only (RFC 4253); anything else is hostile or not SSH.
  if (!/^[\x20-\x7e]+$/.test(raw)) return null;
  const m = /^SSH-([0-9.]+)-(\S+)(?: (.*))?$/.exec(raw);
  if (!m) return null;
  const software = m[2] as string;
  const vm = /^(.*?)[_-]v?(\d[\w.+~-]*)$/.exec(software);
  return {
    raw,
    protoVersion: m[1] as string,
    software,
    product: vm ? (vm[1] as string) : software,
    version: vm ? (vm[2] as string) : null,
    comments: m[3]?.trim() || null,
  };
}

const DEBIAN_CODENAMES: Record<string, string> = {
  '7': 'wheezy', '8': 'jessie', '9': 'stretch', '10': 'buster', '11': 'bullseye', '12': 'bookworm', '13': 'trixie',
};
/** OpenSSH upstream version shipped in each Debian release, for banners without a "+debNN" suffix. */
const DEBIAN_BY_OPENSSH: Record<string, string> = {
  '6.0p1': '7', '6.7p1': '8', '7.4p1': '9', '7.9p1': '10', '8.4p1': '11', '9.2p1': '12', '10.0p1': '13',
};
/** OpenSSH version → Ubuntu release (the archive never rebases OpenSSH within a release). */
const UBUNTU_BY_OPENSSH: Record<string, string> = {
  '6.6.1p1': '14.04', '7.2p2': '16.04', '7.6p1': '18.04', '8.2p1': '20.04', '8.4p1': '21.04', '8.9p1': '22.04',
  '9.0p1': '22.10', '9.3p1': '23.10', '9.6p1': '24.04', '9.7p1': '24.10', '9.9p1': '25.04',
};
/** RHEL-family builds drop the "p1" and add no comment. */
const RHEL_BY_OPENSSH: Record<string, string> = { '7.4': '7', '8.0': '8', '8.7': '9' };

/** Best OS hint from one banner; confidence reflects how specific the evidence is. */
export function sshOsHint(b: SshBanner): OsHint {
  const c = b.comments ?? '';
  const v = b.version ?? '';
  const why = (s: string): string => `SSH banner "${b.raw.slice(0, 80)}": ${s}`;
  if (/^OpenSSH_for_Windows$/i.test(b.product)) {
    return { family: 'windows', confidence: 0.9, reason: why('Win32-OpenSSH') };
  }
  const raspbian = /Raspbian-[\w.~]*?\+deb(\d+)/.exec(c);
  if (raspbian) {
    const n = raspbian[1] as string;
    return { family: 'linux', distro: 'Raspberry Pi OS', version: `${n} (${DEBIAN_CODENAMES[n] ?? 'unknown'})`, confidence: 0.9, reason: why(`Raspbian package, Debian ${n} base`) };
  }
  const deb = /Debian-[\w.~]*?\+deb(\d+)/.exec(c);
  if (deb) {
    const n = deb[1] as string;
    const name = DEBIAN_CODENAMES[n];
    return { family: 'linux', distro: 'Debian', version: name ? `${n} (${name})` : n, confidence: 0.9, reason: why(`package revision names deb${n}`) };
  }
  if (/^Debian-/.test(c) || /^Raspbian-/.test(c)) {
    const n = DEBIAN_BY_OPENSSH[v];
    const distro = c.startsWith('Raspbian') ? 'Raspberry Pi OS' : 'Debian';
    return n
      ? { family: 'linux', distro, version: `${n} (${DEBIAN_CODENAMES[n] ?? ''})`, confidence: 0.8, reason: why(`OpenSSH ${v} is what Debian ${n} shipped`) }
      : { family: 'linux', distro, confidence: 0.7, reason: why('Debian package revision') };
  }
  if (/^Ubuntu-/.test(c) || /ubuntu/i.test(c)) {
    const rel = UBUNTU_BY_OPENSSH[v];
    return rel
      ? { family: 'linux', distro: 'Ubuntu', version: rel, confidence: 0.85, reason: why(`OpenSSH ${v} is what Ubuntu ${rel} ships`) }
      : { family: 'linux', distro: 'Ubuntu', confidence: 0.75, reason: why('Ubuntu package revision') };
  }
  if (/^FreeBSD-/.test(c)) return { family: 'bsd', distro: 'FreeBSD', confidence: 0.85, reason: why('FreeBSD base-system OpenSSH') };
  if (/^NetBSD/.test(c)) return { family: 'bsd', distro: 'NetBSD', confidence: 0.8, reason: why('NetBSD OpenSSH') };
  if (/^dropbear/i.test(b.product)) {
    return { family: 'linux', distro: 'embedded', confidence: 0.4, reason: why('Dropbear: embedded Linux (router, NAS, appliance)') };
  }
  if (/^(Cisco|ROSSSH|HUAWEI|Comware|FortiSSH|NetScreen|ZyXEL)/i.test(b.software)) {
    return { family: 'network-device', confidence: 0.8, reason: why(`${b.product} is a network-device SSH server`) };
  }
  if (b.product === 'OpenSSH' && RHEL_BY_OPENSSH[v]) {
    return { family: 'linux', distro: 'RHEL-compatible', version: RHEL_BY_OPENSSH[v], confidence: 0.4, reason: why(`OpenSSH ${v} without a portable suffix matches RHEL/CentOS ${RHEL_BY_OPENSSH[v]} (also possible: macOS, OpenBSD)`) };
  }
  if (b.product === 'OpenSSH') {
    // Portable OpenSSH without a distro comment: Arch, Fedora, Alpine, macOS… too many to call.
    return { family: 'unknown', confidence: 0.2, reason: why('OpenSSH without a distribution comment') };
  }
  return { family: 'unknown', confidence: 0.1, reason: why(`unrecognised SSH server "${b.product}"`) };
}

export type ReadBannerResult =
  | { ok: true; banner: SshBanner; preBanner: string[] }
  | { ok: false; error: string; raw?: string };

/**
 * Pull the identification string out of the first bytes a server sent. Returns `need-more` until a
 * full line arrives; bounded by MAX_LINE per line and MAX_PRE_BANNER_BYTES overall.
 */
export function extractBanner(data: Buffer): ReadBannerResult | 'need-more' {
  const pre: string[] = [];
  let start = 0;
  while (start < data.length) {
    const nl = data.indexOf(0x0a, start);
    if (nl < 0) {
      if (data.length - start > MAX_LINE) return { ok: false, error: 'line longer than 255 bytes', raw: printable(data.subarray(start, start + 80)) };
      return data.length > MAX_PRE_BANNER_BYTES ? { ok: false, error: 'no SSH identification in the first 4 KiB' } : 'need-more';
    }
    const line = data.subarray(start, nl + 1).toString('latin1');
    if (line.startsWith('SSH-')) {
      const banner = parseSshBanner(line);
      return banner ? { ok: true, banner, preBanner: pre } : { ok: false, error: 'malformed SSH identification string', raw: printable(data.subarray(start, Math.min(nl, start + 255))) };
    }
    if (nl + 1 - start > MAX_LINE) return { ok: false, error: 'pre-banner line longer than 255 bytes' };
    if (pre.length < 5) pre.push(printable(data.subarray(start, nl)));
    start = nl + 1;
    if (start > MAX_PRE_BANNER_BYTES) return { ok: false, error: 'no SSH identification in the first 4 KiB' };
  }
  return 'need-more';
}

/** Make untrusted bytes safe to store and show: printable ASCII, everything else as "\xNN". */
export function printable(buf: Uint8Array): string {
  let s = '';
  for (const b of buf) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return s;
}

export interface ReadBannerOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Connect and read the server's identification string, sending nothing: the server speaks first
 * (RFC 4253 §4.2), and staying silent means we never start a key exchange we would abandon.
 */
export function readSshBanner(host: string, port: number, opts: ReadBannerOptions): Promise<ReadBannerResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const socket = net.connect({ host, port });
    const done = (r: ReadBannerResult): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = (): void => done({ ok: false, error: 'cancelled' });
    const timer = setTimeout(() => done({ ok: false, error: `no identification within ${opts.timeoutMs} ms` }), opts.timeoutMs);
    if (opts.signal?.aborted) { done({ ok: false, error: 'cancelled' }); return; }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      const cap = MAX_PRE_BANNER_BYTES + MAX_LINE;
      const r = extractBanner(Buffer.concat(chunks, size).subarray(0, cap));
      if (r !== 'need-more') done(r);
      else if (size >= cap) done({ ok: false, error: 'no SSH identification in the first 4 KiB' });
    });
    socket.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message }));
    socket.on('end', () => {
      const r = extractBanner(Buffer.concat(chunks));
      done(r === 'need-more' ? { ok: false, error: 'connection closed before a complete identification line', raw: printable(Buffer.concat(chunks).subarray(0, 80)) } : r);
    });
  });
}
