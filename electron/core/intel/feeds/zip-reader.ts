/**
 * Reads the entries of a ZIP archive held in memory (OSV publishes each ecosystem as one all.zip of
 * per-advisory JSON files). Stored and deflated entries only; no ZIP64, no encryption, no multi-disk — a file
 * using them is refused with that reason. Every entry's CRC-32 and sizes are checked, and the total inflated
 * size is bounded, so a truncated, damaged or bomb-shaped archive is refused whole.
 * Layout from PKWARE's APPNOTE.TXT: local file header 0x04034b50, central directory entry 0x02014b50, end of
 * central directory 0x06054b50.
 */
import { crc32, inflateRawSync } from 'node:zlib';

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

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function findEndOfCentralDirectory(buf: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  const stop = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= stop; i--) if (buf.readUInt32LE(i) === EOCD) return i;
  throw new ZipError('the archive is truncated or not a ZIP file (no end-of-central-directory record)');
}

/** Every file entry (directories skipped), in central-directory order. */
export function readZip(bytes: Uint8Array, limits: { maxEntries: number; maxTotalBytes: number }): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfCentralDirectory(buf);
  const count = buf.readUInt16LE(end + 10);
  const cdSize = buf.readUInt32LE(end + 12);
  const cdOffset = buf.readUInt32LE(end + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported');
  if (buf.readUInt16LE(end + 4) !== 0 || buf.readUInt16LE(end + 6) !== 0) throw new ZipError('multi-part archives are not supported');
  if (cdOffset + cdSize > end) throw new ZipError('the central directory lies outside the file: the archive is damaged');
  if (count > limits.maxEntries) throw new ZipError(`the archive holds ${count} entries, more than the ${limits.maxEntries} allowed`);
  const entries: ZipEntry[] = [];
  let total = 0;
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || buf.readUInt32LE(p) !== CENTRAL) throw new ZipError(`central directory entry ${i + 1} is damaged`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (flags & 0x1) throw new ZipError(`${name} is encrypted`);
    if (method !== 0 && method !== 8) throw new ZipError(`${name} uses compression method ${method}; only stored and deflate are supported`);
    if (compressed === 0xffffffff || size === 0xffffffff) throw new ZipError('ZIP64 archives are not supported');
    if (localOffset + 30 > cdOffset || buf.readUInt32LE(localOffset) !== LOCAL) throw new ZipError(`${name}: its local header is missing or damaged`);
    const start = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    if (start + compressed > cdOffset) throw new ZipError(`${name} is truncated`);
    total += size;
    if (total > limits.maxTotalBytes) throw new ZipError(`the archive inflates to more than ${Math.round(limits.maxTotalBytes / 1048576)} MiB`);
    const raw = buf.subarray(start, start + compressed);
    let data: Buffer;
    try {
      data = method === 0 ? Buffer.from(raw) : inflateRawSync(raw, { maxOutputLength: size + 1 });
    } catch (e) {
      throw new ZipError(`${name} cannot be inflated (${e instanceof Error ? e.message : String(e)})`);
    }
    if (data.length !== size) throw new ZipError(`${name} inflates to ${data.length} bytes, not the ${size} its header states`);
    if (crc32(data) >>> 0 !== crc) throw new ZipError(`${name} fails its CRC-32 check: the archive is damaged`);
    entries.push({ name, data });
  }
  return entries;
}
