import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { isGoodKeyPair, testKeyPair, type TestKeyPair } from './test-keys';

describe('test key pairs', () => {
  // From the helper itself: a raw generateKeyPairSync key here would make this test flaky in the same way.
  const good = testKeyPair();
  // The shape of the keys generateKeyPairSync gets wrong now and then: the private key's blob does not parse.
  const malformed: TestKeyPair = { ...good, private: good.private.replace(/^(-----BEGIN OPENSSH PRIVATE KEY-----\n)(.{12})/, '$1AAAAAAAAAAAA') };

  it('rejects a malformed private key and one whose halves do not match', () => {
    expect(isGoodKeyPair(malformed)).toBe(false);
    const other = testKeyPair();
    expect(isGoodKeyPair({ private: good.private, public: other.public })).toBe(false);
  });

  it('generates again when the generator hands back a bad pair, and gives up after a bounded number of tries', () => {
    const handed = [malformed, malformed, good];
    expect(testKeyPair({ generate: () => handed.shift()! })).toBe(good);
    expect(handed).toEqual([]);
    expect(() => testKeyPair({ generate: () => malformed })).toThrow(/No usable ed25519 key pair/);
  });

  it('makes passphrase-protected keys that open with their passphrase only', () => {
    const pair = testKeyPair({ passphrase: 'kp' });
    expect(isGoodKeyPair(pair, 'kp')).toBe(true);
    expect(ssh2.utils.parseKey(pair.private, 'wrong')).toBeInstanceOf(Error);
  });
});
