/**
 * A small, non-validating XML reader for zypper's --xmlout and WinRM replies: elements, attributes, text, CDATA
 * and the five predefined entities plus numeric references. No DTDs, no namespaces, no external entities (so
 * nothing to exploit).
 *
 * The input may be hostile (a WinRM host), so the reader is one forward pass: every search starts where the
 * last one ended and nothing is ever scanned twice, so its cost is linear in the input whatever the input is.
 * An unclosed comment, tag, quote, CDATA section or processing instruction is refused where it starts, instead of
 * being retried from every later '<' (which made the earlier regular-expression reader quadratic).
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(`XML: ${message}`);
    this.name = 'XmlSyntaxError';
  }
}

/** A document nests deeper or holds more elements than the caller allows. */
export class XmlLimitError extends Error {
  constructor(readonly limit: 'depth' | 'elements', readonly max: number) {
    super(limit === 'depth' ? `XML: nests deeper than ${max} elements` : `XML: holds more than ${max} elements`);
    this.name = 'XmlLimitError';
  }
}

export interface XmlLimits {
  /** Refuse a document nesting deeper than this (default 256: findAll and callers recurse once per level). */
  maxDepth?: number;
  /** Refuse a document with more elements than this (default 1,000,000), which bounds the memory it takes. */
  maxElements?: number;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (!e.startsWith('#')) return ENTITIES[e] ?? '';
    const cp = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    if (cp > 0x10ffff) throw new XmlSyntaxError(`&${e}; is not a character`);
    return String.fromCodePoint(cp);
  });
}

/** [A-Za-z_]: what may start an element or attribute name. */
const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
/** [\w.:-] */
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 58) || c === 45 || c === 46;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** Parses a document into a synthetic root whose children are the top-level elements. Throws on malformed input. */
export function parseXml(text: string, limits: XmlLimits = {}): XmlElement {
  const maxDepth = limits.maxDepth ?? 256, maxElements = limits.maxElements ?? 1_000_000;
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let elements = 0;
  /** Where the next search starts, and where the text not yet added to an element starts. */
  let pos = 0, textFrom = 0;
  // Each construct ends at a delimiter found by indexOf from the current position, and pos then moves past it.
  const skipTo = (delimiter: string, start: number, opener: number, what: string): number => {
    const end = text.indexOf(delimiter, start + opener);
    if (end < 0) throw new XmlSyntaxError(`${what} at offset ${start} is not closed`);
    return end + delimiter.length;
  };
  const readName = (from: number): number => {
    let i = from;
    while (i < text.length && isNameChar(text.charCodeAt(i))) i++;
    return i;
  };
  const skipSpace = (from: number): number => {
    let i = from;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    return i;
  };
  for (;;) {
    const top = stack[stack.length - 1]!;
    const lt = text.indexOf('<', pos);
    const construct = lt >= 0 && (text.startsWith('<!--', lt) || text.startsWith('<![CDATA[', lt) || text.startsWith('<?', lt) ||
      text.startsWith('</', lt) || isNameStart(text.charCodeAt(lt + 1)));
    if (lt >= 0 && !construct) {
      // A '<' that starts nothing (e.g. "a < b" from a lenient writer) stays text, as before.
      pos = lt + 1;
      continue;
    }
    top.text += decode(text.slice(textFrom, lt < 0 ? text.length : lt));
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      pos = skipTo('-->', lt, 4, 'A comment');
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = skipTo(']]>', lt, 9, 'A CDATA section');
      top.text += text.slice(lt + 9, end - 3);
      pos = end;
    } else if (text.startsWith('<?', lt)) {
      pos = skipTo('?>', lt, 2, 'A processing instruction');
    } else if (text.startsWith('</', lt)) {
      const nameEnd = readName(lt + 2);
      const name = text.slice(lt + 2, nameEnd);
      const gt = skipSpace(nameEnd);
      if (text[gt] !== '>') throw new XmlSyntaxError(`the end tag at offset ${lt} is not closed`);
      if (stack.length === 1 || top.name !== name) throw new XmlSyntaxError(`</${name}> closes <${top.name}>`);
      stack.pop();
      pos = gt + 1;
    } else {
      const nameEnd = readName(lt + 1);
      const el: XmlElement = { name: text.slice(lt + 1, nameEnd), attrs: {}, children: [], text: '' };
      let i = nameEnd;
      for (;;) {
        const before = i;
        i = skipSpace(i);
        if (text[i] === '>' || text.startsWith('/>', i)) break;
        if (i === before || !isNameStart(text.charCodeAt(i))) throw new XmlSyntaxError(`the tag <${el.name}> at offset ${lt} is malformed or not closed`);
        const attrEnd = readName(i);
        const attr = text.slice(i, attrEnd);
        i = skipSpace(attrEnd);
        if (text[i] !== '=') throw new XmlSyntaxError(`the attribute ${attr} of <${el.name}> at offset ${lt} has no value`);
        i = skipSpace(i + 1);
        const quote = text[i];
        if (quote !== '"' && quote !== "'") throw new XmlSyntaxError(`the attribute ${attr} of <${el.name}> at offset ${lt} is not quoted`);
        const close = text.indexOf(quote, i + 1);
        if (close < 0) throw new XmlSyntaxError(`the attribute ${attr} of <${el.name}> at offset ${lt} is not closed`);
        el.attrs[attr] = decode(text.slice(i + 1, close));
        i = close + 1;
      }
      if (++elements > maxElements) throw new XmlLimitError('elements', maxElements);
      top.children.push(el);
      if (text[i] === '>') {
        if (stack.length > maxDepth) throw new XmlLimitError('depth', maxDepth);
        stack.push(el);
        pos = i + 1;
      } else {
        pos = i + 2;
      }
    }
    textFrom = pos;
  }
  if (stack.length !== 1) throw new XmlSyntaxError(`<${stack[stack.length - 1]?.name ?? '?'}> is not closed`);
  return root;
}

/** All descendants with this element name, document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
