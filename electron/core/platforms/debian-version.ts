/**
 * dpkg version comparison, following Debian policy §5.6.12 and dpkg's lib/dpkg/version.c semantics:
 * epochs compare numerically; upstream and revision compare by alternating non-digit and digit runs, where in
 * non-digit runs "~" sorts before everything (even the end), letters before non-letters, and digit runs compare
 * numerically. Cross-checked against `dpkg --compare-versions` in debian-version.test.ts.
 */

export interface DebianVersion {
  epoch: number;
  upstream: string;
  /** Empty when the version has no revision; dpkg treats "" and "0" alike. */
  revision: string;
}

export function parseDebianVersion(text: string): DebianVersion {
  const v = text.trim();
  let rest = v;
  let epoch = 0;
  const colon = v.indexOf(':');
  if (colon > 0 && /^\d+$/.test(v.slice(0, colon))) {
    epoch = Number(v.slice(0, colon));
    rest = v.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) return { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) };
  return { epoch, upstream: rest, revision: '' };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Weight of one character in a non-digit run; 0 stands for "end of string" and for digits. */
function order(c: number | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126 /* ~ */) return -1;
  return c + 256;
}

/** Compares one upstream or revision part. Returns <0, 0 or >0. */
export function compareVersionPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(i < a.length ? a.charCodeAt(i) : undefined);
      const bc = order(j < b.length ? b.charCodeAt(j) : undefined);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (i < a.length && j < b.length && isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a.charCodeAt(i))) return 1;
    if (j < b.length && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Compares two Debian version strings: negative when a < b, 0 when equal, positive when a > b. */
export function compareDebianVersions(a: string, b: string): number {
  const va = parseDebianVersion(a);
  const vb = parseDebianVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch > vb.epoch ? 1 : -1;
  const u = compareVersionPart(va.upstream, vb.upstream);
  if (u !== 0) return Math.sign(u);
  return Math.sign(compareVersionPart(va.revision, vb.revision));
}

export function debianVersionGreater(a: string, b: string): boolean {
  return compareDebianVersions(a, b) > 0;
}
