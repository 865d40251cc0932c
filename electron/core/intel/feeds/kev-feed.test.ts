import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { quoteCsvField } from './csv-reader';
import { KEV_CSV_HEADER, parseKevCsv, parseKevJson } from './kev-feed';

// The real CISA snapshot shipped with the app (catalogVersion 2025.08.25, 1,404 entries).
const snapshotPath = join(__dirname, '../../../../resources/kev/known_exploited_vulnerabilities.json');
const snapshot = readFileSync(snapshotPath);
const doc = JSON.parse(snapshot.toString('utf8')) as { count: number; vulnerabilities: Record<string, unknown>[] };

/** Writes the CSV edition ourselves from the JSON rows, the way CISA does (cwes joined by ", "). */
function toCsv(entries: Record<string, unknown>[], eol = '\r\n'): string {
  const lines = [KEV_CSV_HEADER.join(',')];
  for (const e of entries) {
    lines.push(
      KEV_CSV_HEADER.map((col) => {
        const v = e[col];
        return quoteCsvField(Array.isArray(v) ? v.join(', ') : String(v ?? ''));
      }).join(','),
    );
  }
  return lines.join(eol) + eol;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('parseKevJson', () => {
  it('parses the real 1,404-entry snapshot, plain and gzipped', () => {
    for (const bytes of [snapshot, gzipSync(snapshot)]) {
      const res = parseKevJson(bytes);
      if (!res.ok) throw new Error(res.error);
      expect(res.feed.count).toBe(1404);
      expect(res.feed.date).toBe('2025-08-25T17:04:19.979Z');
      expect(res.feed.records[0]).toEqual({
        cveId: 'CVE-2025-48384',
        vendor: 'Git',
        product: 'Git',
        name: 'Git Link Following Vulnerability',
        dateAdded: '2025-08-25',
        dueDate: '2025-09-15',
        ransomware: false,
        shortDescription: expect.stringContaining('link following') as unknown as string,
      });
      expect(res.feed.records.some((r) => r.ransomware)).toBe(true);
    }
  });

  it('refuses a count that disagrees with the entries', () => {
    const res = parseKevJson(json({ ...doc, count: 1405 }));
    expect(res).toEqual({ ok: false, error: expect.stringMatching(/count says 1405 but vulnerabilities has 1404/) });
  });

  it('refuses a bad field and names where it is', () => {
    const vulns = doc.vulnerabilities.map((v) => ({ ...v }));
    vulns[7] = { ...vulns[7], cveID: 'CVE-25-1' };
    const res = parseKevJson(json({ ...doc, vulnerabilities: vulns }));
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error).toMatch(/vulnerabilities\[7\]\.cveID: expected a CVE id/);

    vulns[7] = { ...doc.vulnerabilities[7], knownRansomwareCampaignUse: 'Maybe' };
    const res2 = parseKevJson(json({ ...doc, vulnerabilities: vulns }));
    expect(!res2.ok && res2.error).toMatch(/vulnerabilities\[7\]\.knownRansomwareCampaignUse/);

    vulns[7] = { ...doc.vulnerabilities[7], dueDate: '2025-02-30' };
    const res3 = parseKevJson(json({ ...doc, vulnerabilities: vulns }));
    expect(!res3.ok && res3.error).toMatch(/vulnerabilities\[7\]\.dueDate: expected a real date/);
  });

  it('refuses truncated JSON, truncated gzip, duplicates and oversized input', () => {
    expect(parseKevJson(snapshot.subarray(0, snapshot.length - 100)).ok).toBe(false);
    const gz = gzipSync(snapshot);
    const cut = parseKevJson(gz.subarray(0, gz.length - 20));
    expect(!cut.ok && cut.error).toMatch(/gzip data is corrupt or truncated/);
    const dupes = [...doc.vulnerabilities, doc.vulnerabilities[0]];
    expect(parseKevJson(json({ ...doc, count: dupes.length, vulnerabilities: dupes })).ok).toBe(false);
    const big = parseKevJson(gz, { maxBytes: 1024 });
    expect(!big.ok && big.error).toMatch(/larger than the .* limit/);
    expect(parseKevJson(snapshot, { maxBytes: 1024 }).ok).toBe(false);
  });
});

describe('parseKevCsv', () => {
  it('round-trips every snapshot row through a CSV written from the JSON', () => {
    const fromJson = parseKevJson(snapshot);
    if (!fromJson.ok) throw new Error(fromJson.error);
    const csv = toCsv(doc.vulnerabilities);
    // The real data must exercise the quoting paths, or this test proves little.
    expect(csv).toMatch(/""/);
    for (const bytes of [Buffer.from(csv), gzipSync(csv), Buffer.from(toCsv(doc.vulnerabilities, '\n'))]) {
      const res = parseKevCsv(bytes);
      if (!res.ok) throw new Error(res.error);
      expect(res.feed.records).toEqual(fromJson.feed.records);
      expect(res.feed.dateSource).toBe('file-records');
      expect(res.feed.date).toBe('2025-08-25T00:00:00.000Z');
    }
  });

  it('handles embedded newlines, commas and quotes in a field', () => {
    const entry = { ...doc.vulnerabilities[0], shortDescription: 'line one,\n"two"\r\nthree' };
    const res = parseKevCsv(Buffer.from(toCsv([entry])));
    expect(res.ok && res.feed.records[0]?.shortDescription).toBe('line one,\n"two"\r\nthree');
  });

  it('refuses a wrong header, a short row, a bad value and a truncated quote, naming the line', () => {
    const good = toCsv(doc.vulnerabilities.slice(0, 5), '\n');
    const wrongHeader = parseKevCsv(Buffer.from(good.replace('cveID,', 'cve,')));
    expect(!wrongHeader.ok && wrongHeader.error).toMatch(/line 1: expected header/);

    const lines = good.split('\n');
    lines[3] = lines[3]!.split(',').slice(0, 4).join(',');
    const short = parseKevCsv(Buffer.from(lines.join('\n')));
    expect(!short.ok && short.error).toMatch(/line 4: expected 11 fields, found 4/);

    const badDate = parseKevCsv(Buffer.from(good.replace(/,2025-0\d-\d\d,/, ',yesterday,')));
    expect(!badDate.ok && badDate.error).toMatch(/line 2: date(Added)?: expected a real date|line 2: dueDate/);

    const entry = { ...doc.vulnerabilities[0], notes: 'has, a comma' };
    const quoted = toCsv([entry]);
    const cut = parseKevCsv(Buffer.from(quoted.slice(0, quoted.indexOf('"has') + 5)));
    expect(!cut.ok && cut.error).toMatch(/line 2: quoted field is never closed/);

    expect(parseKevCsv(Buffer.from(KEV_CSV_HEADER.join(',') + '\n')).ok).toBe(false);
  });
});
