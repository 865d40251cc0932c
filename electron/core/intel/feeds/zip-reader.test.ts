import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeZip } from './testing/make-zip';
import { isZip, readZip, ZipError } from './zip-reader';

const LIMITS = { maxEntries: 100, maxTotalBytes: 1 << 20 };

function hasZipTool(): boolean {
  try {
    execFileSync('zip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('readZip', () => {
  it('reads stored and deflated entries, skipping directories', () => {
    const zip = makeZip([
      { name: 'a.json', data: '{"a":1}', store: true },
      { name: 'dir/', data: '', store: true },
      { name: 'dir/b.json', data: 'x'.repeat(5000) },
    ]);
    expect(isZip(zip)).toBe(true);
    expect(readZip(zip, LIMITS).map((e) => [e.name, e.data.length])).toEqual([
      ['a.json', 7],
      ['dir/b.json', 5000],
    ]);
  });

  it.runIf(hasZipTool())('reads an archive made by Info-ZIP zip', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-zip-'));
    fs.writeFileSync(path.join(dir, 'one.json'), JSON.stringify({ hello: 'world'.repeat(100) }));
    fs.writeFileSync(path.join(dir, 'two.txt'), 'plain');
    execFileSync('zip', ['-q', '-r', 'all.zip', 'one.json', 'two.txt'], { cwd: dir });
    const entries = readZip(fs.readFileSync(path.join(dir, 'all.zip')), LIMITS);
    expect(entries.map((e) => e.name)).toEqual(['one.json', 'two.txt']);
    expect(JSON.parse(entries[0]!.data.toString('utf8'))).toEqual({ hello: 'world'.repeat(100) });
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses truncated, damaged and oversized archives with the reason', () => {
    const zip = makeZip([{ name: 'a.json', data: 'y'.repeat(3000) }]);
    expect(() => readZip(zip.subarray(0, zip.length - 30), LIMITS)).toThrow(/truncated or not a ZIP/);
    const flipped = Buffer.from(zip);
    flipped[40] = flipped[40]! ^ 0xff; // inside the deflated data
    expect(() => readZip(flipped, LIMITS)).toThrow(ZipError);
    expect(() => readZip(zip, { maxEntries: 100, maxTotalBytes: 1000 })).toThrow(/inflates to more than/);
    const many = makeZip(Array.from({ length: 5 }, (_, i) => ({ name: `${i}.json`, data: '{}' })));
    expect(() => readZip(many, { maxEntries: 4, maxTotalBytes: 1 << 20 })).toThrow(/5 entries, more than the 4 allowed/);
  });

  it('catches a wrong CRC and a lying size', () => {
    const zip = makeZip([{ name: 'a.json', data: 'hello world', store: true }]);
    const badCrc = Buffer.from(zip);
    const cd = badCrc.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    badCrc.writeUInt32LE(12345, cd + 16);
    expect(() => readZip(badCrc, LIMITS)).toThrow(/CRC-32/);
    const badSize = Buffer.from(zip);
    badSize.writeUInt32LE(9999, cd + 24);
    expect(() => readZip(badSize, LIMITS)).toThrow(/not the 9999/);
  });
});
