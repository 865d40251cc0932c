/** The CSP every page gets, in the app and the browser: what Electronegativity only notes, asserted here. */
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './csp';

const directives = new Map(contentSecurityPolicy().split(';').map((d) => {
  const [name, ...values] = d.trim().split(/\s+/);
  return [name!, values];
}));

describe('content security policy', () => {
  it('allows only our own scripts and styles, nothing inline or evaluated', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(contentSecurityPolicy()).not.toMatch(/unsafe-inline|unsafe-eval|\*|http:|https:/);
  });
  it('no frames, plugins, forms or base changes; connections only back home', () => {
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
  });
});
