import { describe, expect, it } from 'vitest';
import { addressAt, intToIpv4, ipv4ToInt, isValidHostname, iterateAddresses, parseTargets, suggestSubnets } from './targets';

function ok(include: string, exclude = '') {
  const r = parseTargets(include, exclude);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.targets;
}
const list = (inc: string, exc = ''): string[] => [...iterateAddresses(ok(inc, exc).ranges)].map(intToIpv4);

describe('parseTargets', () => {
  it('parses single addresses, CIDRs and both range forms', () => {
    expect(list('192.0.2.7')).toEqual(['192.0.2.7']);
    expect(list('192.0.2.10-12')).toEqual(['192.0.2.10', '192.0.2.11', '192.0.2.12']);
    expect(list('192.0.2.254-192.0.3.1')).toEqual(['192.0.2.254', '192.0.2.255', '192.0.3.0', '192.0.3.1']);
    expect(ok('10.1.0.0/24').addressCount).toBe(254);
  });

  it('skips network and broadcast for prefixes up to /30 only', () => {
    expect(list('192.0.2.0/30')).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(list('192.0.2.0/31')).toEqual(['192.0.2.0', '192.0.2.1']);
    expect(list('192.0.2.9/32')).toEqual(['192.0.2.9']);
    const t = ok('10.0.0.0/24');
    expect(intToIpv4(addressAt(t.ranges, 0))).toBe('10.0.0.1');
    expect(intToIpv4(addressAt(t.ranges, 253))).toBe('10.0.0.254');
  });

  it('normalises a CIDR written with host bits set', () => {
    expect(list('192.0.2.77/30')).toEqual(['192.0.2.77', '192.0.2.78']);
  });

  it('accepts whitespace, commas, semicolons, newlines and comments', () => {
    const t = ok(' 192.0.2.1,192.0.2.2 ;\n\t192.0.2.3  # office printer\r\n\n');
    expect(t.addressCount).toBe(3);
  });

  it('applies exclusions from the second box and from ! lines, merging overlaps', () => {
    expect(list('192.0.2.0/29', '192.0.2.3-4')).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.5', '192.0.2.6']);
    expect(list('192.0.2.0/29\n!192.0.2.1 !192.0.2.6')).toEqual(['192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5']);
    expect(ok('192.0.2.1-10, 192.0.2.5-20').ranges).toHaveLength(1);
  });

  it('keeps host names for later resolution and validates them', () => {
    const t = ok('fileserver, Build-01.corp.example.com. 192.0.2.1', 'build-01.corp.example.com');
    expect(t.hostnames).toEqual(['fileserver']);
    expect(t.excludedHostnames).toEqual(['build-01.corp.example.com']);
    expect(isValidHostname('-bad.example')).toBe(false);
    expect(isValidHostname('a'.repeat(64) + '.example')).toBe(false);
    expect(isValidHostname('ok-host.example')).toBe(true);
  });

  it('explains bad tokens per field', () => {
    const r = parseTargets('10.0.0.256, 10.0.0.0/33, 10.0.0.9-3, under_score, 010.1.1.1', 'nope!');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.field, e.token])).toEqual([
      ['include', '10.0.0.256'], ['include', '10.0.0.0/33'], ['include', '10.0.0.9-3'], ['include', 'under_score'],
      ['include', '010.1.1.1'], ['exclude', 'nope!'],
    ]);
    expect(r.errors[2]?.message).toMatch(/ends before it starts/);
    expect(parseTargets('fe80::1', '').ok).toBe(false);
  });

  it('asks for confirmation above a /20 and refuses more than a /16', () => {
    expect(ok('10.0.0.0/20').needsConfirmation).toBe(false);
    expect(ok('10.0.0.0/19').needsConfirmation).toBe(true);
    expect(ok('10.0.0.0/16').addressCount).toBe(65534);
    const huge = parseTargets('0.0.0.0/0', '');
    expect(huge.ok).toBe(false);
    if (!huge.ok) expect(huge.errors[0]?.message).toMatch(/more than the limit of 65,536/);
    // Exclusions are subtracted arithmetically, so a /8 minus most of itself is fine and instant.
    expect(ok('10.0.0.0/8', '10.0.0.0-10.254.255.255').addressCount).toBe(65535);
  });

  it('refuses empty input and exclusions that remove everything', () => {
    expect(parseTargets('  \n', '').ok).toBe(false);
    expect(parseTargets('192.0.2.1', '192.0.2.0/24').ok).toBe(false);
  });

  it('converts addresses both ways and rejects junk', () => {
    expect(ipv4ToInt('255.255.255.255')).toBe(0xffffffff);
    expect(ipv4ToInt('1.2.3')).toBeNull();
    expect(intToIpv4(0x7f000001)).toBe('127.0.0.1');
  });
});

describe('suggestSubnets', () => {
  it('offers the /24 of each external IPv4 interface plus the loopback lab', () => {
    const s = suggestSubnets({
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
      eth0: [
        { address: '192.168.10.23', netmask: '255.255.0.0', family: 'IPv4', mac: '52:54:00:12:34:56', internal: false, cidr: '192.168.10.23/16' },
        { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '52:54:00:12:34:56', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
      ],
      wlan0: [{ address: '169.254.3.4', netmask: '255.255.0.0', family: 'IPv4', mac: 'aa:bb:cc:dd:ee:ff', internal: false, cidr: '169.254.3.4/16' }],
    });
    expect(s).toEqual([
      { cidr: '192.168.10.0/24', interfaceName: 'eth0', address: '192.168.10.23', kind: 'lan' },
      { cidr: '127.0.0.0/24', interfaceName: 'lo', address: '127.0.0.1', kind: 'loopback-lab' },
    ]);
  });
});
