/**
 * The XML reader on ordinary documents and on 10 MB of hostile input. These assert the outcome (refused with
 * the right reason, or parsed), never a time: the reader scans forward only (see mini-xml.ts), and the earlier
 * regular-expression reader did not finish these inputs within the test timeout at all.
 */
import { describe, expect, it } from 'vitest';
import { findAll, parseXml, XmlLimitError, XmlSyntaxError } from './mini-xml';

const MB10 = 10 * 1024 * 1024;
const fill = (unit: string): string => unit.repeat(Math.ceil(MB10 / unit.length));

describe('parseXml', () => {
  it('reads elements, attributes in either quote, text with entities, CDATA, and skips comments and declarations', () => {
    const root = parseXml(`<?xml version='1.0'?><!-- a <b> comment --><r a="1 &amp; 2" b='x"y'>t&lt;1&#x263A;&#65;<![CDATA[<raw>&amp;]]><e/><e k = "v" /></r>`);
    const r = root.children[0]!;
    expect(r).toMatchObject({ name: 'r', attrs: { a: '1 & 2', b: 'x"y' }, text: 't<1☺A<raw>&amp;' });
    expect(findAll(root, 'e').map((e) => e.attrs)).toEqual([{}, { k: 'v' }]);
  });

  it('keeps a stray "<" that starts nothing as text, as before', () => {
    expect(parseXml('<r>a < b</r>').children[0]!.text).toBe('a < b');
  });

  it('refuses mismatched and unclosed elements', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow(/<\/a> closes <b>/);
    expect(() => parseXml('<a>')).toThrow(/<a> is not closed/);
    expect(() => parseXml('</a>')).toThrow(XmlSyntaxError);
    expect(() => parseXml('<a x=1></a>')).toThrow(/not quoted/);
    expect(() => parseXml('<a x></a>')).toThrow(/has no value/);
  });

  it('applies the depth and element limits it is given', () => {
    expect(() => parseXml('<a>'.repeat(4) + '</a>'.repeat(4), { maxDepth: 3 })).toThrow(XmlLimitError);
    expect(() => parseXml('<a>'.repeat(3) + '</a>'.repeat(3), { maxDepth: 3 })).not.toThrow();
    expect(() => parseXml(`<r>${'<e/>'.repeat(11)}</r>`, { maxElements: 11 })).toThrow(/more than 11 elements/);
  });
});

describe('parseXml on 10 MB of hostile input', () => {
  it.each([
    ['unclosed start tags', fill('<a'), /tag <a> at offset 0 is malformed or not closed/],
    ['unclosed start tags with attributes', fill('<a b="c" '), /tag <a> at offset 0 is malformed or not closed/],
    ['an attribute value never closed', `<a b="${fill('<a b=')}`, /attribute b of <a> at offset 0 is not closed/],
    ['unclosed comments', fill('<!--'), /A comment at offset 0 is not closed/],
    ['unclosed processing instructions', fill('<?'), /A processing instruction at offset 0 is not closed/],
    ['unclosed CDATA sections', fill('<![CDATA['), /A CDATA section at offset 0 is not closed/],
    ['unclosed end tags', `<a>${fill('</a ')}`, /end tag at offset 3 is not closed/],
    ['elements opened and never closed', fill('<a>'), /nests deeper than 256 elements/],
  ])('%s: refused', (_, text, reason) => {
    expect(text.length).toBeGreaterThanOrEqual(MB10);
    expect(() => parseXml(text)).toThrow(reason);
  });

  it('millions of empty elements: refused at the element limit (WinRM replies use 100,000)', () => {
    expect(() => parseXml(`<r>${fill('<e/>')}</r>`, { maxElements: 100_000 })).toThrow(/more than 100000 elements/);
  });

  it('stray "<" characters: parsed as text', () => {
    const text = `<r>${fill('< ')}</r>`;
    expect(parseXml(text).children[0]!.text.length).toBe(text.length - 7);
  });

  it('a well-formed document: parsed', () => {
    const unit = `<a x="1&amp;2" y='<>'>${'text &lt; '.repeat(100)}<![CDATA[<b>]]></a><!-- c -->`;
    const text = `<r>${fill(unit)}</r>`;
    const a = findAll(parseXml(text), 'a');
    expect(a).toHaveLength(Math.ceil(MB10 / unit.length));
    expect(a[a.length - 1]).toMatchObject({ attrs: { x: '1&2', y: '<>' }, text: `${'text < '.repeat(100)}<b>` });
  });
});
