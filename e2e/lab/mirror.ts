import fs from 'node:fs';
import path from 'node:path';
import { LabError } from './types.js';

/** Where the hosts get Debian from: the same mirrors the machine itself uses. */
export interface Mirrors {
  debian: string;
  security: string;
}

const DEFAULTS: Mirrors = { debian: 'http://deb.debian.org/debian', security: 'http://deb.debian.org/debian-security' };

function checkUrl(url: string, from: string): string {
  if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~/-]*)?$/.test(url)) {
    throw new LabError(`unusable Debian mirror URL ${JSON.stringify(url)} (from ${from}); expected http(s)://host/path`);
  }
  return url.replace(/\/+$/, '');
}

interface Entry { uris: string[]; suites: string[] }

function parseDeb822(text: string): Entry[] {
  return text.split(/\n\s*\n/).map((stanza) => {
    const field = (name: string): string[] => {
      const m = new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza.split('\n').filter((l) => !l.startsWith('#')).join('\n'));
      return m?.[1] ? m[1].trim().split(/\s+/) : [];
    };
    return { uris: field('URIs'), suites: field('Suites') };
  });
}

function parseOneLine(text: string): Entry[] {
  const out: Entry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').replace(/\[[^\]]*\]/, '').trim();
    const m = /^deb\s+(\S+)\s+(\S+)/.exec(line);
    if (m?.[1] && m[2]) out.push({ uris: [m[1]], suites: [m[2]] });
  }
  return out;
}

/** Reads the machine's apt sources (deb822 and one-line); env PATCHWELL_LAB_MIRROR / _SECURITY_MIRROR override. */
export function readMirrors(root = '/etc/apt'): Mirrors {
  const entries: Entry[] = [];
  const files: string[] = [];
  const dir = path.join(root, 'sources.list.d');
  if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir).sort()) files.push(path.join(dir, f));
  files.push(path.join(root, 'sources.list'));
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) entries.push(...parseDeb822(text));
    else if (file.endsWith('.list')) entries.push(...parseOneLine(text));
  }
  const find = (pred: (suite: string) => boolean): string | undefined =>
    entries.find((e) => e.suites.some(pred) && e.uris[0]?.startsWith('http'))?.uris[0];
  const debian = process.env.PATCHWELL_LAB_MIRROR ?? find((s) => !s.includes('security') && !s.includes('/')) ?? DEFAULTS.debian;
  const security = process.env.PATCHWELL_LAB_SECURITY_MIRROR ?? find((s) => s.includes('security')) ?? DEFAULTS.security;
  return { debian: checkUrl(debian, 'apt sources'), security: checkUrl(security, 'apt sources') };
}

/** deb822 sources for a bookworm host: main, updates and security, like a real installation. */
export function debianSources(m: Mirrors): string {
  return [
    'Types: deb',
    `URIs: ${m.debian}`,
    'Suites: bookworm bookworm-updates',
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
    'Types: deb',
    `URIs: ${m.security}`,
    'Suites: bookworm-security',
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
  ].join('\n');
}
