/** The little of jsdom the report tests use to parse a report as a browser would (jsdom ships no types). */
declare module 'jsdom' {
  interface ParsedElement {
    getAttributeNames(): string[];
    readonly textContent: string | null;
    querySelectorAll(selector: string): ArrayLike<ParsedElement> & Iterable<ParsedElement>;
    querySelector(selector: string): ParsedElement | null;
  }
  interface ParsedDocument {
    querySelectorAll(selector: string): ArrayLike<ParsedElement> & Iterable<ParsedElement>;
    querySelector(selector: string): ParsedElement | null;
  }
  export class JSDOM {
    constructor(html: string);
    readonly window: { readonly document: ParsedDocument };
  }
}
