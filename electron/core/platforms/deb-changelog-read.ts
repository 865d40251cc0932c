/**
 * Reads a package's changelog out of its .deb in this process, as the changelog script does on a machine
 * (debian-changelog-fetch.ts): the data archive's ./usr/share/doc/<pkg>/changelog.Debian.gz, else any other doc
 * folder's changelog.Debian.gz (first by name), else ./usr/share/doc/<pkg>/changelog.gz, preceded by a binNMU's
 * changelog.Debian.<arch>.gz; a doc folder that is a symlink into another package is reported as a link.
 *
 * Why here: reading a changelog means decompressing the whole data archive (about 1.3 s of CPU on a lab machine for
 * a stale machine's 18 updates), and every machine of an office needs the same .debs. Done by the core once per
 * file, for files the office cache holds and whose SHA-256 the core computed itself, so no machine's word decides
 * another machine's findings. Formats: ar, then data.tar uncompressed, .gz, .xz (Debian's default) or .zst (Ubuntu's
 * default); anything else (.bz2, .lzma) returns null and the machine reads the changelog itself as before.
 * The xz and zstd decoders are loaded on the first .deb that needs them, not when the core starts.
 */
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { XzReadableStream as Xz } from 'xz-decompress';
import { createGunzip } from 'node:zlib';

export interface DebChangelog {
  status: 'ok' | 'nochangelog';
  text: string;
  /** The doc folder's symlink target (another binary package of the same source), as the script reports it. */
  link: string | null;
}

/** A binNMU's own changelog is read up to this many bytes, as the script's `head -c 65536`. */
const BINNMU_BYTES = 65536;
/** Compressed changelogs larger than this are not kept while reading (no real changelog comes near it). */
const MAX_KEPT_FILE = 32 * 1024 * 1024;
const DOC = 'usr/share/doc/';
/** Input handed to the zstd decoder at a time, so that its output is read (and mostly skipped) as it comes. */
const ZSTD_STEP = 64 * 1024;

class DebFormatError extends Error {}

/** The members of an ar archive (the .deb container): name and bytes. */
function arMembers(deb: Buffer): Map<string, Buffer> {
  if (deb.subarray(0, 8).toString('latin1') !== '!<arch>\n') throw new DebFormatError('not an ar archive');
  const out = new Map<string, Buffer>();
  let at = 8;
  while (at + 60 <= deb.length) {
    const header = deb.subarray(at, at + 60).toString('latin1');
    if (header.slice(58, 60) !== '`\n') throw new DebFormatError('bad ar member header');
    const name = header.slice(0, 16).trim().replace(/\/$/, '');
    const size = Number(header.slice(48, 58).trim());
    if (!Number.isSafeInteger(size) || size < 0 || at + 60 + size > deb.length) throw new DebFormatError('bad ar member size');
    out.set(name, deb.subarray(at + 60, at + 60 + size));
    at += 60 + size + (size % 2);
  }
  return out;
}

async function xzChunks(data: Buffer): Promise<AsyncIterable<Uint8Array>> {
  // A webpack bundle in CommonJS: esbuild and vitest see its named export, Node's own ESM loader (tsx) only a default.
  const xz = (await import('xz-decompress')) as unknown as { XzReadableStream?: typeof Xz; default?: { XzReadableStream: typeof Xz } };
  const XzReadableStream = xz.XzReadableStream ?? xz.default!.XzReadableStream;
  // Web streams in and out; the casts only bridge Node's and the DOM's typings of the same stream class.
  const input = Readable.toWeb(Readable.from([data])) as unknown as ConstructorParameters<typeof XzReadableStream>[0];
  return Readable.fromWeb(new XzReadableStream(input) as unknown as WebReadableStream<Uint8Array>);
}

/**
 * zstd (fzstd, pure JavaScript, about 6× slower than the zstd program): fed a step at a time; each step's output is
 * handed on before the next is decoded, and every 16 steps the event loop gets a turn, so that a large archive does
 * not hold up the core's calls for the seconds it takes.
 */
async function* zstdChunks(data: Buffer): AsyncGenerator<Uint8Array> {
  if (data.length === 0) throw new DebFormatError('empty data archive');
  const { Decompress } = await import('fzstd');
  const out: Uint8Array[] = [];
  const decoder = new Decompress((chunk) => {
    out.push(chunk);
  });
  for (let at = 0; at < data.length; at += ZSTD_STEP) {
    const end = Math.min(data.length, at + ZSTD_STEP);
    decoder.push(data.subarray(at, end), end === data.length);
    yield* out.splice(0);
    if ((at / ZSTD_STEP) % 16 === 15) await turn();
  }
}

async function decompressed(name: string, data: Buffer): Promise<AsyncIterable<Uint8Array> | null> {
  if (name === 'data.tar') return Readable.from([data]);
  if (name === 'data.tar.gz') return Readable.from([data]).pipe(createGunzip());
  if (name === 'data.tar.xz') return xzChunks(data);
  if (name === 'data.tar.zst') return zstdChunks(data);
  return null;
}

