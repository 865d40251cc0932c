/**
 * Strict validators for every value a platform module hands to a package manager, and POSIX quoting for the
 * rare place a value must appear in shell text. Transports quote argv themselves; validation is still needed
 * because a quoted "-oDpkg::Pre-Invoke=…" is still an option to apt, and a name with "=" changes its meaning.
 */

/** Debian policy §5.6.1: lowercase letters, digits, "+", "-", "."; at least two characters; starts alphanumeric. */
const DEBIAN_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** dpkg architectures (amd64, arm64, armhf, i386, all, any, musl-linux-amd64…). */
const DEBIAN_ARCH = /^[a-z0-9][a-z0-9-]*$/;
/**
 * Debian policy §5.6.12: [epoch:]upstream[-revision]. Epoch is digits; upstream starts with a digit and may hold
 * "." "+" "~" "-" (hyphen only when a revision exists) and ":" (only when an epoch exists); revision is
 * alphanumerics and "+" "." "~".
 */
const DEBIAN_VERSION = /^(?:(\d+):)?([0-9][A-Za-z0-9.+~:-]*?)(?:-([A-Za-z0-9+.~]+))?$/;

export function isDebianPackageName(name: string): boolean {
  return name.length <= 128 && DEBIAN_NAME.test(name);
}

export function isDebianArch(arch: string): boolean {
  return arch.length <= 32 && DEBIAN_ARCH.test(arch);
}

export function isDebianVersion(version: string): boolean {
  if (version.length === 0 || version.length > 256) return false;
  const m = DEBIAN_VERSION.exec(version);
  if (!m) return false;
  const [, epoch, upstream = '', revision] = m;
  // A colon in the upstream part is only legal when an explicit epoch is present; a hyphen only with a revision.
  if (epoch === undefined && upstream.includes(':')) return false;
  if (revision === undefined && upstream.includes('-')) return false;
  return true;
}

/** RPM package name: what Fedora/RHEL/SUSE actually use (letters, digits, and -._+), never starting with "-". */
const RPM_NAME = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;
/** RPM version or release: no hyphen (it separates V from R), no whitespace; "~" and "^" are legal since rpm 4.15. */
const RPM_VR = /^[A-Za-z0-9._+~^]+$/;
const RPM_ARCH = /^[A-Za-z0-9_]+$/;

export function isRpmName(name: string): boolean {
  return name.length <= 200 && RPM_NAME.test(name);
}
export function isRpmVersionOrRelease(v: string): boolean {
  return v.length <= 128 && RPM_VR.test(v);
}
export function isRpmEpoch(e: string): boolean {
  return /^\d{1,10}$/.test(e);
}
export function isRpmArch(arch: string): boolean {
  return arch.length <= 32 && RPM_ARCH.test(arch);
}
/** An EVR as dnf/zypper accept it: "[epoch:]version-release" or a bare version. */
export function isRpmEvr(evr: string): boolean {
  const m = /^(?:(\d+):)?([^-:]+)(?:-([^-:]+))?$/.exec(evr);
  if (!m) return false;
  const [, epoch, version = '', release] = m;
  return (epoch === undefined || isRpmEpoch(epoch)) && isRpmVersionOrRelease(version) &&
    (release === undefined || isRpmVersionOrRelease(release));
}

/** apk names: lowercase-ish letters, digits and "._+-", starting alphanumeric (apk-tools' own charset is wider). */
const APK_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** apk versions: digits and dots, optional letter, suffixes like _rc1/_p20240101, then -rN. */
const APK_VERSION = /^[0-9]+(?:\.[0-9]+)*[a-z]?(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*(?:~[0-9a-f]+)?(?:-r[0-9]+)?$/;

export function isApkName(name: string): boolean {
  return name.length <= 128 && APK_NAME.test(name);
}
export function isApkVersion(v: string): boolean {
  return v.length <= 128 && APK_VERSION.test(v);
}

/**
 * macOS softwareupdate labels look like "macOS Sonoma 14.6.1-23G93" or "Safari17.6MontereyAuto-17.6": printable
 * text with spaces. We refuse control characters, a leading dash (option injection) and shell-significant quoting
 * characters that never occur in Apple's labels.
 */
export function isMacUpdateLabel(label: string): boolean {
  if (label.length === 0 || label.length > 200) return false;
  if (label.startsWith('-')) return false;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(label)) return false;
  return /^[\p{L}\p{N} ._()+,:-]+$/u.test(label);
}

/** Throws a readable error naming what was refused, so a bad value from a parser never reaches a command. */
export function assertValid(kind: string, value: string, ok: (v: string) => boolean): string {
  if (!ok(value)) throw new InvalidArgumentError(kind, value);
  return value;
}

export class InvalidArgumentError extends Error {
  constructor(readonly kind: string, readonly value: string) {
    super(`Refusing invalid ${kind}: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}`);
    this.name = 'InvalidArgumentError';
  }
}

/**
 * Quotes one argument for a POSIX shell: wrapped in single quotes, each embedded quote closed, escaped and reopened.
 * Nothing is special inside single quotes, so no expansion can happen. Refuses NUL, which no shell argument can hold.
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\u0000')) throw new InvalidArgumentError('shell argument (contains NUL)', arg);
  if (arg !== '' && /^[A-Za-z0-9_./=:@%+,-]+$/.test(arg) && !arg.startsWith('-')) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
