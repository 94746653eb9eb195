/**
 * NAT bindings on conntrack entries and the header rewrites they cause (net/netfilter/nf_nat_core.c,
 * nf_nat_proto.c). A binding is made once per entry and direction of manipulation — by a DNAT, SNAT or
 * MASQUERADE rule, or a null binding when the nat chain had none — by changing the entry's REPLY tuple
 * (nf_nat_setup_info). Every packet of the entry is then rewritten to the inverse of the other
 * direction's tuple (nf_nat_packet), which both applies the binding and undoes it on replies.
 */
import type { Rng } from '../sim/index.js';
import {
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type Ip4,
  type Ipv4Packet,
  icmpChecksum,
  updateChecksum16,
  updateChecksum32,
  withAddresses,
  withEndpoints,
  withIcmpEchoId,
} from '../wire/index.js';
import { type Conn, type CtTuple, IPS, IPS_NAT_MASK } from './conntrack.js';
import { icmpInvertType } from './conntrack-proto.js';
import { NAT_MAX_ATTEMPTS } from './defaults.js';
import type { Conntrack } from './tracker.js';
import { CtInfo } from './types.js';

/** enum nf_nat_manip_type. */
export const MANIP_SRC = 0;
export const MANIP_DST = 1;

/** A NAT range of one address (what podwire's targets express), with an optional single port. */
export interface NatRange {
  readonly addr: Ip4;
  /** The port (TCP/UDP) or ICMP id to map to; undefined keeps it unless it clashes. */
  readonly port: number | undefined;
  /** NF_NAT_RANGE_PROTO_RANDOM_FULLY: always a random port. */
  readonly randomFully: boolean;
}

/** A tuple being worked on (nf_conntrack_tuple without the protocol). */
interface Tup {
  src: Ip4;
  dst: Ip4;
  sport: number;
  dport: number;
}

/** Whether the entry already has its binding for this manipulation (nf_nat_initialized). */
export function natInitialized(conn: Conn, manip: number): boolean {
  return (conn.status & (manip === MANIP_SRC ? IPS.SRC_NAT_DONE : IPS.DST_NAT_DONE)) !== 0;
}

/** nf_ct_invert_tuple. */
function invert(proto: number, t: Tup, out: Tup): Tup {
  const s = t.src;
  out.src = t.dst;
  out.dst = s;
  if (proto === IPPROTO_ICMP) {
    out.sport = t.sport;
    out.dport = (icmpInvertType(t.dport >>> 8) << 8) | (t.dport & 0xff);
  } else {
    const p = t.sport;
    out.sport = t.dport;
    out.dport = p;
  }
  return out;
}

/** The part of the tuple this manipulation changes ("key": the port or ICMP id). */
function keyOf(proto: number, t: Tup, manip: number): number {
  return proto === IPPROTO_ICMP || manip === MANIP_SRC ? t.sport : t.dport;
}

function setKey(proto: number, t: Tup, manip: number, v: number): void {
  if (proto === IPPROTO_ICMP || manip === MANIP_SRC) t.sport = v;
  else t.dport = v;
}

/**
 * nf_nat_setup_info: binds `conn` for `manip` to `range` (undefined: the null binding of
 * nf_nat_alloc_null_binding, which keeps the address but may still move a clashing source port).
 */
export function natSetup(
  ct: Conntrack,
  conn: Conn,
  manip: number,
  range: NatRange | undefined,
  rng: Rng,
  now: number,
): void {
  const proto = conn.proto;
  const curr = invert(proto, conn.reply, { src: 0, dst: 0, sport: 0, dport: 0 });
  const r: NatRange = range ?? {
    addr: manip === MANIP_SRC ? conn.reply.dst : conn.reply.src,
    port: undefined,
    randomFully: false,
  };
  const next = uniqueTuple(ct, conn, curr, r, manip, rng, now);
  if (
    next.src !== curr.src ||
    next.dst !== curr.dst ||
    next.sport !== curr.sport ||
    next.dport !== curr.dport
  ) {
    const reply = invert(proto, next, { src: 0, dst: 0, sport: 0, dport: 0 });
    alterReply(conn, reply);
    conn.status |= manip === MANIP_SRC ? IPS.SRC_NAT : IPS.DST_NAT;
  }
  conn.status |= manip === MANIP_SRC ? IPS.SRC_NAT_DONE : IPS.DST_NAT_DONE;
}

/** nf_conntrack_alter_reply: the entry's REPLY tuple becomes `t` (only before it is confirmed). */
export function alterReply(conn: Conn, t: Tup): void {
  const r = conn.reply;
  r.src = t.src;
  r.dst = t.dst;
  r.sport = t.sport;
  r.dport = t.dport;
}

