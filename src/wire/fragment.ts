/**
 * IPv4 fragmentation as Linux's ip_do_fragment does it, and reassembly as ip_frag_reasm does it.
 * Fragments carry raw bytes of the emitted transport payload; reassembly parses them back into a record.
 */
import { finishChecksum, type PseudoAddrs } from './checksum.js';
import { emitL4, ipv4Len, parseL4 } from './frame.js';
import { IPV4_HLEN, ipv4FieldSumOf } from './ipv4.js';
import { fail, type ParseOptions } from './result.js';
import { IP_FLAG_DF, IP_FLAG_MF, type Ipv4Packet, type ParseResult } from './types.js';

const IPOPT_END = 0;
const IPOPT_NOOP = 1;
const IPOPT_COPY = 0x80;

/**
 * The options of the second and later fragments (ip_options_fragment): options without the "copied"
 * bit become NOPs, so the header length stays the same.
 */
export function fragmentOptions(options: Uint8Array): Uint8Array {
  const out = options.slice();
  let i = 0;
  while (i < out.length) {
    const kind = out[i] ?? IPOPT_END;
    if (kind === IPOPT_END) break;
    if (kind === IPOPT_NOOP) {
      i += 1;
      continue;
    }
    const len = out[i + 1] ?? 0;
    if (len < 2 || i + len > out.length) break;
    if ((kind & IPOPT_COPY) === 0) out.fill(IPOPT_NOOP, i, i + len);
    i += len;
  }
  return out;
}

function makeFragment(
  p: Ipv4Packet,
  flags: number,
  fragOffset: number,
  options: Uint8Array,
  bytes: Uint8Array,
): Ipv4Packet {
  const totalLength = IPV4_HLEN + options.length + bytes.length;
  const sum = ipv4FieldSumOf(
    p.tos,
    totalLength,
    p.id,
    flags,
    fragOffset,
    p.ttl,
    p.protocol,
    p.src,
    p.dst,
    options,
  );
  return {
    kind: 'ipv4',
    tos: p.tos,
    totalLength,
    id: p.id,
    flags,
    fragOffset,
    ttl: p.ttl,
    protocol: p.protocol,
    checksum: finishChecksum(sum),
    src: p.src,
    dst: p.dst,
    options,
    payload: { kind: 'raw', bytes },
  };
}

/**
 * Splits `p` into fragments of at most `mtu` bytes (ip_do_fragment, slow path): every fragment but the
 * last carries a multiple of 8 bytes and MF; DF and the reserved bit are cleared; a fragment of a
 * fragment keeps its offset base and MF. A packet that fits is returned as it is. The caller decides
 * beforehand whether DF forbids fragmenting (ICMP frag-needed). Throws RangeError if no data fits.
 */
export function fragment(p: Ipv4Packet, mtu: number): Ipv4Packet[] {
  const total = ipv4Len(p);
  if (total <= mtu) return [p];
  const hlen = IPV4_HLEN + p.options.length;
  const room = mtu - hlen;
  if (room < 8) throw new RangeError(`fragment(): MTU ${mtu} leaves no room for 8 data bytes after ${hlen}`);
  const data = p.payload.kind === 'raw' ? p.payload.bytes : emitL4(p.payload);
  const notLast = (p.flags & IP_FLAG_MF) !== 0;
  const base = p.fragOffset * 8;
  const later = base === 0 ? fragmentOptions(p.options) : p.options;
  const out: Ipv4Packet[] = [];
  let ptr = 0;
  let left = data.length;
  while (left > 0) {
    let len = Math.min(left, room);
    if (len < left) len &= ~7;
    left -= len;
    const flags = left > 0 || notLast ? IP_FLAG_MF : 0;
    const options = ptr === 0 ? p.options : later;
    out.push(makeFragment(p, flags, (base + ptr) >>> 3, options, data.slice(ptr, ptr + len)));
    ptr += len;
  }
  return out;
}

/**
 * Joins the fragments of one datagram (any order) and parses the transport payload back into its
 * record (ip_frag_reasm): the header is the first fragment's, DF is set only if the largest fragment
 * had it. Fails with a WireError (offsets relative to the datagram's data) for gaps, overlaps, a missing
 * last fragment or mixed datagrams.
 */
export function reassemble(
  fragments: readonly Ipv4Packet[],
  opts: ParseOptions = {},
): ParseResult<Ipv4Packet> {
  const sorted = [...fragments].sort((a, b) => a.fragOffset - b.fragOffset);
  const first = sorted[0];
  if (first === undefined) return fail('ipv4', 'fragments', 0, 'at least one fragment');
  let expect = 0;
  let maxSize = 0;
  let maxDfSize = 0;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const f = sorted[i];
    if (f === undefined) break;
    const at = f.fragOffset * 8;
    if (f.id !== first.id || f.src !== first.src || f.dst !== first.dst || f.protocol !== first.protocol) {
      return fail(
        'ipv4',
        'id',
        at,
        `fragments of one datagram (id ${first.id}, same addresses and protocol)`,
      );
    }
    if (f.payload.kind !== 'raw') return fail('ipv4', 'payload', at, 'raw fragment bytes');
    if (at !== expect) return fail('ipv4', 'fragOffset', at, `data at byte ${expect} (no gap or overlap)`);
    const isLast = i === sorted.length - 1;
    if (((f.flags & IP_FLAG_MF) !== 0) === isLast) {
      return fail(
        'ipv4',
        'flags',
        at,
        isLast ? 'MF clear on the last fragment' : 'MF set before the last fragment',
      );
    }
    const size = IPV4_HLEN + f.options.length + f.payload.bytes.length;
    if (size > maxSize) maxSize = size;
    if ((f.flags & IP_FLAG_DF) !== 0 && size > maxDfSize) maxDfSize = size;
    parts.push(f.payload.bytes);
    expect = at + f.payload.bytes.length;
  }
  const totalLength = IPV4_HLEN + first.options.length + expect;
  if (totalLength > 0xffff) return fail('ipv4', 'totalLength', expect, 'a datagram of at most 65535 bytes');
  const data = new Uint8Array(expect);
  let at = 0;
  for (const part of parts) {
    data.set(part, at);
    at += part.length;
  }
  const ip: PseudoAddrs = first;
  const l4 = parseL4(data, 0, first.protocol, ip, opts);
  if (!l4.ok) return l4;
  const flags = maxDfSize === maxSize ? IP_FLAG_DF : 0;
  const sum = ipv4FieldSumOf(
    first.tos,
    totalLength,
    first.id,
    flags,
    0,
    first.ttl,
    first.protocol,
    first.src,
    first.dst,
    first.options,
  );
  return {
    ok: true,
    value: {
      kind: 'ipv4',
      tos: first.tos,
      totalLength,
      id: first.id,
      flags,
      fragOffset: 0,
      ttl: first.ttl,
      protocol: first.protocol,
      checksum: finishChecksum(sum),
      src: first.src,
      dst: first.dst,
      options: first.options,
      payload: l4.value,
    },
  };
}
