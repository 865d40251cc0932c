/** Pure path checks for the PDF printer: a file directly inside <dataDir>/reports/<id>/ with the given extension. */
import path from 'node:path';

export function isReportPath(dataDir: string, file: string, ext: '.html' | '.pdf'): boolean {
  if (typeof file !== 'string' || !path.isAbsolute(file) || path.extname(file) !== ext) return false;
  // Written exactly as the core writes it: no "..", no doubled separators.
  if (path.normalize(file) !== file) return false;
  const resolved = path.resolve(file);
  const rel = path.relative(path.join(path.resolve(dataDir), 'reports'), resolved);
  const parts = rel.split(path.sep);
  return parts.length === 2 && /^\d{8}-\d{6}-[0-9a-f]{6}$/.test(parts[0]!) && /^[a-z]+\.(html|pdf)$/.test(parts[1]!);
}
