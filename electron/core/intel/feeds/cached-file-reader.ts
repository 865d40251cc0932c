/**
 * A yauzl RandomAccessReader over a file with a small block cache. yauzl's own fd reader issues a few small
 * reads per entry (central-directory record, local header, data); an all.zip of 150,000 advisories made that
 * hundreds of thousands of syscalls, most of the import's time. Reads here come from 256 KiB blocks, at most
 * eight kept (2 MiB), so memory stays bounded whatever the file's size.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

const BLOCK = 256 * 1024;
const KEEP = 8;

export class CachedFileReader extends yauzl.RandomAccessReader {
  private readonly blocks = new Map<number, Promise<Buffer>>();

  constructor(
    private readonly file: FileHandle,
    readonly size: number,
  ) {
    super();
  }

  private block(index: number): Promise<Buffer> {
    const hit = this.blocks.get(index);
    if (hit) {
      // Re-inserted so the Map's order is least recently used first.
      this.blocks.delete(index);
      this.blocks.set(index, hit);
      return hit;
    }
    const start = index * BLOCK;
    const length = Math.min(BLOCK, this.size - start);
    const loading = this.file.read(Buffer.alloc(length), 0, length, start).then(({ buffer, bytesRead }) => buffer.subarray(0, bytesRead));
    this.blocks.set(index, loading);
    if (this.blocks.size > KEEP) this.blocks.delete(this.blocks.keys().next().value as number);
    return loading;
  }

  private async *range(start: number, end: number): AsyncGenerator<Buffer> {
    for (let at = start; at < end; ) {
      const index = Math.floor(at / BLOCK);
      const block = await this.block(index);
      const from = at - index * BLOCK;
      const to = Math.min(block.length, end - index * BLOCK);
      if (to <= from) throw new Error(`unexpected end of file at byte ${at}`);
      yield block.subarray(from, to);
      at += to - from;
    }
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from(this.range(start, end), { objectMode: false });
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    void (async () => {
      let written = 0;
      for await (const chunk of this.range(position, position + length)) {
        chunk.copy(buffer, offset + written);
        written += chunk.length;
      }
    })().then(
      () => callback(null),
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
    );
  }

  override close(callback: (err: Error | null) => void): void {
    this.blocks.clear();
    this.file.close().then(
      () => callback(null),
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
    );
  }
}
