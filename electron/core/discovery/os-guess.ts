/**
 * Combine fingerprints (and which ports are open) into one explainable OS guess. Evidence for the same
 * family reinforces (noisy-OR); evidence for a different family lowers the confidence of the winner.
 */
import type { Fingerprint } from './fingerprint';
import type { OsFamily, OsHint } from './os-hint';

export interface OsGuess {
  family: OsFamily;
  distro?: string;
  version?: string;
  /** 0..1 */
  confidence: number;
  /** Every clue considered, strongest first, e.g. "[linux 0.90] SSH banner …". */
  reasons: string[];
}

/** Weak hints from open ports alone; a lone 445 is weak because Samba serves it too. */
export function portHints(openPorts: readonly number[]): OsHint[] {
  const has = (p: number): boolean => openPorts.includes(p);
  const out: OsHint[] = [];
  if (has(3389)) out.push({ family: 'windows', confidence: 0.5, reason: 'port 3389 (RDP) open' });
  if (has(135)) out.push({ family: 'windows', confidence: 0.5, reason: 'port 135 (MS-RPC endpoint mapper) open' });
  if (has(5985) || has(5986)) out.push({ family: 'windows', confidence: 0.4, reason: 'WinRM port open' });
  if (has(445) && !has(135)) out.push({ family: 'windows', confidence: 0.15, reason: 'port 445 (SMB) open' });
  return out;
}

/** Vendor names from the OUI table that say something about the OS. VM vendors say nothing. */
export function macVendorHint(vendor: string | undefined): OsHint | null {
  if (!vendor) return null;
  const why = `NIC vendor ${vendor}`;
  if (/^Raspberry Pi/.test(vendor)) return { family: 'linux', distro: 'Raspberry Pi OS', confidence: 0.5, reason: why };
  if (/^(Synology|QNAP)/.test(vendor)) return { family: 'linux', distro: `${vendor} NAS`, confidence: 0.5, reason: why };
  if (/^Apple/.test(vendor)) return { family: 'macos', confidence: 0.3, reason: `${why} (could also be an iPhone/iPad)` };
  if (/^(Cisco|Juniper|Ubiquiti|MikroTik|Fortinet|Palo Alto|SonicWall|WatchGuard|Aruba|Zyxel|Netgear|TP-Link|D-Link)/.test(vendor)) {
    return { family: 'network-device', confidence: 0.45, reason: why };
  }
  if (/^(Brother|Canon|Ricoh|Xerox|Kyocera)/.test(vendor)) return { family: 'network-device', distro: 'printer', confidence: 0.45, reason: why };
  return null;
}

export function guessOs(fingerprints: readonly Fingerprint[], openPorts: readonly number[]): OsGuess {
  const hints: OsHint[] = [];
  for (const f of fingerprints) if (f.hint) hints.push(f.hint);
  hints.push(...portHints(openPorts));
  hints.sort((a, b) => b.confidence - a.confidence);
  const reasons = hints.map((h) => `[${h.family} ${h.confidence.toFixed(2)}] ${h.reason}`);
  const score = new Map<OsFamily, number>();
  for (const h of hints) {
    if (h.family === 'unknown') continue;
    const c = Math.min(0.99, Math.max(0, h.confidence));
    score.set(h.family, 1 - (1 - (score.get(h.family) ?? 0)) * (1 - c));
  }
  const ranked = [...score.entries()].sort((a, b) => b[1] - a[1]);
  const best = ranked[0];
  if (!best) return { family: 'unknown', confidence: 0, reasons };
  const runnerUp = ranked[1]?.[1] ?? 0;
  const confidence = Math.max(0.05, Math.round((best[1] - 0.5 * runnerUp) * 100) / 100);
  const guess: OsGuess = { family: best[0], confidence, reasons };
  const detailed = hints.find((h) => h.family === best[0] && h.distro);
  if (detailed?.distro) guess.distro = detailed.distro;
  const versioned = hints.find((h) => h.family === best[0] && h.version && (!guess.distro || h.distro === guess.distro));
  if (versioned?.version) guess.version = versioned.version;
  return guess;
}
