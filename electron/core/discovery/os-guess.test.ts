import { describe, expect, it } from 'vitest';
import type { Fingerprint } from './fingerprint';
import { guessOs } from './os-guess';
import { parseSshBanner, sshOsHint } from './ssh-banner';

function ssh(line: string): Fingerprint {
  const b = parseSshBanner(line);
  if (!b) throw new Error('bad banner');
  return { kind: 'ssh', source: 'ssh-banner', port: 22, evidence: b.raw, hint: sshOsHint(b), data: b };
}

describe('guessOs', () => {
  it('trusts a specific SSH banner and explains why', () => {
    const g = guessOs([ssh('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3')], [22]);
    expect(g).toMatchObject({ family: 'linux', distro: 'Debian', version: '12 (bookworm)' });
    expect(g.confidence).toBeGreaterThan(0.8);
    expect(g.reasons[0]).toMatch(/deb12/);
  });

  it('adds up Windows port evidence and lets conflicting evidence lower confidence', () => {
    const win = guessOs([], [135, 445, 3389]);
    expect(win.family).toBe('windows');
    const mixed = guessOs([ssh('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3')], [22, 135, 3389]);
    expect(mixed.family).toBe('linux');
    expect(mixed.confidence).toBeLessThan(guessOs([ssh('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3')], [22]).confidence);
    expect(mixed.reasons).toHaveLength(3);
  });

  it('says unknown with zero confidence when nothing is known', () => {
    expect(guessOs([], [8080])).toEqual({ family: 'unknown', confidence: 0, reasons: [] });
  });
});
