/**
 * pcapng block encoders (draft-ietf-opsawg-pcapng): Section Header, Interface Description and Enhanced
 * Packet blocks, little-endian. Every block is `type | total length | body | total length`, the body
 * padded to 4 bytes, options as `code(2) len(2) value pad-to-4` ended by opt_endofopt.
 */

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_EPB = 0x00000006;
/** Written in host order; a reader seeing 4d 3c 2b 1a knows the section is little-endian. */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OPT_ENDOFOPT = 0;
export const SHB_USERAPPL = 4;
export const IF_NAME = 2;
export const IF_TSRESOL = 9;
export const EPB_FLAGS = 2;

/** LINKTYPE_ETHERNET: Ethernet II without preamble and FCS, as Linux captures it. */
export const LINKTYPE_ETHERNET = 1;
/** LINKTYPE_RAW: a bare IPv4/IPv6 packet, what tcpdump records on a TUN such as flannel0. */
export const LINKTYPE_RAW = 101;
/** tcpdump's and dumpcap's default snapshot length. */
export const DEFAULT_SNAPLEN = 262144;
/** if_tsresol value 9: timestamps count nanoseconds (10^-9 s), matching the simulator clock. */
export const TSRESOL_NS = 9;

/** epb_flags direction bits (low 2 bits): packet received by the interface. */
export const EPB_INBOUND = 1;
/** epb_flags direction bits (low 2 bits): packet sent by the interface. */
export const EPB_OUTBOUND = 2;

/** EPB fixed part before the packet data: type, length, interface id, ts high, ts low, caplen, origlen. */
export const EPB_HEADER_LEN = 28;
/** EPB part after the padded data: epb_flags option (8), opt_endofopt (4), trailing total length (4). */
export const EPB_TRAILER_LEN = 16;

const TWO_32 = 4294967296;
const utf8 = new TextEncoder();

/** Rounds `n` up to a multiple of 4, the alignment of every block body and option value. */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** One option TLV before encoding. */
interface Option {
  readonly code: number;
  readonly value: Uint8Array;
}

/** Encodes a block with the given body fields and options; fills both total-length fields. */
function block(type: number, fixed: Uint8Array, options: readonly Option[]): Uint8Array {
  let optLen = 0;
  for (const o of options) optLen += 4 + pad4(o.value.length);
  if (options.length > 0) optLen += 4; // opt_endofopt
  const total = 8 + fixed.length + optLen + 4;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  out.set(fixed, 8);
  let off = 8 + fixed.length;
  for (const o of options) {
    v.setUint16(off, o.code, true);
    v.setUint16(off + 2, o.value.length, true);
    out.set(o.value, off + 4);
    off += 4 + pad4(o.value.length); // padding bytes are already zero
  }
  if (options.length > 0) off += 4; // opt_endofopt is code 0, length 0: zeros
  v.setUint32(off, total, true);
  return out;
}

/** Options for {@link encodeShb}. */
export interface ShbOptions {
  /** shb_userappl: the application that wrote the section. */
  readonly userAppl?: string;
}

/** Section Header Block: little-endian, version 1.0, section length unknown (-1). */
export function encodeShb(options: ShbOptions = {}): Uint8Array {
  const fixed = new Uint8Array(16);
  const v = new DataView(fixed.buffer);
  v.setUint32(0, BYTE_ORDER_MAGIC, true);
  v.setUint16(4, 1, true);
  v.setUint16(6, 0, true);
  v.setInt32(8, -1, true); // section length -1 as a 64-bit value: all ones
  v.setInt32(12, -1, true);
  const opts: Option[] = [];
  if (options.userAppl !== undefined) opts.push({ code: SHB_USERAPPL, value: utf8.encode(options.userAppl) });
  return block(BLOCK_SHB, fixed, opts);
}

/** Options for {@link encodeIdb}. */
export interface IdbOptions {
  /** if_name, e.g. `node1/eth0`. */
  readonly name: string;
  readonly linktype?: number;
  readonly snaplen?: number;
}

/** Interface Description Block with if_name and if_tsresol = 9 (ns), in dumpcap's option order. */
export function encodeIdb(options: IdbOptions): Uint8Array {
  const fixed = new Uint8Array(8);
  const v = new DataView(fixed.buffer);
  v.setUint16(0, options.linktype ?? LINKTYPE_ETHERNET, true);
  v.setUint16(2, 0, true); // reserved
  v.setUint32(4, options.snaplen ?? DEFAULT_SNAPLEN, true);
  return block(BLOCK_IDB, fixed, [
    { code: IF_NAME, value: utf8.encode(options.name) },
    { code: IF_TSRESOL, value: Uint8Array.of(TSRESOL_NS) },
  ]);
}

/** Total EPB length for `capLen` captured bytes. */
export function epbLength(capLen: number): number {
  return EPB_HEADER_LEN + pad4(capLen) + EPB_TRAILER_LEN;
}

/**
 * Completes an EPB in `out` at `at` whose first `capLen` data bytes are already in place at
 * `at + EPB_HEADER_LEN` (a frame emitted straight into the buffer): writes the header, zeroes the
 * padding (a reused buffer must not leak earlier bytes into the file) and the epb_flags trailer.
 * Allocation-free; `out` must have room for `epbLength(capLen)` bytes. Returns the block length.
 */
export function finishEpb(
  out: Uint8Array,
  view: DataView,
  at: number,
  iface: number,
  timeNs: number,
  capLen: number,
  origLen: number,
  flags: number,
): number {
  const padded = pad4(capLen);
  const total = EPB_HEADER_LEN + padded + EPB_TRAILER_LEN;
  view.setUint32(at, BLOCK_EPB, true);
  view.setUint32(at + 4, total, true);
  view.setUint32(at + 8, iface, true);
  // 64-bit ns count split into two 32-bit words; exact for any integer below 2^53.
  view.setUint32(at + 12, Math.floor(timeNs / TWO_32), true);
  view.setUint32(at + 16, timeNs >>> 0, true);
  view.setUint32(at + 20, capLen, true);
  view.setUint32(at + 24, origLen, true);
  const dataEnd = at + EPB_HEADER_LEN + capLen;
  const optAt = at + EPB_HEADER_LEN + padded;
  for (let i = dataEnd; i < optAt; i++) out[i] = 0;
  view.setUint32(optAt, EPB_FLAGS | (4 << 16), true); // code 2, length 4 (two LE u16s in one word)
  view.setUint32(optAt + 4, flags, true);
  view.setUint32(optAt + 8, OPT_ENDOFOPT, true);
  view.setUint32(optAt + 12, total, true);
  return total;
}

/** Copies `data` (its first `capLen` bytes) into place and completes the EPB; see {@link finishEpb}. */
export function writeEpb(
  out: Uint8Array,
  view: DataView,
  at: number,
  iface: number,
  timeNs: number,
  data: Uint8Array,
  capLen: number,
  flags: number,
): number {
  out.set(capLen === data.length ? data : data.subarray(0, capLen), at + EPB_HEADER_LEN);
  return finishEpb(out, view, at, iface, timeNs, capLen, data.length, flags);
}

/** Enhanced Packet Block as a fresh array (tests and one-off use; writers use {@link writeEpb}). */
export function encodeEpb(
  iface: number,
  timeNs: number,
  data: Uint8Array,
  flags: number,
  snaplen = DEFAULT_SNAPLEN,
): Uint8Array {
  const capLen = Math.min(data.length, snaplen);
  const out = new Uint8Array(epbLength(capLen));
  writeEpb(out, new DataView(out.buffer), 0, iface, timeNs, data, capLen, flags);
  return out;
}
