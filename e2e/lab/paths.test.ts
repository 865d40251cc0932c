/** Lab addresses under PATCHWELL_LAB_NET: pure functions, no machine needed. */
import { afterEach, describe, expect, it } from 'vitest';
import { addressOf, indexOfAddress, labCidr, labNet } from './paths.js';

const saved = process.env.PATCHWELL_LAB_NET;

describe('lab addresses', () => {
  afterEach(() => {
    if (saved === undefined) delete process.env.PATCHWELL_LAB_NET;
    else process.env.PATCHWELL_LAB_NET = saved;
  });

  it('default to 127.0.0.N', () => {
    delete process.env.PATCHWELL_LAB_NET;
    expect([labNet(), labCidr(), addressOf(11)]).toEqual(['127.0.0', '127.0.0.0/24', '127.0.0.11']);
    expect(indexOfAddress('127.0.0.254')).toBe(254);
  });

  it('move to another /24 of 127.0.0.0/8 with PATCHWELL_LAB_NET, and refuse the default net\'s addresses there', () => {
    process.env.PATCHWELL_LAB_NET = '127.0.1';
    expect([addressOf(19), labCidr()]).toEqual(['127.0.1.19', '127.0.1.0/24']);
    expect(indexOfAddress('127.0.1.19')).toBe(19);
    expect(() => indexOfAddress('127.0.0.19')).toThrow(/expected 127\.0\.1\.11-254/);
  });

  it('accept only host numbers 11-254 written plainly', () => {
    delete process.env.PATCHWELL_LAB_NET;
    for (const bad of ['127.0.0.10', '127.0.0.255', '127.0.0.011', '127.0.0.11; rm -rf /', ' 127.0.0.11', '127.0.0.']) {
      expect(() => indexOfAddress(bad)).toThrow(/not a lab address/);
    }
  });

  it('refuse a net outside 127.0.0.0/8 or badly written', () => {
    for (const bad of ['10.0.0', '192.168.1', '127.0', '127.0.0.0', '127.256.0', '127.00.1', '127.0.1 ']) {
      process.env.PATCHWELL_LAB_NET = bad;
      expect(() => labNet()).toThrow(/PATCHWELL_LAB_NET/);
    }
  });
});
