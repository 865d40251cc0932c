import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeOsvZip } from './testing/make-osv-zip';
import { makeZip } from './testing/make-zip';
import { isZip, zipEntries, ZipError, type ZipLimits, type ZipSource } from './zip-stream';

const LIMITS: ZipLimits = { maxEntries: 100, maxEntryBytes: 1 << 20 };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-zip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function readAll(source: ZipSource, limits = LIMITS): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  for await (const e of zipEntries(source, limits)) out.push([e.name, e.data]);
  return out;
}

function hasZipTool(): boolean {
  try {
    execFileSync('zip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('zipEntries', () => {
  it('reads stored and deflated entries in order, skipping directories', async () => {
    const zip = makeZip([
      { name: 'a.json', data: '{"a":1}', store: true },
      { name: 'dir/', data: '', store: true },
      { name: 'dir/b.json', data: 'x'.repeat(5000) },
    ]);
    expect(isZip(zip)).toBe(true);
    expect((await readAll({ bytes: zip })).map(([n, d]) => [n, d.length])).toEqual([
      ['a.json', 7],
      ['dir/b.json', 5000],
    ]);
  });

  it.runIf(hasZipTool())('reads an archive made by Info-ZIP zip, from the disk', async () => {
    const work = fs.mkdtempSync(path.join(dir, 'info-zip-'));
    fs.writeFileSync(path.join(work, 'one.json'), JSON.stringify({ hello: 'world'.repeat(100) }));
    fs.writeFileSync(path.join(work, 'two.txt'), 'plain');
    execFileSync('zip', ['-q', '-r', 'all.zip', 'one.json', 'two.txt'], { cwd: work });
    const entries = await readAll({ path: path.join(work, 'all.zip') });
    expect(entries.map(([n]) => n)).toEqual(['one.json', 'two.txt']);
    expect(JSON.parse(entries[0]![1].toString('utf8'))).toEqual({ hello: 'world'.repeat(100) });
  });

  // Past 65,535 entries the end record's 16-bit count overflows and the ZIP64 end record holds the real one;
  // the old reader refused this. Python's zipfile writes it (an independent writer, not Patchwell's).
  it('reads a ZIP64 archive of 70,000 entries written by Python, every one with its content', async () => {
    const file = path.join(dir, 'zip64-70000.zip');
    makeOsvZip(file, 70_000, { tiny: true, store: true });
    const tail = fs.readFileSync(file).subarray(-98);
    expect(tail.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // the ZIP64 end-of-central-directory record
    let n = 0;
    let count = 0;
    const wrong: string[] = [];
    for await (const e of zipEntries({ path: file }, { maxEntries: 100_000, maxEntryBytes: 16 }, { onOpen: (c) => (count = c) })) {
      if (e.name !== `e${n}.txt` || e.data.toString() !== String(n)) wrong.push(e.name);
      n++;
    }
    expect({ count, n, wrong }).toEqual({ count: 70_000, n: 70_000, wrong: [] });
  }, 120_000);

  it('reads entries that carry ZIP64 extra fields (forced), deflated', async () => {
    const file = path.join(dir, 'forced.zip');
    makeOsvZip(file, 3, { forceZip64: true });
    const entries = await readAll({ path: file });
    expect(entries.map(([n]) => n)).toEqual(['DSA-1000-1.json', 'DSA-1001-1.json', 'DSA-1002-1.json']);
    expect(JSON.parse(entries[2]![1].toString('utf8'))).toMatchObject({ id: 'DSA-1002-1' });
  });

  it('refuses an entry whose bytes fail the CRC-32 check, naming it', async () => {
    const zip = makeZip([
      { name: 'good.json', data: '{"ok":true}', store: true },
      { name: 'bad.json', data: '{"ok":true}', store: true },
    ]);
    // Flip one byte of bad.json's stored data (after its 30-byte local header and 8-byte name).
    const second = zip.indexOf(Buffer.from('bad.json')) + 8;
    const flipped = Buffer.from(zip);
    flipped.writeUInt8(flipped.readUInt8(second + 3) ^ 0x01, second + 3);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const e of zipEntries({ bytes: flipped }, LIMITS)) seen.push(e.name);
      })(),
    ).rejects.toThrow(new ZipError('bad.json fails its CRC-32 check: the archive is damaged'));
    expect(seen).toEqual(['good.json']);
  });

  it('refuses truncated, damaged and non-ZIP input with the reason', async () => {
    const zip = makeZip([{ name: 'a.json', data: 'y'.repeat(2000) }]);
    await expect(readAll({ bytes: zip.subarray(0, zip.length - 30) })).rejects.toThrow(/truncated or not a ZIP/);
    await expect(readAll({ bytes: Buffer.from('PK\x03\x04 not really') })).rejects.toThrow(ZipError);
    const cut = path.join(dir, 'cut.zip');
    fs.writeFileSync(cut, zip.subarray(0, zip.length - 30));
    await expect(readAll({ path: cut })).rejects.toThrow(/truncated or not a ZIP file/);
    await expect(readAll({ path: path.join(dir, 'no-such.zip') })).rejects.toThrow(/truncated or not a ZIP file \(ENOENT/);
  });

  it('refuses an entry larger than the per-entry cap, naming it, and too many entries before reading any', async () => {
    const zip = makeZip([
      { name: 'small.json', data: '{}' },
      { name: 'huge.json', data: 'z'.repeat(5000) },
    ]);
    await expect(readAll({ bytes: zip }, { maxEntries: 10, maxEntryBytes: 1000 })).rejects.toThrow(
      'huge.json is 5,000 bytes, more than the 1,000 one entry may hold',
    );
    const many = makeZip(Array.from({ length: 5 }, (_, i) => ({ name: `${i}.json`, data: '{}' })));
    await expect(readAll({ bytes: many }, { maxEntries: 4, maxEntryBytes: 100 })).rejects.toThrow('the archive holds 5 entries, more than the 4 allowed');
  });

  it('refuses an entry whose header understates its size (a bomb shape), whatever it inflates to', async () => {
    const zip = makeZip([{ name: 'liar.json', data: 'q'.repeat(50_000) }]);
    // Central directory uncompressed size (offset 24 in the entry) set to 10 bytes: the data inflates far past it.
    const cd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const lied = Buffer.from(zip);
    lied.writeUInt32LE(10, cd + 24);
    await expect(readAll({ bytes: lied })).rejects.toThrow(/liar\.json cannot be read: the archive is truncated or damaged/);
  });

  it('stops at an aborted signal', async () => {
    const zip = makeZip([{ name: 'a.json', data: '{}' }]);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(
      (async () => {
        for await (const _e of zipEntries({ bytes: zip }, LIMITS, { signal: ac.signal })) void _e;
      })(),
    ).rejects.toThrow('stop');
  });
});
