/**
 * The numbers Linux writes into TCP headers it builds: sequence arithmetic, the advertised MSS and
 * windows, and the reset tcp_v4_send_reset answers a stray segment with. Pure functions of their inputs.
 */
import { type Ipv4Packet, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpSegment, tcp } from '../wire/index.js';
import { TCP } from './tcp-defaults.js';

/** `a` comes before `b` in sequence space (RFC 9293 §3.4, the kernel's before()). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** `a` is `b` or before it. */
export function seqLeq(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** `a + n` in 32-bit sequence space. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** Bytes from `a` forward to `b` in sequence space (`b − a`, for b not before a). */
export function seqDiff(b: number, a: number): number {
  return (b - a) >>> 0;
}

/** The MSS a SYN or SYN-ACK advertises for a route with this MTU (ipv4_default_advmss: MTU − 40, ≤ 65495). */
export function advertisedMss(mtu: number): number {
  return Math.max(88, Math.min(mtu - 40, TCP.mssMax));
}

/**
 * The initial receive window (tcp_select_initial_window): the receive space rounded down to a multiple
 * of `mss`, at most 65535 because a SYN's window is not scaled. A SYN uses the advertised MSS (64240 for
 * 1460); a SYN-ACK the MSS less the timestamp option when timestamps are on (65160 for 1448) — LAB.
 */
export function initialRcvWnd(mss: number): number {
  const space = TCP.rcvSpace;
  const rounded = space > mss ? Math.floor(space / mss) * mss : space;
  return Math.min(rounded, 0xffff);
}

/**
 * The window field of a segment after the SYN (tcp_select_window): with window scaling the free space is
 * rounded up to a whole scale unit so it is not scaled away (64240 → 63 × 1024, LAB); without, the
 * space capped at 65535.
 */
export function windowField(rcvWnd: number, rcvWscale: number | undefined): number {
  if (rcvWscale === undefined) return Math.min(rcvWnd, 0xffff);
  const unit = 2 ** rcvWscale;
  return Math.min(Math.ceil(rcvWnd / unit), 0xffff);
}

/** Sequence space a segment occupies: its data plus one for SYN and one for FIN. */
export function segmentLength(seg: TcpSegment): number {
  return seg.payload.length + ((seg.flags & TCP_SYN) !== 0 ? 1 : 0) + ((seg.flags & TCP_FIN) !== 0 ? 1 : 0);
}

/**
 * tcp_v4_send_reset: the reset that answers `seg` (which arrived in `pkt`) when no socket wants it, or
 * undefined for a reset (never answered). A segment with ACK gets `seq = its ack`, flags RST; one without
 * gets seq 0, `ack = seq + its length`, flags RST|ACK. Window 0, no options.
 */
export function resetFor(pkt: Ipv4Packet, seg: TcpSegment): TcpSegment | undefined {
  if ((seg.flags & TCP_RST) !== 0) return undefined;
  const ends = { src: pkt.dst, dst: pkt.src, srcPort: seg.dstPort, dstPort: seg.srcPort, window: 0 };
  if ((seg.flags & TCP_ACK) !== 0) return tcp({ ...ends, seq: seg.ack, ack: 0, flags: TCP_RST });
  return tcp({ ...ends, seq: 0, ack: seqAdd(seg.seq, segmentLength(seg)), flags: TCP_RST | TCP_ACK });
}

/** The timestamp option of a segment, if it has one. */
export function tsOption(seg: TcpSegment): { readonly tsval: number; readonly tsecr: number } | undefined {
  for (const o of seg.options) if (o.kind === 'timestamps') return o;
  return undefined;
}

/** What a SYN or SYN-ACK offers: MSS, window scale, SACK, timestamps (tcp_parse_options). */
export interface SynOffer {
  readonly mss: number | undefined;
  readonly wscale: number | undefined;
  readonly sackPermitted: boolean;
  readonly tsval: number | undefined;
}

/** Reads the options of a SYN or SYN-ACK; a window scale above 14 counts as 14 (RFC 7323 §2.3). */
export function synOffer(seg: TcpSegment): SynOffer {
  let mss: number | undefined;
  let wscale: number | undefined;
  let sackPermitted = false;
  let tsval: number | undefined;
  for (const o of seg.options) {
    if (o.kind === 'mss') mss = o.mss;
    else if (o.kind === 'wscale') wscale = Math.min(o.shift, 14);
    else if (o.kind === 'sackPermitted') sackPermitted = true;
    else if (o.kind === 'timestamps') tsval = o.tsval;
  }
  return { mss, wscale, sackPermitted, tsval };
}

/**
 * tcp_model_timeout: how long `boundary` retransmissions take when the RTO starts at `rtoBaseNs` and
 * doubles up to TCP_RTO_MAX. retransmits_timed_out gives up once this much time passed since the first
 * transmission: 127 s for 6 SYN retries, ≈ 924.6 s for tcp_retries2 = 15 from a 200 ms RTO.
 */
export function modelTimeoutNs(boundary: number, rtoBaseNs: number): number {
  const thresh = Math.floor(Math.log2(TCP.rtoMaxNs / rtoBaseNs));
  if (boundary <= thresh) return (2 ** (boundary + 1) - 1) * rtoBaseNs;
  return (2 ** (thresh + 1) - 1) * rtoBaseNs + (boundary - thresh) * TCP.rtoMaxNs;
}
