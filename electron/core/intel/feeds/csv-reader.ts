/**
 * A small RFC 4180 CSV reader: quoted fields may hold commas, doubled quotes and newlines.
 *
 * It is a generator so callers can validate row by row and stop at the first bad one without first
 * materialising every row. Anything RFC 4180 does not allow (a stray quote in an unquoted field, text after a
 * closing quote, an unterminated quote) is an error with its line number, never a guess.
 */

/** One parsed record. */
export interface CsvRow {
  /** Field values with quoting removed. */
  fields: string[];
  /** 1-based physical line on which the record starts. */
  line: number;
}

/** A syntax error, with the 1-based line where it was found. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Yields the records of `text` from offset `start` (whose line number is `startLine`).
 * Accepts CRLF or LF line ends; a single trailing line end is not an extra record.
 */
export function* readCsvRows(text: string, start = 0, startLine = 1): Generator<CsvRow> {
  const n = text.length;
  let i = start;
  let line = startLine;
  while (i < n) {
    const rowLine = line;
    const fields: string[] = [];
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        const fieldLine = line;
        let value = '';
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) throw new CsvSyntaxError('quoted field is never closed (truncated file?)', fieldLine);
          value += text.slice(i, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        line += countNewlines(value);
        fields.push(value);
        const c = text.charCodeAt(i);
        if (c === COMMA) {
          i++;
          continue;
        }
        if (i < n && c !== LF && c !== CR) {
          throw new CsvSyntaxError(`unexpected character ${JSON.stringify(text[i])} after a closing quote`, line);
        }
        break;
      }
      let j = i;
      let c = NaN;
      while (j < n) {
        c = text.charCodeAt(j);
        if (c === COMMA || c === LF || c === CR) break;
        if (c === QUOTE) throw new CsvSyntaxError('quote inside an unquoted field', line);
        j++;
      }
      fields.push(text.slice(i, j));
      i = j;
      if (i < n && c === COMMA) {
        i++;
        continue;
      }
      break;
    }
    if (text.charCodeAt(i) === CR) i++;
    if (text.charCodeAt(i) === LF) i++;
    line++;
    yield { fields, line: rowLine };
  }
}

/** Quotes a value for CSV output when it needs it (used by tests to build samples; cheap to keep here). */
export function quoteCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
