/**
 * Microsoft's monthly security update documents in CVRF JSON form
 * (https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/2024-Aug with `Accept: application/json`).
 *
 * Enumerations follow CVRF 1.1 as MSRC uses them: Threat Type 3 = Severity (Type 0 = Impact, 1 = Exploit
 * Status, unused here); Remediation Type 2 = Vendor Fix, whose Description.Value is the KB number;
 * ProductStatuses Type 3 = Known Affected. MSRC timestamps carry no zone; they are read as UTC.
 */
import { z } from 'zod';
import { CVE_ID_RE, decodeFeedText, formatZodError, parseJsonText, toIsoTimestamp } from './feed-text';
import type { CvrfRecord, FeedParseOptions, FeedResult, MsrcSeverity } from './feed-types';

const SEVERITY_ORDER: readonly MsrcSeverity[] = ['Low', 'Moderate', 'Important', 'Critical'];
const THREAT_SEVERITY = 3;
const REMEDIATION_VENDOR_FIX = 2;
const STATUS_KNOWN_AFFECTED = 3;
// MSRC lists security advisories (ADV240001) beside CVEs; they have no CVE to join on, so they are skipped.
const ADVISORY_RE = /^ADV\d+$/;

const valueOf = z.object({ Value: z.string() });
const productIds = z.array(z.string().min(1));

const threat = z.object({ Type: z.number().int(), Description: valueOf, ProductID: productIds.optional() });
const scoreSet = z.object({
  BaseScore: z.number().min(0).max(10),
  TemporalScore: z.number().min(0).max(10).optional(),
  Vector: z.string().optional(),
  ProductID: productIds.optional(),
});
const remediation = z.object({ Type: z.number().int(), Description: valueOf.optional(), ProductID: productIds.optional() });

const vulnerability = z.object({
  CVE: z.string().refine((s) => CVE_ID_RE.test(s) || ADVISORY_RE.test(s), { message: 'expected a CVE id or an ADV number' }),
  Title: valueOf,
  ProductStatuses: z.array(z.object({ Type: z.number().int(), ProductID: productIds.optional() })).optional(),
  Threats: z.array(threat).optional(),
  CVSSScoreSets: z.array(scoreSet).optional(),
  Remediations: z.array(remediation).optional(),
});

const cvrfDocument = z.object({
  DocumentTitle: valueOf,
  DocumentTracking: z.object({
    InitialReleaseDate: z.string().refine((s) => toIsoTimestamp(s) !== null, { message: 'expected an ISO timestamp' }),
    CurrentReleaseDate: z.string().optional(),
  }),
  ProductTree: z.object({
    FullProductName: z.array(z.object({ ProductID: z.string().min(1), Value: z.string().min(1) })),
  }),
  Vulnerability: z.array(vulnerability),
});

type Vulnerability = z.infer<typeof vulnerability>;

function toRecord(v: Vulnerability, names: ReadonlyMap<string, string>, index: number): CvrfRecord | string {
  let severity: MsrcSeverity | null = null;
  for (const t of v.Threats ?? []) {
    if (t.Type !== THREAT_SEVERITY) continue;
    const s = SEVERITY_ORDER.find((x) => x === t.Description.Value);
    // An empty severity appears on some defence-in-depth entries; any other unknown word is a format change.
    if (!s) {
      if (t.Description.Value === '') continue;
      return `Vulnerability[${index}] (${v.CVE}).Threats: unknown severity ${JSON.stringify(t.Description.Value)}`;
    }
    if (severity === null || SEVERITY_ORDER.indexOf(s) > SEVERITY_ORDER.indexOf(severity)) severity = s;
  }
  let cvssBase: number | null = null;
  for (const set of v.CVSSScoreSets ?? []) if (cvssBase === null || set.BaseScore > cvssBase) cvssBase = set.BaseScore;

  const kbs: string[] = [];
  for (const r of v.Remediations ?? []) {
    const kb = r.Description?.Value ?? '';
    // Vendor fixes also include "Release Notes" or build numbers; only bare numbers are KB articles.
    if (r.Type === REMEDIATION_VENDOR_FIX && /^\d{6,8}$/.test(kb) && !kbs.includes(`KB${kb}`)) kbs.push(`KB${kb}`);
  }
  const products: string[] = [];
  for (const status of v.ProductStatuses ?? []) {
    if (status.Type !== STATUS_KNOWN_AFFECTED) continue;
    for (const id of status.ProductID ?? []) {
      const name = names.get(id);
      if (name === undefined) return `Vulnerability[${index}] (${v.CVE}).ProductStatuses: ProductID ${id} is not in ProductTree`;
      if (!products.includes(name)) products.push(name);
    }
  }
  return { cveId: v.CVE, title: v.Title.Value, severity, cvssBase, kbs, products };
}

/** Parses one monthly CVRF JSON document (optionally gzipped). Date: `DocumentTracking.InitialReleaseDate`. */
export function parseCvrfJson(bytes: Uint8Array, opts: FeedParseOptions = {}): FeedResult<'msrc-cvrf-json', CvrfRecord> {
  const decoded = decodeFeedText(bytes, opts.maxBytes);
  if (!decoded.ok) return { ok: false, error: `MSRC CVRF: ${decoded.error}` };
  const json = parseJsonText(decoded.text);
  if (!json.ok) return { ok: false, error: `MSRC CVRF: ${json.error}` };
  const doc = cvrfDocument.safeParse(json.value);
  if (!doc.success) return { ok: false, error: formatZodError(doc.error, 'MSRC CVRF: ') };
  const names = new Map(doc.data.ProductTree.FullProductName.map((p) => [p.ProductID, p.Value]));
  const records: CvrfRecord[] = [];
  const seen = new Set<string>();
  for (const [i, v] of doc.data.Vulnerability.entries()) {
    if (ADVISORY_RE.test(v.CVE)) continue;
    if (seen.has(v.CVE)) return { ok: false, error: `MSRC CVRF: Vulnerability[${i}]: ${v.CVE} appears more than once` };
    seen.add(v.CVE);
    const rec = toRecord(v, names, i);
    if (typeof rec === 'string') return { ok: false, error: `MSRC CVRF: ${rec}` };
    records.push(rec);
  }
  const date = toIsoTimestamp(doc.data.DocumentTracking.InitialReleaseDate) ?? '';
  return { ok: true, feed: { kind: 'msrc-cvrf-json', date, dateSource: 'file-header', records, count: records.length } };
}
