import { describe, expect, it } from 'vitest';
import { allowNavigation, appUrlToRelativePath, isAppUrl, isSafeExternalUrl } from './trusted-url';

describe('isAppUrl', () => {
  it('accepts pages of the app', () => {
    expect(isAppUrl('app://patchwell/index.html')).toBe(true);
    expect(isAppUrl('app://patchwell/')).toBe(true);
  });
  it.each([
    'app://evil/index.html',
    'app://patchwell.evil/index.html',
    'app://user@patchwell/index.html',
    'app://patchwell:80/index.html',
    'file:///etc/passwd',
    'http://patchwell/index.html',
    'https://example.com',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'about:blank',
    'devtools://devtools/bundled/inspector.html',
    'not a url',
    '',
  ])('refuses %j', (u) => {
    expect(isAppUrl(u)).toBe(false);
  });
});

describe('appUrlToRelativePath', () => {
  it('maps app URLs into the renderer folder', () => {
    expect(appUrlToRelativePath('app://patchwell/')).toBe('index.html');
    expect(appUrlToRelativePath('app://patchwell/assets/index-abc.js')).toBe('assets/index-abc.js');
    expect(appUrlToRelativePath('app://patchwell/index.html?x=1#y')).toBe('index.html');
  });
  it.each([
    'app://patchwell/%2e%2e/%2e%2e/etc/passwd',
    'app://patchwell/assets/..%2f..%2fmain/index.cjs',
    'app://patchwell/..%5c..%5cwindows',
    'app://patchwell/.%2e/.%2e/x',
  ])('never leaves the renderer folder for %j', (u) => {
    const rel = appUrlToRelativePath(u);
    // The URL parser resolves dot segments before we see them, so these stay inside; the rest are refused.
    expect(rel === null || (!rel.split('/').includes('..') && !rel.startsWith('/'))).toBe(true);
  });
  it.each([
    'app://patchwell/assets/..%2f..%2fmain/index.cjs',
    'app://patchwell/..%5c..%5cwindows',
    'app://patchwell/a%00.html',
    'app://patchwell/%E0%A4%A',
    'app://other/index.html',
    'file:///etc/passwd',
  ])('refuses %j', (u) => {
    expect(appUrlToRelativePath(u)).toBeNull();
  });
});

describe('navigation and external links', () => {
  it('never allows navigation', () => {
    expect(allowNavigation('app://patchwell/index.html', 'app://patchwell/index.html')).toBe(false);
    expect(allowNavigation('app://patchwell/index.html', 'https://evil.example')).toBe(false);
  });
  it('opens only plain https links externally', () => {
    expect(isSafeExternalUrl('https://www.cisa.gov/known-exploited-vulnerabilities-catalog')).toBe(true);
    for (const u of ['http://example.com', 'file:///etc/passwd', 'smb://server/share', 'https://user:pw@example.com', 'javascript:alert(1)', 'https://localhost', 'ms-msdt:/id']) {
      expect(isSafeExternalUrl(u)).toBe(false);
    }
  });
});
