import { afterEach, describe, expect, it } from 'vitest';
import { extractBanner, parseSshBanner, readSshBanner, sshOsHint } from './ssh-banner';
import { closeAll, listen } from './test-servers';

afterEach(closeAll);

const hint = (line: string) => {
  const b = parseSshBanner(line);
  if (!b) throw new Error(`unparsed: ${line}`);
  return sshOsHint(b);
};

describe('parseSshBanner', () => {
  it('splits protoversion, software, version and comments', () => {
    expect(parseSshBanner('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n')).toEqual({
      raw: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', protoVersion: '2.0', software: 'OpenSSH_9.2p1',
      product: 'OpenSSH', version: '9.2p1', comments: 'Debian-2+deb12u3',
    });
    expect(parseSshBanner('SSH-2.0-OpenSSH_for_Windows_8.1')).toMatchObject({ product: 'OpenSSH_for_Windows', version: '8.1', comments: null });
    expect(parseSshBanner('SSH-1.99-Cisco-1.25')).toMatchObject({ protoVersion: '1.99', product: 'Cisco', version: '1.25' });
    expect(parseSshBanner('SSH-2.0-ROSSSH')).toMatchObject({ product: 'ROSSSH', version: null });
  });

  it('rejects non-SSH, control characters and over-long lines', () => {
    expect(parseSshBanner('HTTP/1.1 400 Bad Request')).toBeNull();
    expect(parseSshBanner('SSH-2.0-Open\x00SSH')).toBeNull();
    expect(parseSshBanner('SSH-2.0-' + 'A'.repeat(300))).toBeNull();
    expect(parseSshBanner('SSH-2.0-')).toBeNull();
  });
});

describe('sshOsHint', () => {
  it('reads Debian releases from the package revision', () => {
    expect(hint('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3')).toMatchObject({ family: 'linux', distro: 'Debian', version: '12 (bookworm)' });
    expect(hint('SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3')).toMatchObject({ distro: 'Debian', version: '11 (bullseye)' });
    expect(hint('SSH-2.0-OpenSSH_9.2p1 Debian-2')).toMatchObject({ distro: 'Debian', version: '12 (bookworm)' });
    expect(hint('SSH-2.0-OpenSSH_8.4p1 Raspbian-5+deb11u1')).toMatchObject({ distro: 'Raspberry Pi OS', version: '11 (bullseye)' });
  });

  it('maps Ubuntu OpenSSH versions to releases', () => {
    expect(hint('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10')).toMatchObject({ distro: 'Ubuntu', version: '22.04' });
    expect(hint('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5')).toMatchObject({ distro: 'Ubuntu', version: '24.04' });
    expect(hint('SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.11')).toMatchObject({ distro: 'Ubuntu', version: '20.04' });
    expect(hint('SSH-2.0-OpenSSH_5.9p1 Ubuntu-5ubuntu1')).toMatchObject({ distro: 'Ubuntu' });
  });

  it('recognises Windows, FreeBSD, network gear and shrugs at the rest', () => {
    expect(hint('SSH-2.0-OpenSSH_for_Windows_8.1').family).toBe('windows');
    expect(hint('SSH-2.0-OpenSSH_9.3 FreeBSD-20230719')).toMatchObject({ family: 'bsd', distro: 'FreeBSD' });
    expect(hint('SSH-2.0-Cisco-1.25').family).toBe('network-device');
    expect(hint('SSH-2.0-dropbear_2022.83')).toMatchObject({ family: 'linux', distro: 'embedded' });
    expect(hint('SSH-2.0-OpenSSH_9.8p1').family).toBe('unknown');
    expect(hint('SSH-2.0-OpenSSH_8.0')).toMatchObject({ family: 'linux', distro: 'RHEL-compatible', version: '8' });
  });
});

describe('extractBanner', () => {
  it('skips pre-banner lines and waits for a full line', () => {
    expect(extractBanner(Buffer.from('SSH-2.0-Open'))).toBe('need-more');
    const r = extractBanner(Buffer.from('Welcome\r\nauthorised use only\r\nSSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    expect(r).toMatchObject({ ok: true, preBanner: ['Welcome\\x0d', 'authorised use only\\x0d'] });
  });

  it('bounds line length and pre-banner volume', () => {
    expect(extractBanner(Buffer.alloc(300, 0x41))).toMatchObject({ ok: false, error: 'line longer than 255 bytes' });
    expect(extractBanner(Buffer.from('x\n'.repeat(3000)))).toMatchObject({ ok: false });
    expect(extractBanner(Buffer.from('SSH-2.0-\x01\x02bad\r\n', 'latin1'))).toMatchObject({ ok: false, error: 'malformed SSH identification string' });
  });
});

describe('readSshBanner over loopback', () => {
  it('reads a banner without sending anything', async () => {
    let received = 0;
    const l = await listen('127.0.0.51', 0, (s) => { s.on('data', (d) => { received += d.length; }); s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'); });
    const r = await readSshBanner(l.host, l.port, { timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: true, banner: { comments: 'Debian-2+deb12u3' } });
    expect(received).toBe(0);
  });

  it('handles a byte-at-a-time server, a flood, a silent server and a truncated close', async () => {
    const slow = await listen('127.0.0.51', 0, (s) => {
      const text = 'SSH-2.0-dropbear_2022.83\r\n';
      let i = 0;
      const t = setInterval(() => { if (i < text.length && !s.destroyed) s.write(text[i++] as string); else clearInterval(t); }, 1);
    });
    expect(await readSshBanner(slow.host, slow.port, { timeoutMs: 2000 })).toMatchObject({ ok: true, banner: { product: 'dropbear' } });
    const flood = await listen('127.0.0.51', 0, (s) => { s.write(Buffer.alloc(100_000, 0x41)); });
    expect(await readSshBanner(flood.host, flood.port, { timeoutMs: 2000 })).toMatchObject({ ok: false });
    const silent = await listen('127.0.0.51', 0, () => undefined);
    expect(await readSshBanner(silent.host, silent.port, { timeoutMs: 100 })).toMatchObject({ ok: false, error: expect.stringContaining('100 ms') });
    const cut = await listen('127.0.0.51', 0, (s) => s.end('SSH-2.0-Open'));
    expect(await readSshBanner(cut.host, cut.port, { timeoutMs: 2000 })).toMatchObject({ ok: false, error: expect.stringContaining('closed') });
  });
});
