/**
 * One upstream download shared by every machine asking for the same URL at the same time. The body goes to a
 * temp file; each client reads that file from its own offset, following the writer, so a slow client never
 * slows the download and a late one still gets every byte. The file joins the cache only when complete with
 * the announced length; a failure ends every client's response with an error, never with a short file.
 */
import fs from 'node:fs';
import type http from 'node:http';

const READ_CHUNK = 256 * 1024;
const MIN_READ = 64 * 1024;

export type DownloadState = 'streaming' | 'done' | 'failed';

export class SharedDownload {
  state: DownloadState = 'streaming';
  /** Bytes on disk so far: what readers may read. */
  written = 0;
  failure: Error | null = null;
  private readers = 0;
  private fhClosed = false;
  private tick = deferred();

  private constructor(
    private readonly fh: fs.promises.FileHandle,
    readonly tempPath: string,
    /** The upstream Content-Length, when it sent one: the download is complete only at exactly this size. */
    readonly expectedLength: number | null,
  ) {}

  static async create(tempPath: string, expectedLength: number | null): Promise<SharedDownload> {
    const fh = await fs.promises.open(tempPath, 'w+', 0o600);
    return new SharedDownload(fh, tempPath, expectedLength);
  }

  /**
   * Writes the upstream body, pausing it while each chunk reaches the disk. Resolves when the body is complete
   * and on disk; rejects (and fails every reader) when it is short, broken or cannot be written.
   */
  async receive(body: http.IncomingMessage, onUpstreamBytes: (n: number) => void): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        // The answer can break while the temp file is being opened, before these listeners exist.
        if (body.destroyed && !body.complete) return reject(new Error('the upstream connection closed before the end of the file'));
        let position = 0;
        let broken = false;
        let writing: Promise<void> = Promise.resolve();
        const stop = (err: Error) => {
          broken = true;
          body.destroy();
          reject(err);
        };
        body.on('data', (chunk: Buffer) => {
          const at = position;
          position += chunk.length;
          onUpstreamBytes(chunk.length);
          body.pause();
          writing = writing
            .then(() => writeAll(this.fh, chunk, at))
            .then(
              () => {
                this.written = at + chunk.length;
                this.wake();
                if (!broken) body.resume();
              },
              (err: unknown) => stop(err instanceof Error ? err : new Error(String(err))),
            );
        });
        body.on('end', () => {
          void writing.then(() => {
            if (!body.complete) reject(new Error('the upstream connection closed before the end of the file'));
            else if (this.expectedLength !== null && position !== this.expectedLength) reject(new Error(`the upstream sent ${position} bytes of ${this.expectedLength}`));
            else resolve();
          });
        });
        body.on('error', (err) => reject(err));
        body.on('close', () => {
          if (!body.complete) reject(new Error('the upstream connection closed before the end of the file'));
        });
      });
      await this.fh.sync();
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  /** The download is in the cache (or deliberately not kept): readers finish from the open file. */
  finish(): void {
    this.state = 'done';
    this.wake();
    this.maybeClose();
  }

  fail(err: Error): void {
    if (this.state !== 'streaming') return;
    this.state = 'failed';
    this.failure = err;
    this.wake();
    this.maybeClose();
    fs.rm(this.tempPath, { force: true }, () => undefined);
  }

  /** Streams the body to one client as it arrives; destroys the response if the download fails. */
  async pipeTo(res: http.ServerResponse, onBytes: (n: number) => void): Promise<void> {
    this.readers += 1;
    let offset = 0;
    try {
      for (;;) {
        if (res.destroyed) return;
        // While the download runs, wait for a useful amount: 20 readers each reading every small network chunk
        // would cost more system calls than the download itself.
        const ready = this.written - offset >= MIN_READ || (this.state !== 'streaming' && offset < this.written);
        if (ready) {
          const n = Math.min(this.written - offset, READ_CHUNK);
          const buf = Buffer.allocUnsafe(n);
          const { bytesRead } = await this.fh.read(buf, 0, n, offset);
          if (bytesRead === 0) throw new Error('the temp file is shorter than written');
          offset += bytesRead;
          onBytes(bytesRead);
          if (!res.write(buf.subarray(0, bytesRead))) await drained(res);
        } else if (this.state === 'done') {
          res.end();
          return;
        } else if (this.state === 'failed') {
          res.destroy(this.failure ?? undefined);
          return;
        } else {
          await this.tick.promise;
        }
      }
    } catch (err) {
      res.destroy(err instanceof Error ? err : undefined);
    } finally {
      this.readers -= 1;
      this.maybeClose();
    }
  }

  private wake(): void {
    const t = this.tick;
    this.tick = deferred();
    t.resolve();
  }

  private maybeClose(): void {
    if (this.state === 'streaming' || this.readers > 0 || this.fhClosed) return;
    this.fhClosed = true;
    void this.fh.close().catch(() => undefined);
  }
}

async function writeAll(fh: fs.promises.FileHandle, chunk: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}

function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
