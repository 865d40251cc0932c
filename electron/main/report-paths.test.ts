import { describe, expect, it } from 'vitest';
import { isReportPath } from './report-paths';

const data = '/home/u/.config/Patchwell';
const ok = `${data}/reports/20261122-130501-a1b2c3`;

describe('report paths the PDF printer accepts', () => {
  it('accepts a report file inside the data folder', () => {
    expect(isReportPath(data, `${ok}/report.html`, '.html')).toBe(true);
    expect(isReportPath(data, `${ok}/report.pdf`, '.pdf')).toBe(true);
  });
  it('refuses anything else', () => {
    for (const bad of [
      `${ok}/report.pdf`, // wrong extension for html
      `${ok}/../../patchwell.db`,
      `${ok}/../20261122-130501-a1b2c3/report.html/../x.html`,
      '/etc/passwd.html',
      `${data}/reports/report.html`,
      `${data}/reports/not-an-id/report.html`,
      `${ok}/sub/report.html`,
      'reports/20261122-130501-a1b2c3/report.html',
      `${ok}/Report.html`,
    ]) expect(isReportPath(data, bad, '.html')).toBe(false);
  });
});
