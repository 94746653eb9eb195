/**
 * pcapng writing throughput: EPBs of a realistic mix (a default ping's 98-byte frames and full-size
 * 1514-byte TCP segments, 1:1 by count) through PcapngWriter. The frames are pre-built bytes, so this
 * measures block encoding and the sink, not wire/ emitting.
 */
// Straight from the files rather than capture/index.ts: the writer does not need wire/, and the
// benchmark should not either.
import { EPB_INBOUND, EPB_OUTBOUND } from '../src/capture/pcapng.js';
import { FileSink, type Sink } from '../src/capture/sink.js';
import { PcapngWriter } from '../src/capture/writer.js';

/** What one pcapng run measured. */
export interface PcapngResult {
  readonly sink: string;
  readonly packets: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly mbPerSecond: number;
}

/** Counts bytes and touches every one of them, as a memcpy into a page cache would; keeps nothing. */
class CountingSink implements Sink {
  bytes = 0;
  private readonly ring = new Uint8Array(1 << 20);
  private at = 0;

  write(bytes: Uint8Array): void {
    if (this.at + bytes.length > this.ring.length) this.at = 0;
    this.ring.set(bytes, this.at);
    this.at += bytes.length;
    this.bytes += bytes.length;
  }

  close(): void {}
}

/** A 14 + 20 + L4 frame of `length` bytes; contents do not matter to the writer. */
function frame(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

const CHUNK = 10_000;

/** Writes the mix for `seconds` to `/dev/null` through FileSink (`file`) or to memory (`memory`). */
export function pcapngBench(kind: 'file' | 'memory', seconds = 2): PcapngResult {
  const counting = new CountingSink();
  const sink: Sink = kind === 'file' ? new FileSink('/dev/null') : counting;
  let written = 0;
  const countingFile: Sink = {
    write(b) {
      written += b.length;
      sink.write(b);
    },
    close: () => sink.close(),
  };
  const w = new PcapngWriter(kind === 'file' ? countingFile : sink);
  const a = w.addInterface('node1/eth0');
  const b = w.addInterface('node1/pa/eth0');
  const small = frame(98, 0x11);
  const large = frame(1514, 0x22);
  let t = 0;
  const run = (until: number): { packets: number; elapsed: number } => {
    const start = performance.now();
    let packets = 0;
    let now = start;
    while (now < until) {
      for (let i = 0; i < CHUNK; i++) {
        w.writePacket(a, t, small, EPB_OUTBOUND);
        w.writePacket(b, t + 500, large, EPB_INBOUND);
        t += 1000;
      }
      packets += 2 * CHUNK;
      now = performance.now();
    }
    return { packets, elapsed: (now - start) / 1000 };
  };
  run(performance.now() + 300); // warm-up
  // The best of four windows: one write per packet makes this sensitive to whatever else the machine does.
  let packets = 0;
  let elapsed = 1;
  let bytes = 0;
  for (let window = 0; window < 4; window++) {
    const before = kind === 'file' ? written : counting.bytes;
    const r = run(performance.now() + (seconds * 1000) / 4);
    const got = (kind === 'file' ? written : counting.bytes) - before;
    if (got / r.elapsed > bytes / elapsed) {
      packets = r.packets;
      elapsed = r.elapsed;
      bytes = got;
    }
  }
  w.close();
  return {
    sink: kind === 'file' ? 'FileSink(/dev/null)' : 'memory (1 MiB ring)',
    packets,
    bytes,
    seconds: elapsed,
    mbPerSecond: bytes / elapsed / 1e6,
  };
}
