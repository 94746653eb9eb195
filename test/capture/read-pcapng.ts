/**
 * A small, strict pcapng reader for tests: little-endian sections only, SHB/IDB/EPB understood, other
 * blocks skipped. It throws on anything a careful reader would reject (bad lengths, a trailing length
 * that differs from the leading one, an EPB naming an interface not yet described, a cut-short block),
 * so a file it accepts is one Wireshark accepts too.
 */

export interface ReadInterface {
  readonly linktype: number;
  readonly snaplen: number;
  readonly name: string | undefined;
  /** Raw if_tsresol byte; 6 (µs) when absent, as the spec says. */
  readonly tsresol: number;
}

export interface ReadPacket {
  readonly iface: number;
  /** Timestamp in if_tsresol units (ns for podwire files). */
  readonly time: number;
  readonly origLen: number;
  readonly data: Uint8Array;
  /** epb_flags, undefined when the option is absent. */
  readonly flags: number | undefined;
}

export interface ReadFile {
  readonly userAppl: string | undefined;
  readonly interfaces: readonly ReadInterface[];
  readonly packets: readonly ReadPacket[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** TLV options from `start` to `end`; stops at opt_endofopt. */
function readOptions(bytes: Uint8Array, v: DataView, start: number, end: number): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let off = start;
  while (off + 4 <= end) {
    const code = v.getUint16(off, true);
    const len = v.getUint16(off + 2, true);
    if (code === 0) break;
    const valueEnd = off + 4 + len;
    if (valueEnd > end) throw new Error(`option ${code} at ${off} runs past its block`);
    out.set(code, bytes.subarray(off + 4, valueEnd));
    off += 4 + ((len + 3) & ~3);
  }
  return out;
}

/** Parses a whole pcapng file; throws with the byte offset on the first problem. */
export function readPcapng(bytes: Uint8Array): ReadFile {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const interfaces: ReadInterface[] = [];
  const packets: ReadPacket[] = [];
  let userAppl: string | undefined;
  let off = 0;
  let sawShb = false;
  while (off < bytes.length) {
    if (off + 12 > bytes.length) throw new Error(`truncated block header at ${off}`);
    const type = v.getUint32(off, true);
    const total = v.getUint32(off + 4, true);
    if (total < 12 || total % 4 !== 0) throw new Error(`bad block length ${total} at ${off}`);
    if (off + total > bytes.length)
      throw new Error(`block at ${off} cut short (${total} > ${bytes.length - off})`);
    if (v.getUint32(off + total - 4, true) !== total) throw new Error(`trailing length mismatch at ${off}`);
    const body = off + 8;
    const end = off + total - 4;
    if (type === 0x0a0d0d0a) {
      if (v.getUint32(body, true) !== 0x1a2b3c4d) throw new Error(`SHB at ${off}: not little-endian`);
      if (v.getUint16(body + 4, true) !== 1) throw new Error(`SHB at ${off}: major version not 1`);
      const opts = readOptions(bytes, v, body + 16, end);
      const ua = opts.get(4);
      userAppl = ua === undefined ? undefined : utf8.decode(ua);
      interfaces.length = 0; // interface ids are per section
      sawShb = true;
    } else if (!sawShb) {
      throw new Error(`block type ${type} at ${off} before any SHB`);
    } else if (type === 1) {
      const opts = readOptions(bytes, v, body + 8, end);
      const name = opts.get(2);
      const tsresol = opts.get(9);
      interfaces.push({
        linktype: v.getUint16(body, true),
        snaplen: v.getUint32(body + 4, true),
        name: name === undefined ? undefined : utf8.decode(name),
        tsresol: tsresol?.[0] ?? 6,
      });
    } else if (type === 6) {
      const iface = v.getUint32(body, true);
      if (iface >= interfaces.length)
        throw new Error(`EPB at ${off} names interface ${iface} before its IDB`);
      const time = v.getUint32(body + 4, true) * 4294967296 + v.getUint32(body + 8, true);
      const capLen = v.getUint32(body + 12, true);
      const origLen = v.getUint32(body + 16, true);
      const dataAt = body + 20;
      const optAt = dataAt + ((capLen + 3) & ~3);
      if (optAt > end) throw new Error(`EPB at ${off}: captured length ${capLen} runs past the block`);
      const flags = readOptions(bytes, v, optAt, end).get(2);
      packets.push({
        iface,
        time,
        origLen,
        data: bytes.slice(dataAt, dataAt + capLen),
        flags:
          flags === undefined
            ? undefined
            : new DataView(flags.buffer, flags.byteOffset, 4).getUint32(0, true),
      });
    }
    off += total;
  }
  if (!sawShb) throw new Error('no section header block');
  return { userAppl, interfaces, packets };
}
