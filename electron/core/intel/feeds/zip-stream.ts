/**
 * Reads ZIP archives entry by entry with yauzl (ZIP64, stored and deflated entries), so an archive of any size
 * is read in bounded memory: only the entry being read is held, and each is capped. osv.dev's ecosystem bundles
 * (all.zip) pass 65,535 entries and so are ZIP64. yauzl does not check CRC-32 (its README says so), so each
 * entry's checksum is computed here as its bytes arrive and compared with the central directory's.
 */
import fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { CachedFileReader } from './cached-file-reader';

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipEntry {
  name: string;
  data: Buffer;
}

export interface ZipLimits {
  /** An archive whose central directory counts more entries is refused before any is read. */
  maxEntries: number;
  /** An entry that inflates to more than this is refused, naming it. */
  maxEntryBytes: number;
}

/** A ZIP file on disk (read through a file descriptor, never loaded whole) or already in memory. */
export type ZipSource = { path: string } | { bytes: Uint8Array };

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

const OPTIONS: yauzl.Options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false, decodeStrings: true };

function plain(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function open(source: ZipSource): Promise<yauzl.ZipFile> {
  try {
    if ('path' in source) {
      const file = await fsp.open(source.path, 'r');
      try {
        const { size } = await file.stat();
        return await yauzl.fromRandomAccessReaderPromise(new CachedFileReader(file, size), size, OPTIONS);
      } catch (e) {
        await file.close();
        throw e;
      }
    }
    const { bytes } = source;
    return await yauzl.fromBufferPromise(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), OPTIONS);
  } catch (e) {
    throw new ZipError(`the archive is truncated or not a ZIP file (${plain(e)})`);
  }
}

/** Asks yauzl for the next central-directory entry; null at the end. */
function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: yauzl.Entry): void => {
      cleanup();
      resolve(e);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new ZipError(`the archive's central directory is damaged (${err.message})`));
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

async function readEntryData(zip: yauzl.ZipFile, entry: yauzl.Entry, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  const name = entry.fileName;
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (e) {
    throw new ZipError(`${name}: its local header is missing or damaged (${plain(e)})`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let crc = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      size += chunk.length;
      // The header's size was checked before opening; this holds even if a deflate stream runs past it.
      if (size > maxBytes) throw new ZipError(`${name} inflates to more than ${maxBytes.toLocaleString('en')} bytes, the most one entry may hold`);
      crc = crc32(chunk, crc);
      chunks.push(chunk);
    }
  } catch (e) {
    stream.destroy();
    if (e instanceof ZipError || signal?.aborted) throw e;
    throw new ZipError(`${name} cannot be read: the archive is truncated or damaged (${plain(e)})`);
  }
  if (crc >>> 0 !== entry.crc32 >>> 0) throw new ZipError(`${name} fails its CRC-32 check: the archive is damaged`);
  return Buffer.concat(chunks, size);
}

/**
 * Yields every file entry (directories skipped) in central-directory order, one inflated entry at a time, its
 * CRC-32 checked. `onOpen` learns the entry count first (for progress). Throws ZipError naming what is wrong;
 * the file is closed however the loop ends.
 */
export async function* zipEntries(
  source: ZipSource,
  limits: ZipLimits,
  options: { signal?: AbortSignal; onOpen?: (entryCount: number) => void } = {},
): AsyncGenerator<ZipEntry> {
  const zip = await open(source);
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new ZipError(`the archive holds ${zip.entryCount.toLocaleString('en')} entries, more than the ${limits.maxEntries.toLocaleString('en')} allowed`);
    }
    options.onOpen?.(zip.entryCount);
    for (;;) {
      options.signal?.throwIfAborted();
      const entry = await nextEntry(zip);
      if (entry === null) return;
      const name = entry.fileName;
      if (name.endsWith('/')) continue;
      if (entry.isEncrypted()) throw new ZipError(`${name} is encrypted`);
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw new ZipError(`${name} uses compression method ${entry.compressionMethod}; only stored and deflate are supported`);
      }
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        throw new ZipError(`${name} is ${entry.uncompressedSize.toLocaleString('en')} bytes, more than the ${limits.maxEntryBytes.toLocaleString('en')} one entry may hold`);
      }
      yield { name, data: await readEntryData(zip, entry, limits.maxEntryBytes, options.signal) };
    }
  } finally {
    zip.close();
  }
}
