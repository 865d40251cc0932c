/**
 * A small, non-validating XML reader for zypper's --xmlout: elements, attributes, text and the five predefined
 * entities plus numeric references. No DTDs, no namespaces, no external entities (so nothing to exploit).
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e] ?? '';
  });
}

const TAG = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>/g;
const ATTR = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Parses a document into a synthetic root whose children are the top-level elements. Throws on mismatched tags. */
export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let last = 0;
  for (const m of text.matchAll(TAG)) {
    const top = stack[stack.length - 1] ?? root;
    top.text += decode(text.slice(last, m.index));
    last = (m.index ?? 0) + m[0].length;
    if (m[5] !== undefined) {
      top.text += m[5];
      continue;
    }
    if (!m[2]) continue; // comment or processing instruction
    if (m[1] === '/') {
      if (top.name !== m[2]) throw new Error(`XML: </${m[2]}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const el: XmlElement = { name: m[2], attrs: {}, children: [], text: '' };
    for (const a of (m[3] ?? '').matchAll(ATTR)) if (a[1]) el.attrs[a[1]] = decode(a[2] ?? a[3] ?? '');
    top.children.push(el);
    if (m[4] !== '/') stack.push(el);
  }
  if (stack.length !== 1) throw new Error(`XML: <${stack[stack.length - 1]?.name ?? '?'}> is not closed`);
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