/** nf_nat_used_tuple: a live entry other than `conn` already answers to this tuple. */
function used(ct: Conntrack, conn: Conn, t: Tup, now: number): boolean {
  const r = invert(conn.proto, t, SCRATCH);
  return ct.table.taken(conn.proto, r.src, r.dst, r.sport, r.dport, conn, now);
}

const SCRATCH: Tup = { src: 0, dst: 0, sport: 0, dport: 0 };

/** get_unique_tuple for a one-address range. */
function uniqueTuple(
  ct: Conntrack,
  conn: Conn,
  orig: Tup,
  range: NatRange,
  manip: number,
  rng: Rng,
  now: number,
): Tup {
  const proto = conn.proto;
  // 1) A source mapping: keep the tuple if it is already in range and free, or reuse the mapping an
  //    earlier connection from the same address and port got (find_appropriate_src).
  if (manip === MANIP_SRC && !range.randomFully) {
    if (orig.src === range.addr && (range.port === undefined || orig.sport === range.port)) {
      if (!used(ct, conn, orig, now)) return orig;
    } else {
      const prev = ct.table.sourceMapping(proto, orig.src, orig.sport, range.addr, now);
      if (prev !== undefined) {
        const t = {
          src: prev.dst,
          dst: orig.dst,
          sport: proto === IPPROTO_ICMP ? prev.sport : prev.dport,
          dport: orig.dport,
        };
        if ((range.port === undefined || t.sport === range.port) && !used(ct, conn, t, now)) return t;
      }
    }
  }
  // 2) The address (find_best_ips_proto: the range has one).
  const t = { ...orig };
  if (manip === MANIP_SRC) t.src = range.addr;
  else t.dst = range.addr;
  // 3) Keep the port when it is in range and free.
  if (!range.randomFully) {
    if (range.port !== undefined) {
      if (keyOf(proto, t, manip) === range.port) return t;
    } else if (!used(ct, conn, t, now)) {
      return t;
    }
  }
  l4UniqueTuple(ct, conn, t, range, manip, rng, now);
  return t;
}

/**
 * nf_nat_l4proto_unique_tuple: a port (ICMP id) that makes the tuple unique, from a random offset into
 * the range (for source NAT) or from its start (destination NAT with a port), up to 128 tries, then
 * rounds of half as many from new random offsets while at least 16; the last one tried if none is free.
 */
function l4UniqueTuple(
  ct: Conntrack,
  conn: Conn,
  t: Tup,
  range: NatRange,
  manip: number,
  rng: Rng,
  now: number,
): void {
  const proto = conn.proto;
  let min: number;
  let size: number;
  if (proto === IPPROTO_ICMP) {
    min = range.port ?? 0;
    size = range.port === undefined ? 65536 : 1;
  } else if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) {
    if (range.port !== undefined) {
      min = range.port;
      size = 1;
    } else {
      // Without a range a destination port never changes.
      if (manip === MANIP_DST) return;
      const key = keyOf(proto, t, manip);
      if (key < 1024) {
        // Loose convention: ports below 512 stay below 512 (credential passing), 512–1023 go to 600–1023.
        min = key < 512 ? 1 : 600;
        size = key < 512 ? 511 : 424;
      } else {
        min = 1024;
        size = 65535 - 1024 + 1;
      }
    }
  } else {
    return;
  }
  let off = range.randomFully || manip !== MANIP_DST ? rng.u32() & 0xffff : 0;
  let attempts = Math.min(size, NAT_MAX_ATTEMPTS);
  for (;;) {
    for (let i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
      setKey(proto, t, manip, min + (off % size));
      if (!used(ct, conn, t, now)) return;
    }
    attempts >>= 1;
    if (attempts < 16) return;
    off = rng.u32() & 0xffff;
  }
}

/** nf_nat_packet: rewrites `pkt` of `conn` (direction from `ctinfo`) for `manip` if the entry says so. */
export function natPacket(pkt: Ipv4Packet, conn: Conn, ctinfo: number, manip: number): Ipv4Packet {
  const dir = ctinfo >= CtInfo.IS_REPLY ? 1 : 0;
  let bit = manip === MANIP_SRC ? IPS.SRC_NAT : IPS.DST_NAT;
  if (dir === 1) bit ^= IPS_NAT_MASK;
  if ((conn.status & bit) === 0) return pkt;
  return manipPacket(pkt, conn.tuple(1 - dir), manip);
}

