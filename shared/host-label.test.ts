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

describe('hostLabel with what a scan saw', () => {
  it('names a machine by its reverse DNS name when it reported no hostname, and prefers the SSH hostname when it did', () => {
    const rdns = [
      { source: 'ssh-banner', evidence: 'SSH-2.0-OpenSSH_9.2p1 Debian-2' },
      { source: 'rdns', evidence: 'nas.office.lan., nas-old.office.lan.' },
    ];
    expect(hostLabel({ address: '192.0.2.20', fingerprints: rdns })).toBe('nas.office.lan');
    expect(hostLabel({ address: '192.0.2.20', hostname: 'nas', fingerprints: rdns })).toBe('nas');
    expect(hostLabel({ address: '192.0.2.20', fingerprints: [{ source: 'rdns', evidence: '' }] })).toBe('192.0.2.20');
    expect(hostLabel({ address: '192.0.2.20', fingerprints: [] })).toBe('192.0.2.20');
  });
});
