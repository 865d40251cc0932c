import { describe, expect, it } from 'vitest';
import { buildNtlmNegotiate, findNtlmMessage, parseNtlmChallenge, windowsVersionName } from './ntlm-challenge';
import { NLMP_SPEC_V1_CHALLENGE, NLMP_SPEC_V2_CHALLENGE, WINDOWS_2008R2_CHALLENGE, WINDOWS_2022_CHALLENGE } from './test-fixtures';

function parse(buf: Uint8Array) {
  const r = parseNtlmChallenge(buf);
  if (!r.ok) throw new Error(r.error);
  return r.challenge;
}

describe('parseNtlmChallenge', () => {
  it('reads the MS-NLMP 4.2.2.3 example (no TargetInfo)', () => {
    const c = parse(NLMP_SPEC_V1_CHALLENGE);
    expect(c.flags >>> 0).toBe(0xe2028233);
    expect(c.serverChallenge).toBe('0123456789abcdef');
    expect(c.targetName).toBe('Server');
    expect(c.targetInfo).toEqual({});
    expect(c.version).toEqual({ major: 6, minor: 0, build: 6000, ntlmRevision: 15 });
  });

  it('reads the MS-NLMP 4.2.4.3 example with AV pairs', () => {
    const c = parse(NLMP_SPEC_V2_CHALLENGE);
    expect(c.flags >>> 0).toBe(0xe28a8233);
    expect(c.targetName).toBe('Server');
    expect(c.targetInfo).toEqual({ nbDomainName: 'Domain', nbComputerName: 'Server' });
    expect(c.avIds).toEqual([2, 1]);
    expect(windowsVersionName(c.version!)).toBe('Windows Vista');
  });

  it('reads a real Windows Server 2022 challenge', () => {
    const c = parse(WINDOWS_2022_CHALLENGE);
    expect(c.targetName).toBe('DANVMCLOUD');
    expect(c.targetInfo).toEqual({
      nbDomainName: 'DANVMCLOUD',
      nbComputerName: 'OP-AGENT-2',
      dnsDomainName: 'dan.vmcloud',
      dnsComputerName: 'op-agent-2.dan.vmcloud',
      dnsTreeName: 'dan.vmcloud',
      timestamp: '2025-05-29T19:43:20.797Z',
    });
    expect(c.version).toEqual({ major: 10, minor: 0, build: 20348, ntlmRevision: 15 });
    expect(windowsVersionName(c.version!)).toBe('Windows Server 2022');
  });

  it('reads a real Windows Server 2008 R2 challenge', () => {
    const c = parse(WINDOWS_2008R2_CHALLENGE);
    expect(c.targetName).toBe('VAGRANT-2008R2');
    expect(c.targetInfo.dnsComputerName).toBe('vagrant-2008R2');
    expect(c.targetInfo.timestamp).toMatch(/^20\d\d-/);
    expect(windowsVersionName(c.version!)).toBe('Windows 7 SP1 / Server 2008 R2 SP1');
  });

  it('returns clean errors for hostile or truncated input and never throws', () => {
    const bad: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['short', NLMP_SPEC_V2_CHALLENGE.subarray(0, 20)],
      ['wrong signature', Buffer.concat([Buffer.from('NTLMSSX\0'), NLMP_SPEC_V2_CHALLENGE.subarray(8)])],
    ];
    const type3 = Buffer.from(NLMP_SPEC_V2_CHALLENGE); type3[8] = 3; bad.push(['type 3', type3]);
    const farName = Buffer.from(NLMP_SPEC_V2_CHALLENGE); farName.writeUInt32LE(0xfffffff0, 16); bad.push(['TargetName offset overflow', farName]);
    const farInfo = Buffer.from(NLMP_SPEC_V2_CHALLENGE); farInfo.writeUInt16LE(0xffff, 40); bad.push(['TargetInfo length overflow', farInfo]);
    const oddName = Buffer.from(NLMP_SPEC_V2_CHALLENGE); oddName.writeUInt16LE(11, 12); bad.push(['odd UTF-16 length', oddName]);
    const avOverrun = Buffer.from(NLMP_SPEC_V2_CHALLENGE); avOverrun.writeUInt16LE(0x7fff, 0x44 + 2); bad.push(['AV pair overrun', avOverrun]);
    bad.push(['truncated payload', NLMP_SPEC_V2_CHALLENGE.subarray(0, NLMP_SPEC_V2_CHALLENGE.length - 6)]);
    for (const [name, buf] of bad) {
      const r = parseNtlmChallenge(buf);
      expect(r.ok, name).toBe(false);
    }
    // Random garbage after a valid signature and type must not throw either.
    for (let i = 0; i < 500; i++) {
      const g = Buffer.from(Array.from({ length: 8 + Math.floor(Math.random() * 120) }, () => Math.floor(Math.random() * 256)));
      Buffer.from('NTLMSSP\0\x02\0\0\0', 'latin1').copy(g);
      expect(() => parseNtlmChallenge(g)).not.toThrow();
    }
  });

  it('stops at a missing MsvAvEOL', () => {
    const noEol = Buffer.from(NLMP_SPEC_V2_CHALLENGE.subarray(0, NLMP_SPEC_V2_CHALLENGE.length - 4));
    noEol.writeUInt16LE(0x24 - 4, 40);
    noEol.writeUInt16LE(0x24 - 4, 42);
    expect(parseNtlmChallenge(noEol)).toEqual({ ok: false, error: 'TargetInfo ends without MsvAvEOL' });
  });
});

describe('windowsVersionName', () => {
  it('names the builds the inventory cares about', () => {
    expect(windowsVersionName({ major: 10, minor: 0, build: 19045 })).toBe('Windows 10 22H2');
    expect(windowsVersionName({ major: 10, minor: 0, build: 22631 })).toBe('Windows 11 23H2');
    expect(windowsVersionName({ major: 10, minor: 0, build: 20348 })).toBe('Windows Server 2022');
    expect(windowsVersionName({ major: 10, minor: 0, build: 17763 })).toBe('Windows 10 1809 / Server 2019');
    expect(windowsVersionName({ major: 6, minor: 1, build: 7601 })).toBe('Windows 7 SP1 / Server 2008 R2 SP1');
    expect(windowsVersionName({ major: 10, minor: 0, build: 27000 })).toBe('Windows 11 / Server (build 27000)');
    expect(windowsVersionName({ major: 6, minor: 1, build: 0 })).toBeNull();
  });
});

describe('NEGOTIATE and blob helpers', () => {
  it('builds a 40-byte NEGOTIATE_MESSAGE with the VERSION flag', () => {
    const n = buildNtlmNegotiate();
    expect(n.length).toBe(40);
    expect(n.subarray(0, 8).toString('latin1')).toBe('NTLMSSP\0');
    expect(n.readUInt32LE(8)).toBe(1);
    expect(n.readUInt32LE(12) & 0x02000000).toBe(0x02000000);
  });

  it('finds the NTLM message inside a DER OCTET STRING and bounds it', () => {
    const wrapped = Buffer.concat([Buffer.from([0xa1, 0x10, 0x04, NLMP_SPEC_V1_CHALLENGE.length]), NLMP_SPEC_V1_CHALLENGE, Buffer.from([0xde, 0xad])]);
    expect(findNtlmMessage(wrapped)?.equals(NLMP_SPEC_V1_CHALLENGE)).toBe(true);
    expect(findNtlmMessage(Buffer.from('nothing here'))).toBeNull();
  });
});