/** nf_nat_ipv4_manip_pkt with target = invert(`other`): the source or destination side of `pkt` changes. */
function manipPacket(pkt: Ipv4Packet, other: CtTuple, manip: number): Ipv4Packet {
  const l4 = pkt.payload;
  if (l4.kind === 'tcp' || l4.kind === 'udp') {
    if (manip === MANIP_SRC) {
      if (pkt.src === other.dst && l4.srcPort === other.dport) return pkt;
      return withEndpoints(pkt, other.dst, pkt.dst, other.dport, l4.dstPort);
    }
    if (pkt.dst === other.src && l4.dstPort === other.sport) return pkt;
    return withEndpoints(pkt, pkt.src, other.src, l4.srcPort, other.sport);
  }
  const moved =
    manip === MANIP_SRC ? withAddresses(pkt, other.dst, pkt.dst) : withAddresses(pkt, pkt.src, other.src);
  // icmp_manip_pkt: query messages carry the id as their "port"; errors are left alone here.
  if (l4.kind === 'icmp' && isQuery(l4.type)) return withIcmpEchoId(moved, other.sport);
  return moved;
}

function isQuery(type: number): boolean {
  return type === 0 || type === 8;
}

/**
 * nf_nat_icmp_reply_translation: an ICMP error RELATED to a NATed entry gets the datagram it quotes
 * rewritten back (manipulation `!manip` towards the other direction's tuple) and its own header moved as
 * a reply to that datagram would be; the ICMP checksum is computed again over the message.
 */
export function natIcmpError(pkt: Ipv4Packet, conn: Conn, ctinfo: number, manip: number): Ipv4Packet {
  const m = pkt.payload;
  if (m.kind !== 'icmp') return pkt;
  const dir = ctinfo === CtInfo.RELATED_REPLY ? 1 : 0;
  let bit = manip === MANIP_SRC ? IPS.SRC_NAT : IPS.DST_NAT;
  if (dir === 1) bit ^= IPS_NAT_MASK;
  if ((conn.status & bit) === 0) return pkt;
  const other = conn.tuple(1 - dir);
  const data = rewriteQuote(m.data, conn.proto, other, manip === MANIP_SRC ? MANIP_DST : MANIP_SRC);
  const body = { type: m.type, code: m.code, rest: m.rest, data };
  const inner: Ipv4Packet = { ...pkt, payload: { kind: 'icmp', ...body, checksum: icmpChecksum(body) } };
  return manip === MANIP_SRC
    ? withAddresses(inner, other.dst, pkt.dst)
    : withAddresses(inner, pkt.src, other.src);
}

/**
 * The quoted datagram with its `manip` side set to `target` (not inverted): address, port or ICMP id,
 * with the quoted IP header checksum and — when the quote holds them — the transport checksum patched.
 */
function rewriteQuote(quote: Uint8Array, proto: number, target: CtTuple, manip: number): Uint8Array {
  const q = quote.slice();
  const hl = ((q[0] ?? 0) & 0x0f) * 4;
  const addrOff = manip === MANIP_SRC ? 12 : 16;
  const oldAddr = get32(q, addrOff);
  const newAddr = manip === MANIP_SRC ? target.src : target.dst;
  put16(q, 10, updateChecksum32(get16(q, 10), oldAddr, newAddr));
  put32(q, addrOff, newAddr);
  if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) {
    const portOff = hl + (manip === MANIP_SRC ? 0 : 2);
    const oldPort = get16(q, portOff);
    const newPort = manip === MANIP_SRC ? target.sport : target.dport;
    put16(q, portOff, newPort);
    // The transport checksum is only patched when the quote holds it (a UDP one of 0 means none).
    const csumOff = proto === IPPROTO_TCP ? hl + 16 : hl + 6;
    if (q.length >= csumOff + 2 && (proto === IPPROTO_TCP ? q.length >= hl + 20 : get16(q, csumOff) !== 0)) {
      let c = updateChecksum32(get16(q, csumOff), oldAddr, newAddr);
      c = updateChecksum16(c, oldPort, newPort);
      if (proto === IPPROTO_UDP && c === 0) c = 0xffff;
      put16(q, csumOff, c);
    }
  } else if (proto === IPPROTO_ICMP && isQuery(q[hl] ?? 0xff) && q.length >= hl + 8) {
    const oldId = get16(q, hl + 4);
    put16(q, hl + 2, updateChecksum16(get16(q, hl + 2), oldId, target.sport));
    put16(q, hl + 4, target.sport);
  }
  return q;
}

function get16(b: Uint8Array, off: number): number {
  return ((b[off] ?? 0) << 8) | (b[off + 1] ?? 0);
}

function get32(b: Uint8Array, off: number): number {
  return (
    (((b[off] ?? 0) << 24) | ((b[off + 1] ?? 0) << 16) | ((b[off + 2] ?? 0) << 8) | (b[off + 3] ?? 0)) >>> 0
  );
}

function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}
