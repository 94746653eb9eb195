/**
 * A streaming pcapng writer: one section, interfaces added whenever a new capture point shows up, and
 * every packet handed to the sink as one whole block the moment it is written. Nothing is held back,
 * so a run stopped half-way leaves a file that ends on a block boundary.
 */
import {
  DEFAULT_SNAPLEN,
  EPB_HEADER_LEN,
  EPB_TRAILER_LEN,
  encodeIdb,
  encodeShb,
  finishEpb,
  pad4,
  writeEpb,
} from './pcapng.js';
import type { Sink } from './sink.js';

/** Options for {@link PcapngWriter}. */
export interface PcapngWriterOptions {
  /** shb_userappl; defaults to `podwire`. */
  readonly userAppl?: string;
  /** Snapshot length of every interface; longer frames are truncated to it. */
  readonly snaplen?: number;
}

// Scratch size that holds any jumbo-free frame; it grows on demand for longer ones.
const INITIAL_SCRATCH = 16384;

/** Fills `length` frame bytes into `out` from `at`; a plain function plus `arg`, so no closure per packet. */
export type FrameFiller<A> = (out: Uint8Array, at: number, arg: A) => void;

/** Writes a pcapng section to a sink: the SHB at once, IDBs on `addInterface`, EPBs on `writePacket`. */
export class PcapngWriter {
  private readonly snaplen: number;
  private readonly names: string[] = [];
  private scratch = new Uint8Array(INITIAL_SCRATCH);
  private view = new DataView(this.scratch.buffer);
  private closed = false;

  constructor(
    private readonly sink: Sink,
    options: PcapngWriterOptions = {},
  ) {
    this.snaplen = options.snaplen ?? DEFAULT_SNAPLEN;
    sink.write(encodeShb({ userAppl: options.userAppl ?? 'podwire' }));
  }

  /** Number of interfaces described so far; ids are 0 … count-1 in the order they were added. */
  get interfaceCount(): number {
    return this.names.length;
  }

  /** Name of interface `id`, undefined when no such interface was added. */
  interfaceName(id: number): string | undefined {
    return this.names[id];
  }

  /** Writes an IDB for `name` and returns its interface id (pcapng allows IDBs anywhere before use). */
  addInterface(name: string, linktype?: number): number {
    this.assertOpen();
    this.sink.write(
      encodeIdb({ name, snaplen: this.snaplen, ...(linktype !== undefined ? { linktype } : {}) }),
    );
    this.names.push(name);
    return this.names.length - 1;
  }

  /**
   * Writes one EPB: `timeNs` since the epoch (the sim clock), `flags` the epb_flags word (direction in
   * the low 2 bits: EPB_INBOUND or EPB_OUTBOUND). The block is built in a reused scratch buffer.
   */
  writePacket(iface: number, timeNs: number, data: Uint8Array, flags: number): void {
    this.check(iface, timeNs);
    const capLen = Math.min(data.length, this.snaplen);
    this.reserve(capLen);
    const len = writeEpb(this.scratch, this.view, 0, iface, timeNs, data, capLen, flags);
    this.sink.write(this.scratch.subarray(0, len));
  }

  /**
   * Like {@link writePacket}, but the frame is produced straight into the block by `fill` (e.g. wire's
   * `emitEthernet(frame, out, at)`), so capturing a packet record allocates no intermediate bytes.
   */
  writeWith<A>(
    iface: number,
    timeNs: number,
    length: number,
    flags: number,
    fill: FrameFiller<A>,
    arg: A,
  ): void {
    this.check(iface, timeNs);
    this.reserve(length); // the whole frame is emitted, then cut to the snaplen
    fill(this.scratch, EPB_HEADER_LEN, arg);
    const capLen = Math.min(length, this.snaplen);
    const len = finishEpb(this.scratch, this.view, 0, iface, timeNs, capLen, length, flags);
    this.sink.write(this.scratch.subarray(0, len));
  }

  /** Closes the sink; later writes throw. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close();
  }

  private check(iface: number, timeNs: number): void {
    this.assertOpen();
    if (!(iface >= 0 && iface < this.names.length) || iface !== (iface | 0)) {
      throw new RangeError(`PcapngWriter: interface ${iface} was not added (have ${this.names.length})`);
    }
    if (!(timeNs >= 0) || !Number.isSafeInteger(timeNs)) {
      throw new RangeError(`PcapngWriter: time must be a non-negative integer of ns, got ${timeNs}`);
    }
  }

  /** Makes the scratch buffer hold an EPB with `dataLen` bytes of data. */
  private reserve(dataLen: number): void {
    const need = EPB_HEADER_LEN + pad4(dataLen) + EPB_TRAILER_LEN;
    if (need > this.scratch.length) this.growScratch(need);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('PcapngWriter: write after close');
  }

  private growScratch(need: number): void {
    let size = this.scratch.length;
    while (size < need) size *= 2;
    this.scratch = new Uint8Array(size);
    this.view = new DataView(this.scratch.buffer);
  }
}
