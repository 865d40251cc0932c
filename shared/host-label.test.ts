import { describe, expect, it } from 'vitest';
import { hostLabel } from './host-label';

describe('hostLabel', () => {
  it('prefers the display name, then the hostname, then the address; empty strings count as missing', () => {
    expect(hostLabel({ displayName: 'Reception PC', hostname: 'recep-01', address: '192.0.2.10' })).toBe('Reception PC');
    expect(hostLabel({ displayName: null, hostname: 'recep-01', address: '192.0.2.10' })).toBe('recep-01');
    expect(hostLabel({ displayName: '', hostname: '', address: '192.0.2.10' })).toBe('192.0.2.10');
    expect(hostLabel({ address: '192.0.2.10' })).toBe('192.0.2.10');
  });
});
