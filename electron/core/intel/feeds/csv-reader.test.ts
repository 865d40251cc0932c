import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, quoteCsvField, readCsvRows } from './csv-reader';

const rows = (text: string): string[][] => [...readCsvRows(text)].map((r) => r.fields);

describe('readCsvRows', () => {
  it('reads quoted commas, doubled quotes and embedded newlines (CRLF or LF)', () => {
    expect(rows('a,"b,c","say ""hi"""\r\n"multi\nline",,x\n')).toEqual([
      ['a', 'b,c', 'say "hi"'],
      ['multi\nline', '', 'x'],
    ]);
  });

  it('reports the starting line of each record, counting embedded newlines', () => {
    const lines = [...readCsvRows('h\n"a\nb"\nc')].map((r) => r.line);
    expect(lines).toEqual([1, 2, 4]);
  });

  it('keeps a trailing empty field and an empty middle line as records', () => {
    expect(rows('a,\n\nb')).toEqual([['a', ''], [''], ['b']]);
  });

  it('refuses an unterminated quote, text after a closing quote and a bare quote', () => {
    expect(() => rows('a,"open\nstill open')).toThrow(/line 1: quoted field is never closed/);
    expect(() => rows('x\n"a"b,c')).toThrow(CsvSyntaxError);
    expect(() => rows('x\nab"c')).toThrow(/line 2: quote inside an unquoted field/);
  });

  it('round-trips quoteCsvField', () => {
    const values = ['plain', 'with,comma', 'with "quote"', 'new\nline', ''];
    expect(rows(values.map(quoteCsvField).join(','))).toEqual([values]);
  });
});
