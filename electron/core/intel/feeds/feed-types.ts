/**
 * Shared contract for the offline vulnerability-intelligence feed parsers (issue 6).
 *
 * Parsers are pure: bytes in, a fully validated feed or one human-readable error out. They never touch the
 * network or the database, so a later download step and the importer can both reuse them, and a bad file is
 * refused whole rather than half-imported.
 */

/** Every file format the parsers understand. */
export type FeedKind =
  | 'kev-json'
  | 'kev-csv'
  | 'epss-csv'
  | 'osv-json'
  | 'osv-zip'
  | 'debian-tracker-json'
  | 'msrc-cvrf-json';

/**
 * Where `Feed.date` came from. Callers show it next to the data's age, so they must know whether it is the
 * publisher's own stamp or a guess.
 * - `file-header`: an explicit release/score date written in the file (KEV JSON, EPSS, CVRF).
 * - `file-records`: the newest date found among the records (KEV CSV, OSV JSON or zip), because the format has no header.
 * - `caller`: the caller's fallback (e.g. the file's mtime), because the format carries no date at all (Debian).
 */
export type FeedDateSource = 'file-header' | 'file-records' | 'caller';

/** A fully validated feed. */
export interface Feed<K extends FeedKind, R> {
  /** The format that was parsed. */
  kind: K;
  /** ISO 8601 timestamp (UTC, `toISOString()` form) describing how fresh the data is. */
  date: string;
  /** Where `date` came from; see {@link FeedDateSource}. */
  dateSource: FeedDateSource;
  /** The normalised records, in file order. */
  records: R[];
  /** `records.length`, kept separately so callers can log it without holding the array. */
  count: number;
}

/** Either a whole feed or the reason it was refused; never a partial feed. */
export type FeedResult<K extends FeedKind, R> =
  | { ok: true; feed: Feed<K, R> }
  | { ok: false; error: string };

/** Options shared by every parser. */
export interface FeedParseOptions {
  /** Refuse input larger than this many bytes once decompressed. Defaults to {@link MAX_FEED_BYTES}. */
  maxBytes?: number;
  /**
   * ISO date used when the format carries no date of its own (Debian tracker). Usually the file's mtime.
   * Required for `debian-tracker-json`; ignored by the other formats.
   */
  fallbackDate?: string;
  /** Debian tracker only: keep only these releases (e.g. `['bookworm']`) to bound memory. */
  releases?: readonly string[];
}

/** 512 MiB: well above every real feed (the Debian tracker JSON is ~70 MB) and below V8's string limit. */
export const MAX_FEED_BYTES = 512 * 1024 * 1024;

/** One row of the CISA Known Exploited Vulnerabilities catalogue (JSON or CSV). */
export interface KevRecord {
  /** `CVE-YYYY-NNNN…` */
  cveId: string;
  /** `vendorProject` */
  vendor: string;
  product: string;
  /** `vulnerabilityName` */
  name: string;
  /** `YYYY-MM-DD` */
  dateAdded: string;
  /** `YYYY-MM-DD`, the federal remediation deadline. */
  dueDate: string;
  /** `knownRansomwareCampaignUse === 'Known'` */
  ransomware: boolean;
  shortDescription: string;
}

/** One row of the FIRST EPSS daily scores. */
export interface EpssRecord {
  cveId: string;
  /** Probability of exploitation in the next 30 days, 0..1. */
  epss: number;
  /** Rank among all scored CVEs, 0..1. */
  percentile: number;
}

/** One package affected by an OSV advisory. */
export interface OsvPackage {
  /** e.g. `Debian:12`, `Ubuntu:22.04:LTS` */
  ecosystem: string;
  /** Source package name. */
  name: string;
  /** First `fixed` event of an ECOSYSTEM range, or null when no fix is published. */
  fixed: string | null;
}

/** One OSV advisory (DSA, DLA, USN, UBUNTU-CVE, …). */
export interface OsvRecord {
  id: string;
  /** CVE ids from `id`, `aliases`, `upstream` and `related`, de-duplicated, in first-seen order. */
  cves: string[];
  /** ISO timestamp; `published` if present, else `modified`. */
  published: string;
  /** ISO timestamp of the last change. */
  modified: string;
  packages: OsvPackage[];
  /** First CVSS vector (`CVSS_V3`, then `CVSS_V4`, then `CVSS_V2`), or null. */
  cvss: string | null;
  /** The publisher's own severity word (OSV severity type "Ubuntu": Ubuntu's priority), or null. */
  vendorSeverity: string | null;
}

/** Debian's per-release triage states. */
export type DebianStatus = 'resolved' | 'open' | 'undetermined';
/** Debian's urgency vocabulary as published in the tracker JSON. */
export type DebianUrgency = 'low' | 'medium' | 'high' | 'unimportant' | 'not yet assigned' | 'end-of-life';

/** One (source package, CVE, release) triple from the Debian security tracker. */
export interface DebianTrackerRecord {
  package: string;
  cveId: string;
  /** Codename: `bookworm`, `trixie`, `sid`, … */
  release: string;
  status: DebianStatus;
  /** Version that fixes it; `'0'` means the release was never affected. Null while open. */
  fixedVersion: string | null;
  urgency: DebianUrgency;
}

/** MSRC severity wording (Threats of Type 3). */
export type MsrcSeverity = 'Critical' | 'Important' | 'Moderate' | 'Low';

/** One CVE from a Microsoft CVRF monthly document. */
export interface CvrfRecord {
  cveId: string;
  title: string;
  /** Highest severity given to any product, or null if none is stated. */
  severity: MsrcSeverity | null;
  /** Highest CVSS base score across products, or null. */
  cvssBase: number | null;
  /** Vendor-fix KB articles, `KB` + number, de-duplicated. */
  kbs: string[];
  /** Affected product names (from ProductTree), de-duplicated. */
  products: string[];
}
