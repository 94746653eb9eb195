/**
 * Where pcapng bytes go. A sink must consume `bytes` before `write` returns: writers hand it a view of
 * a scratch buffer they reuse for the next packet.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Destination of a pcapng byte stream. */
export interface Sink {
  /** Consumes `bytes` now; the caller may overwrite them as soon as this returns. */
  write(bytes: Uint8Array): void;
  close(): void;
}

/**
 * A file written with synchronous writes and no buffering of its own, so whatever was written is in the
 * kernel when a run is interrupted (Ctrl-C) and the file ends on a block boundary Wireshark can read.
 */
export class FileSink implements Sink {
  private fd: number;

  /** Creates (or truncates) the file at `path`. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(bytes: Uint8Array): void {
    if (this.fd < 0) throw new Error(`FileSink ${this.path}: write after close`);
    let done = 0;
    // writeSync may write less than asked (a full pipe, a signal); loop until everything is out.
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** Keeps everything written in memory (tests, benchmarks); `bytes()` joins it. */
export class MemorySink implements Sink {
  private chunks: Uint8Array[] = [];
  private length = 0;
  /** True once `close()` was called. */
  closed = false;

  write(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice()); // copy: the writer reuses its buffer
    this.length += bytes.length;
  }

  close(): void {
    this.closed = true;
  }

  /** Everything written so far, as one array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    this.chunks = [out];
    return out;
  }
}
