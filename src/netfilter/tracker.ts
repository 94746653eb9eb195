/**
 * nf_conntrack_in and nf_conntrack_confirm for one namespace: finds or creates the entry of each packet
 * (ICMP errors find the entry of the datagram they quote and are RELATED to it), runs the protocol
 * tracker, and sets the packet's ctinfo; confirms new entries when their packet survives the last hook.
 * Also the administrative side: sysctls, `conntrack -L`, `-D`, `-F`, `-S`.
 */
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type Ip4 } from '../wire/index.js';
import {
  Conn,
  type ConntrackEntry,
  type ConntrackFilter,
  ConntrackTable,
  type CtTuple,
  IPS,
  type TupleView,
} from './conntrack.js';
import {
  CtTimeouts,
  genericPacket,
  ICMP_REPLY_TYPE,
  icmpInvertType,
  icmpPacket,
  isIcmpErrorType,
  L4_INVALID,
  L4_KILL,
  L4_REOPEN,
  tcpMayCreate,
  tcpPacket,
  udpPacket,
} from './conntrack-proto.js';
import type { HookCtx } from './context.js';
import { CONNTRACK_SYSCTLS } from './defaults.js';
import { CtInfo, type PacketMeta } from './types.js';

/** What nf_conntrack_in did with a packet, for the verdict and the tracer. */
export const CT_NEW = 0;
export const CT_FOUND = 1;
export const CT_RELATED = 2;
export const CT_INVALID = 3;
export const CT_UNTRACKED = 4;
/** The table was full of assured entries: the packet is dropped. */
export const CT_FULL = 5;
/** The packet already carried its entry (br_netfilter, loopback, IPVS): nothing looked up. */
export const CT_KEPT = 6;

/** The connection tracker of one namespace. */
export class Conntrack {
  readonly table = new ConntrackTable();
  readonly timeouts = new CtTimeouts();
  private readonly sysctls = new Map<string, number>(CONNTRACK_SYSCTLS);

  constructor() {
    this.table.max = CONNTRACK_SYSCTLS.get('net.netfilter.nf_conntrack_max') ?? this.table.max;
  }

  /** Sets a `net.netfilter.nf_conntrack_*` sysctl (value in its unit); false for an unknown key. */
  setSysctl(key: string, value: number): boolean {
    if (key === 'net.netfilter.nf_conntrack_max') this.table.max = value;
    else if (!this.timeouts.set(key, value)) return false;
    this.sysctls.set(key, value);
    return true;
  }

  /** The value of a conntrack sysctl, or undefined for an unknown key. */
  sysctl(key: string): number | undefined {
    if (key === 'net.netfilter.nf_conntrack_count') return this.table.size;
    return this.sysctls.get(key);
  }

  /** Live entries in table order (`conntrack -L`); expired ones are removed on the way. */
  list(now: number): readonly ConntrackEntry[] {
    return this.table.live(now);
  }

  /** `conntrack -D` with a filter; returns how many entries went. */
  delete(filter: ConntrackFilter, now: number): number {
    return this.table.delete(filter, now);
  }

  /** `conntrack -F`. */
  flush(now: number): number {
    return this.table.delete({}, now);
  }

