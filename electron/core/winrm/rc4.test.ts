/** RC4 against the widely published test vectors (Key/Plaintext, Wiki/pedia, Secret/Attack at dawn). */
import { describe, expect, it } from 'vitest';
import { Rc4, rc4 } from './rc4';

describe('rc4', () => {
  it.each([
    ['Key', 'Plaintext', 'bbf316e8d940af0ad3'],
    ['Wiki', 'pedia', '1021bf0420'],
    ['Secret', 'Attack at dawn', '45a01f645fc35b383552544b9bf5'],
  ])('encrypts %s / %s', (key, text, hex) => {
    expect(rc4(Buffer.from(key), Buffer.from(text)).toString('hex')).toBe(hex);
    expect(rc4(Buffer.from(key), Buffer.from(hex, 'hex')).toString()).toBe(text);
  });
  it('keeps its keystream across calls', () => {
    const c = new Rc4(Buffer.from('Key'));
    const a = c.update(Buffer.from('Plain'));
    const b = c.update(Buffer.from('text'));
    expect(Buffer.concat([a, b]).toString('hex')).toBe('bbf316e8d940af0ad3');
  });
  it('refuses an empty key', () => {
    expect(() => new Rc4(Buffer.alloc(0))).toThrow(/RC4 key/);
  });
});
