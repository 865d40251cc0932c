/**
 * CSV as RFC 4180 says (CRLF rows, fields quoted when they hold a comma, quote or line break, quotes doubled,
 * as the project's CSV reader, electron/core/intel/feeds/csv-reader.ts, reads it back), with one guard: a cell a
 * spreadsheet would run as a formula (= + - @, tab, CR at the start) gets a leading apostrophe, because machine
 * and package names come from the machines themselves. Pure, so the core's reports and the renderer's
 * exports follow the same rules.
 */
export type Cell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return quote(s);
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
