import { describe, expect, it } from 'vitest';
import { isAllowedHost, isAllowedOrigin, readCookie, tokenMatches } from './guard';

describe('isAllowedHost', () => {
  it('accepts loopback names with the right port', () => {
    expect(isAllowedHost('127.0.0.1:8080', 8080)).toBe(true);
    expect(isAllowedHost('localhost:8080', 8080)).toBe(true);
    expect(isAllowedHost('LOCALHOST:8080', 8080)).toBe(true);
  });
  it.each([
    undefined,
    '',
    '127.0.0.1',
    '127.0.0.1:8081',
    'evil.example:8080', // DNS rebinding: a foreign name pointed at 127.0.0.1
    'localhost.evil.example:8080',
    '127.0.0.1.nip.io:8080',
    '127.0.0.2:8080',
    '[::1]:8080',
    '127.0.0.1:80800',
    '127.0.0.1:8080\r\nX: y',
    'user@127.0.0.1:8080',
  ])('refuses %j', (h) => {
    expect(isAllowedHost(h, 8080)).toBe(false);
  });
});

describe('isAllowedOrigin', () => {
  it('accepts our own origin', () => {
    expect(isAllowedOrigin('http://127.0.0.1:8080', 8080, false)).toBe(true);
    expect(isAllowedOrigin('http://localhost:8080', 8080, false)).toBe(true);
  });
  it('treats a missing Origin as the caller says', () => {
    expect(isAllowedOrigin(undefined, 8080, true)).toBe(true);
    expect(isAllowedOrigin(undefined, 8080, false)).toBe(false);
  });
  it.each([
    'null',
    'http://evil.example',
    'http://127.0.0.1:8081',
    'https://127.0.0.1:8080',
    'http://127.0.0.1:8080.evil.example',
    'http://127.0.0.1:8080/path',
    'http://user:pw@127.0.0.1:8080',
    'file://',
    'chrome-extension://abcdef',
    'http://127.0.0.1',
    'javascript:alert(1)',
  ])('refuses %j', (o) => {
    expect(isAllowedOrigin(o, 8080, true)).toBe(false);
  });
});

describe('tokenMatches and readCookie', () => {
  it('compares tokens exactly', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('ab', 'abc')).toBe(false);
    expect(tokenMatches('', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
    expect(tokenMatches(undefined, 'abc')).toBe(false);
  });
  it('reads one cookie among many', () => {
    expect(readCookie('a=1; pw_token=xyz; b=2', 'pw_token')).toBe('xyz');
    expect(readCookie('pw_token_x=1', 'pw_token')).toBeUndefined();
    expect(readCookie(undefined, 'pw_token')).toBeUndefined();
  });
});