const field = (block: Buffer, from: number, length: number): string => {
  const raw = block.subarray(from, from + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
};

function octal(block: Buffer, from: number, length: number): number {
  // GNU tar writes sizes of 8 GiB and more in base-256, flagged by the high bit.
  if ((block[from]! & 0x80) !== 0) {
    let n = 0;
    for (let i = from + 1; i < from + length; i++) n = n * 256 + block[i]!;
    return n;
  }
  const text = field(block, from, length).trim();
  return text ? parseInt(text, 8) : 0;
}

interface DocEntries {
  files: Map<string, Buffer>;
  links: Map<string, string>;
}

const wanted = (p: string): boolean => {
  if (!p.startsWith(DOC)) return false;
  const rest = p.slice(DOC.length).split('/');
  return rest.length === 2 && (rest[1] === 'changelog.gz' || /^changelog\.Debian(\.[^/]+)?\.gz$/.test(rest[1]!));
};

/** Streams a tar archive, keeping the doc folders' changelog files and symlinks; everything else is skipped. */
async function docEntries(chunks: AsyncIterable<Uint8Array>): Promise<DocEntries> {
  const files = new Map<string, Buffer>();
  const links = new Map<string, string>();
  let pending: Buffer = Buffer.alloc(0);
  let longName: string | null = null;
  let paxPath: string | null = null;
  // The entry being read: bytes still to come (data plus padding) and where to keep them.
  let remaining = 0;
  let padding = 0;
  let keep: { kind: 'file' | 'longname' | 'pax'; path: string; parts: Buffer[] } | null = null;
  let ended = false;
  const finishEntry = (): void => {
    if (!keep) return;
    const data = Buffer.concat(keep.parts);
    if (keep.kind === 'file') files.set(keep.path, data);
    else if (keep.kind === 'longname') longName = field(data, 0, data.length);
    else {
      for (const record of data.toString('utf8').split('\n')) {
        const m = /^\d+ path=(.*)$/.exec(record);
        if (m) paxPath = m[1]!;
      }
    }
    keep = null;
  };
  for await (const chunk of chunks) {
    if (ended) continue;
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    while (!ended) {
      if (remaining > 0) {
        const take = Math.min(remaining, pending.length - at);
        if (take === 0) break;
        if (keep) keep.parts.push(Buffer.from(pending.subarray(at, at + take)));
        at += take;
        remaining -= take;
        if (remaining === 0) finishEntry();
        continue;
      }
      if (padding > 0) {
        const take = Math.min(padding, pending.length - at);
        if (take === 0) break;
        at += take;
        padding -= take;
        continue;
      }
      if (pending.length - at < 512) break;
      const block = pending.subarray(at, at + 512);
      at += 512;
      if (block.every((b) => b === 0)) {
        ended = true;
        break;
      }
      const type = String.fromCharCode(block[156]!);
      const size = octal(block, 124, 12);
      const prefix = block.subarray(257, 263).toString('latin1').startsWith('ustar') ? field(block, 345, 155) : '';
      const headerName = prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100);
      remaining = size;
      padding = (512 - (size % 512)) % 512;
      if (type === 'L') {
        keep = { kind: 'longname', path: '', parts: [] };
      } else if (type === 'x') {
        keep = { kind: 'pax', path: '', parts: [] };
      } else {
        const name = posix.normalize((paxPath ?? longName ?? headerName).replace(/^\.?\//, '')).replace(/\/$/, '');
        longName = null;
        paxPath = null;
        if (type === '2' && name.startsWith(DOC)) links.set(name, field(block, 157, 100));
        keep = (type === '0' || type === '\0') && wanted(name) && size <= MAX_KEPT_FILE ? { kind: 'file', path: name, parts: [] } : null;
      }
      if (remaining === 0) finishEntry();
    }
    // A copy: the decompressor may reuse its chunk's memory for the next one.
    pending = Buffer.from(pending.subarray(at));
  }
  return { files, links };
}

/** The first `limit` bytes of a gzip file, decompressing no more than that (as `gzip -dc | head -c`). */
async function gunzipHead(gz: Buffer, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  const stream = Readable.from([gz]).pipe(createGunzip());
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= limit) break;
    }
  } catch {
    // A damaged file gives what came before the damage, as gzip -dc 2>/dev/null does.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, limit);
}

/** Lines as `sed 's/^/|/'` prints them and the script's parser reads them back: a last newline makes no line. */
function lines(bytes: Buffer): string[] {
  const text = bytes.toString('utf8');
  const out = text.split('\n');
  if (text.endsWith('\n')) out.pop();
  return out;
}

/**
 * The changelog of `pkg` in the .deb `deb`, as the machine's script would read it (same choice of file, same byte
 * caps); null when the data archive's compression is not one this process reads.
 */
export async function changelogFromDeb(deb: Buffer, pkg: string, maxBytes: number): Promise<DebChangelog | null> {
  const members = arMembers(deb);
  const dataName = [...members.keys()].find((n) => n.startsWith('data.tar'));
  if (!dataName) throw new DebFormatError('no data archive');
  const stream = await decompressed(dataName, members.get(dataName)!);
  if (!stream) return null;
  const { files, links } = await docEntries(stream);

  const d = `${DOC}${pkg}`;
  const target = links.get(d) ?? null;
  // "$d/…" on the extracted tree follows a symlinked doc folder when its target is in the same package.
  const dir = target === null ? d : posix.normalize(target.startsWith('/') ? target.slice(1) : posix.join(DOC, target));
  const link = target === null ? null : (target.replace(/\/+$/, '').split('/').pop() ?? null);
  const others = [...files.keys()].filter((p) => p.endsWith('/changelog.Debian.gz')).sort();
  const main = [`${dir}/changelog.Debian.gz`, ...others, `${dir}/changelog.gz`].find((p) => files.has(p));
  if (!main) return { status: 'nochangelog', text: '', link };

  const out: string[] = [];
  const binNmus = [...files.keys()].filter((p) => p.startsWith(`${dir}/changelog.Debian.`) && p !== `${dir}/changelog.Debian.gz`).sort();
  for (const p of binNmus) {
    out.push(...lines(await gunzipHead(files.get(p)!, BINNMU_BYTES)), '');
  }
  out.push(...lines(await gunzipHead(files.get(main)!, maxBytes)));
  return { status: 'ok', text: out.join('\n'), link };
}
