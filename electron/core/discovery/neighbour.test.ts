import { describe, expect, it } from 'vitest';
import { parseIpNeigh, parseProcNetArp } from './neighbour';
import { bundledOuiDatabase, lookupMac, normaliseMac, parseOuiText } from './oui';

describe('parseProcNetArp', () => {
  it('parses complete, incomplete and permanent entries', () => {
    const text = [
      'IP address       HW type     Flags       HW address            Mask     Device',
      '192.168.1.1      0x1         0x2         00:50:56:c0:00:08     *        eth0',
      '192.168.1.77     0x1         0x0         00:00:00:00:00:00     *        eth0',
      '192.168.1.5      0x1         0x6         B8:27:EB:12:34:56     *        eth0',
      'garbage line',
    ].join('\n');
    expect(parseProcNetArp(text)).toEqual([
      { ip: '192.168.1.1', mac: '00:50:56:c0:00:08', state: 'complete', device: 'eth0' },
      { ip: '192.168.1.77', state: 'incomplete', device: 'eth0' },
      { ip: '192.168.1.5', mac: 'b8:27:eb:12:34:56', state: 'permanent', device: 'eth0' },
    ]);
  });
});

describe('parseIpNeigh', () => {
  it('parses ip neigh output including router flag and failed entries', () => {
    const text = [
      '10.0.0.1 dev eth0 lladdr 52:54:00:ab:cd:ef router REACHABLE',
      '10.0.0.9 dev eth0  FAILED',
      'fe80::1 dev eth0 lladdr 00:15:5d:01:02:03 STALE',
      '',
    ].join('\n');
    expect(parseIpNeigh(text)).toEqual([
      { ip: '10.0.0.1', device: 'eth0', mac: '52:54:00:ab:cd:ef', state: 'reachable' },
      { ip: '10.0.0.9', device: 'eth0', state: 'failed' },
      { ip: 'fe80::1', device: 'eth0', mac: '00:15:5d:01:02:03', state: 'stale' },
    ]);
  });
});

describe('OUI lookup', () => {
  const db = bundledOuiDatabase();
  it('names common virtual and hardware vendors from the bundled table', () => {
    expect(lookupMac('00:0C:29:aa:bb:cc', db)?.vendor).toBe('VMware');
    expect(lookupMac('00-50-56-01-02-03', db)?.vendor).toBe('VMware');
    expect(lookupMac('08:00:27:00:00:01', db)?.vendor).toBe('Oracle VirtualBox');
    expect(lookupMac('00:15:5d:00:00:01', db)?.vendor).toBe('Microsoft');
    expect(lookupMac('b827.eb00.0001', db)?.vendor).toBe('Raspberry Pi');
    expect(lookupMac('dc:a6:32:00:00:01', db)?.vendor).toBe('Raspberry Pi');
    expect(lookupMac('00:11:32:00:00:01', db)?.vendor).toBe('Synology');
    expect(lookupMac('00:16:3e:00:00:01', db)?.vendor).toBe('Xen');
  });

  it('flags locally administered (randomised) MACs but keeps the QEMU/KVM convention', () => {
    expect(lookupMac('52:54:00:12:34:56', db)).toMatchObject({ vendor: 'QEMU/KVM', locallyAdministered: true });
    expect(lookupMac('da:a1:19:00:00:01', db)).toEqual({ mac: 'da:a1:19:00:00:01', locallyAdministered: true, multicast: false });
    expect(lookupMac('01:00:5e:00:00:01', db)?.multicast).toBe(true);
    expect(lookupMac('not a mac', db)).toBeNull();
    expect(normaliseMac('00:11:22:33:44')).toBeNull();
  });

  it('parses nmap and IEEE registry formats', () => {
    const m = parseOuiText('# comment\n000C29 VMware\n00-50-56   (hex)\t\tVMware, Inc.\n005056     (base 16)\t\tVMware, Inc.\n');
    expect(m.get('000c29')).toBe('VMware');
    expect(m.get('005056')).toBe('VMware, Inc.');
  });
});