  /** nf_conntrack_in: attaches the packet's entry (or none, INVALID) to `c.meta`; returns a CT_* code. */
  in(c: HookCtx, now: number): number {
    const meta = c.meta;
    if (meta.nfct !== undefined) return CT_KEPT;
    if (meta.ctinfo === CtInfo.UNTRACKED) return CT_UNTRACKED;
    // No nf_defrag_ipv4 in the model: fragments stay untracked (ctstate INVALID) and are never NATed.
    if (c.fragment) return this.invalid(meta);
    const pkt = c.pkt;
    const proto = c.proto;
    let sport = 0;
    let dport = 0;
    let rsport = 0;
    let rdport = 0;
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) {
      if (c.sport < 0) return this.invalid(meta);
      sport = c.sport;
      dport = c.dport;
      rsport = dport;
      rdport = sport;
    } else if (proto === IPPROTO_ICMP) {
      if (c.icmpType < 0) return this.invalid(meta);
      if (isIcmpErrorType(c.icmpType)) return this.related(c, now);
      sport = c.icmpId;
      dport = (c.icmpType << 8) | c.icmpCode;
      rsport = sport;
      rdport = (icmpInvertType(c.icmpType) << 8) | c.icmpCode;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const t = this.table.find(proto, pkt.src, pkt.dst, sport, dport, now);
      let conn: Conn;
      let ctinfo: number;
      if (t === undefined) {
        if (!this.table.makeRoom(now)) {
          this.table.stats.drop++;
          return CT_FULL;
        }
        if (proto === IPPROTO_TCP && !tcpMayCreate(c.tcpFlags, this.timeouts)) return this.invalid(meta);
        if (proto === IPPROTO_ICMP && !ICMP_REPLY_TYPE.has(c.icmpType)) return this.invalid(meta);
        conn = new Conn(proto, pkt.src, pkt.dst, sport, dport, rsport, rdport);
        ctinfo = CtInfo.NEW;
      } else {
        conn = t.conn;
        this.table.stats.found++;
        if (t.dir === 1) ctinfo = CtInfo.ESTABLISHED_REPLY;
        else ctinfo = (conn.status & IPS.SEEN_REPLY) !== 0 ? CtInfo.ESTABLISHED : CtInfo.NEW;
      }
      const dir = ctinfo === CtInfo.ESTABLISHED_REPLY ? 1 : 0;
      if (proto === IPPROTO_TCP) {
        const r = tcpPacket(conn, dir, c.tcpFlags, now, this.timeouts);
        if (r === L4_INVALID) return this.invalid(meta);
        if (r === L4_REOPEN) {
          this.table.remove(conn);
          continue;
        }
        if (r === L4_KILL) this.table.remove(conn);
      } else if (proto === IPPROTO_UDP) udpPacket(conn, now, this.timeouts);
      else if (proto === IPPROTO_ICMP) icmpPacket(conn, now, this.timeouts);
      else genericPacket(conn, now, this.timeouts);
      if (dir === 1) conn.status |= IPS.SEEN_REPLY;
      meta.nfct = conn;
      meta.ctinfo = ctinfo;
      return t === undefined ? CT_NEW : CT_FOUND;
    }
    return this.invalid(meta);
  }

  /**
   * __nf_conntrack_confirm at the end of POSTROUTING / INPUT: a new entry joins the table. False when
   * its tuples clash with a live entry: the packet is dropped.
   */
  confirm(meta: PacketMeta, now: number): boolean {
    const conn = meta.nfct;
    if (!(conn instanceof Conn) || (conn.status & (IPS.CONFIRMED | IPS.DYING)) !== 0) return true;
    return this.table.insert(conn, now);
  }

  /**
   * nf_conntrack_alter_reply as ip_vs_update_conntrack uses it: the REPLY tuple of the packet's entry
   * becomes `reply`, so the real server's answers find it. Only before the entry is confirmed.
   */
  alterReply(meta: PacketMeta, reply: TupleView): boolean {
    const conn = this.entryOf(meta);
    if (conn === undefined || (conn.status & IPS.CONFIRMED) !== 0) return false;
    const r = conn.reply;
    r.src = reply.src;
    r.dst = reply.dst;
    r.sport = reply.sport;
    r.dport = reply.dport;
    return true;
  }

  /** The entry a packet carries, if any. */
  entryOf(meta: PacketMeta): Conn | undefined {
    const conn = meta.nfct;
    return conn instanceof Conn ? conn : undefined;
  }

  /**
   * nf_conntrack_inet_error: an ICMP error is RELATED to the entry of the datagram it quotes, in the
   * direction of that entry's tuple whose destination is the error's destination.
   */
  private related(c: HookCtx, now: number): number {
    const meta = c.meta;
    const l4 = c.pkt.payload;
    if (l4.kind !== 'icmp') return this.invalid(meta);
    const q = l4.data;
    if (q.length < 20 || (q[0] ?? 0) >>> 4 !== 4) return this.invalid(meta);
    const hl = ((q[0] ?? 0) & 0x0f) * 4;
    const innerProto = q[9] ?? 0;
    const innerSrc = read32(q, 12);
    const innerDst = read32(q, 16);
    if ((read16(q, 6) & 0x1fff) !== 0 || q.length < hl + 8) return this.invalid(meta);
    // The quoted datagram went the other way: look up its tuple inverted.
    let sport = 0;
    let dport = 0;
    if (innerProto === IPPROTO_TCP || innerProto === IPPROTO_UDP) {
      sport = read16(q, hl + 2);
      dport = read16(q, hl);
    } else if (innerProto === IPPROTO_ICMP) {
      const type = q[hl] ?? 0;
      if (!ICMP_REPLY_TYPE.has(type) && icmpInvertType(type) === type) return this.invalid(meta);
      sport = read16(q, hl + 4);
      dport = (icmpInvertType(type) << 8) | (q[hl + 1] ?? 0);
    }
    const t: CtTuple | undefined = this.table.find(innerProto, innerDst, innerSrc, sport, dport, now);
    if (t === undefined || t.conn.tuple(t.dir).dst !== c.pkt.dst) return this.invalid(meta);
    meta.nfct = t.conn;
    meta.ctinfo = t.dir === 1 ? CtInfo.RELATED_REPLY : CtInfo.RELATED;
    return CT_RELATED;
  }

  private invalid(meta: PacketMeta): number {
    meta.nfct = undefined;
    meta.ctinfo = 0;
    this.table.stats.invalid++;
    return CT_INVALID;
  }
}

function read16(b: Uint8Array, off: number): number {
  return ((b[off] ?? 0) << 8) | (b[off + 1] ?? 0);
}

function read32(b: Uint8Array, off: number): Ip4 {
  return (
    (((b[off] ?? 0) << 24) | ((b[off + 1] ?? 0) << 16) | ((b[off + 2] ?? 0) << 8) | (b[off + 3] ?? 0)) >>> 0
  );
}
