/**
 * The connection tracking table of one namespace (net/netfilter/nf_conntrack_core.c): entries with an
 * ORIGINAL and a REPLY tuple, hashed by both, found by the tuple of a packet in either direction. Entries
 * expire lazily by simulated time — an expired entry is removed when a lookup or a listing meets it — so
 * no timer event is ever scheduled for conntrack. The table holds confirmed entries only; a new entry
 * lives on the packet until the packet survives POSTROUTING or INPUT (`confirm`).
 */
import type { Ip4 } from '../wire/index.js';

/** ct->status bits (enum ip_conntrack_status). */
export const IPS = {
  EXPECTED: 1 << 0,
  SEEN_REPLY: 1 << 1,
  ASSURED: 1 << 2,
  CONFIRMED: 1 << 3,
  SRC_NAT: 1 << 4,
  DST_NAT: 1 << 5,
  SRC_NAT_DONE: 1 << 7,
  DST_NAT_DONE: 1 << 8,
  DYING: 1 << 9,
} as const;

/** IPS_NAT_MASK: swapping SRC_NAT and DST_NAT is `^ NAT_MASK` (nf_nat_packet). */
export const IPS_NAT_MASK = IPS.SRC_NAT | IPS.DST_NAT;

/** One direction of a connection: the packet header fields that identify it. */
export interface TupleView {
  readonly src: Ip4;
  readonly dst: Ip4;
  /** TCP/UDP source port; ICMP echo identifier. */
  readonly sport: number;
  /** TCP/UDP destination port; ICMP `type << 8 | code`. */
  readonly dport: number;
}

/** A connection as `conntrack -L` and the tracer see it. */
export interface ConntrackEntry {
  readonly proto: number;
  readonly orig: TupleView;
  readonly reply: TupleView;
  /** IPS_* bits. */
  readonly status: number;
  /** TCP: the tcp_conntrack state number (see TCP_STATE_NAMES); 0 for other protocols. */
  readonly tcpState: number;
  /** When it expires, ns of simulated time. */
  readonly expires: number;
  readonly mark: number;
}

/** A tuple of one entry, also the node of its hash chain (struct nf_conntrack_tuple_hash). */
export class CtTuple implements TupleView {
  /** Next tuple in the same hash bucket. */
  next: CtTuple | undefined = undefined;
  hash = 0;

  constructor(
    readonly conn: Conn,
    /** 0 ORIGINAL, 1 REPLY. */
    readonly dir: 0 | 1,
    public src: Ip4,
    public dst: Ip4,
    public sport: number,
    public dport: number,
  ) {}
}

/** One tracked connection (struct nf_conn). */
export class Conn implements ConntrackEntry {
  readonly orig: CtTuple;
  readonly reply: CtTuple;
  status = 0;
  tcpState = 0;
  /** TCP: direction and flag class of the last packet (tcp.last_dir, tcp.last_index). */
  tcpLastDir = 0;
  tcpLastIndex = 0;
  /** TCP: a FIN or RST was seen from either side (IP_CT_TCP_FLAG_CLOSE_INIT of seen[0] | seen[1]). */
  tcpCloseInit = false;
  /** UDP: the time after which a packet makes the flow a stream (proto.udp.stream_ts). */
  udpStreamTs = 0;
  expires = 0;
  mark = 0;

  constructor(
    readonly proto: number,
    src: Ip4,
    dst: Ip4,
    sport: number,
    dport: number,
    rsport: number,
    rdport: number,
  ) {
    this.orig = new CtTuple(this, 0, src, dst, sport, dport);
    this.reply = new CtTuple(this, 1, dst, src, rsport, rdport);
  }

  /** The tuple of direction `dir`. */
  tuple(dir: number): CtTuple {
    return dir === 0 ? this.orig : this.reply;
  }
}

/** `conntrack -D` / `-L` filters; every given field must match (kube-proxy's ClearEntriesFor…). */
export interface ConntrackFilter {
  readonly proto?: number;
  readonly origSrc?: Ip4;
  readonly origDst?: Ip4;
  readonly origSport?: number;
  readonly origDport?: number;
  readonly replySrc?: Ip4;
  readonly replyDst?: Ip4;
  /** `--dst-nat IP`: DNATed to `IP` (the reply's source). */
  readonly dstNat?: Ip4;
  /** `--src-nat IP`: SNATed to `IP` (the reply's destination). */
  readonly srcNat?: Ip4;
}

/** `conntrack -S` counters that the model keeps. */
export interface ConntrackStats {
  found: number;
  invalid: number;
  insert: number;
  insertFailed: number;
  drop: number;
  earlyDrop: number;
}

function tupleHash(proto: number, src: Ip4, dst: Ip4, sport: number, dport: number): number {
  let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ dst, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ ((sport << 16) | dport), 0x27d4eb2f);
  return h ^ (h >>> 16) ^ proto;
}

/** The hash of confirmed entries, with lazy expiry, the size limit and listing. */
export class ConntrackTable {
  private readonly buckets = new Map<number, CtTuple>();
  /** Confirmed entries in the order they were confirmed. */
  private readonly entries = new Set<Conn>();
  /** Source-NATed entries by original (proto, source, port), newest first (nf_nat_bysource). */
  private readonly bySource = new Map<number, Conn[]>();
  readonly stats: ConntrackStats = {
    found: 0,
    invalid: 0,
    insert: 0,
    insertFailed: 0,
    drop: 0,
    earlyDrop: 0,
  };
  /** nf_conntrack_max. */
  max = 262144;

  /** Confirmed entries, expired ones included until something meets them. */
  get size(): number {
    return this.entries.size;
  }

  /** The live tuple equal to the given one (either direction), or undefined; an expired one is removed. */
  find(proto: number, src: Ip4, dst: Ip4, sport: number, dport: number, now: number): CtTuple | undefined {
    let t = this.buckets.get(tupleHash(proto, src, dst, sport, dport));
    while (t !== undefined) {
      if (
        t.src === src &&
        t.dst === dst &&
        t.sport === sport &&
        t.dport === dport &&
        t.conn.proto === proto
      ) {
        if (t.conn.expires > now) return t;
        this.remove(t.conn);
        return undefined;
      }
      t = t.next;
    }
    return undefined;
  }

  /** nf_conntrack_tuple_taken: a live entry other than `ignore` already uses this tuple. */
  taken(proto: number, src: Ip4, dst: Ip4, sport: number, dport: number, ignore: Conn, now: number): boolean {
    const t = this.find(proto, src, dst, sport, dport, now);
    return t !== undefined && t.conn !== ignore;
  }

  /**
   * __nf_conntrack_confirm: puts `conn` in the table under both tuples; false (and nothing inserted) when
   * a live entry already holds either tuple (the "insert_failed" clash).
   */
  insert(conn: Conn, now: number): boolean {
    const o = conn.orig;
    const r = conn.reply;
    if (
      this.find(conn.proto, o.src, o.dst, o.sport, o.dport, now) !== undefined ||
      this.find(conn.proto, r.src, r.dst, r.sport, r.dport, now) !== undefined
    ) {
      this.stats.insertFailed++;
      return false;
    }
    this.link(o);
    this.link(r);
    conn.status |= IPS.CONFIRMED;
    this.entries.add(conn);
    if ((conn.status & IPS.SRC_NAT_DONE) !== 0) {
      const k = tupleHash(conn.proto, o.src, 0, o.sport, 0);
      const list = this.bySource.get(k);
      if (list === undefined) this.bySource.set(k, [conn]);
      else list.unshift(conn);
    }
    this.stats.insert++;
    return true;
  }

  /** Removes a confirmed entry (nf_ct_delete); unknown entries are ignored. */
  remove(conn: Conn): void {
    if (!this.entries.delete(conn)) return;
    this.unlink(conn.orig);
    this.unlink(conn.reply);
    conn.status |= IPS.DYING;
    if ((conn.status & IPS.SRC_NAT_DONE) !== 0) {
      const k = tupleHash(conn.proto, conn.orig.src, 0, conn.orig.sport, 0);
      const list = this.bySource.get(k);
      const i = list === undefined ? -1 : list.indexOf(conn);
      if (list !== undefined && i >= 0) {
        list.splice(i, 1);
        if (list.length === 0) this.bySource.delete(k);
      }
    }
  }

  /**
   * find_appropriate_src: the REPLY tuple of the newest live entry from the same original source address
   * and port whose source was mapped to `addr`, so a second connection from that port keeps its mapping.
   */
  sourceMapping(proto: number, src: Ip4, sport: number, addr: Ip4, now: number): TupleView | undefined {
    const list = this.bySource.get(tupleHash(proto, src, 0, sport, 0));
    if (list === undefined) return undefined;
    for (const c of list) {
      const o = c.orig;
      if (c.proto === proto && o.src === src && o.sport === sport && c.reply.dst === addr && c.expires > now)
        return c.reply;
    }
    return undefined;
  }

  /** Removes every expired entry; returns the live ones in table order. */
  live(now: number): Conn[] {
    const out: Conn[] = [];
    for (const c of this.entries) {
      if (c.expires > now) out.push(c);
      else this.remove(c);
    }
    return out;
  }

  /**
   * Room for one more entry (__nf_conntrack_alloc): expired entries are collected first, then early_drop
   * evicts one entry that is not ASSURED. The kernel scans up to 8 hash buckets from the new entry's
   * bucket and evicts every unassured entry of the first bucket holding one; podwire evicts the oldest
   * unassured entry. False when the table is full of assured entries: the new connection is dropped.
   */
  makeRoom(now: number): boolean {
    if (this.entries.size < this.max) return true;
    for (const c of this.entries) if (c.expires <= now) this.remove(c);
    if (this.entries.size < this.max) return true;
    for (const c of this.entries) {
      if ((c.status & IPS.ASSURED) === 0) {
        this.remove(c);
        this.stats.earlyDrop++;
        return true;
      }
    }
    return false;
  }

  /** Deletes the live entries `filter` selects (`conntrack -D`); returns how many. */
  delete(filter: ConntrackFilter, now: number): number {
    let n = 0;
    for (const c of this.live(now)) {
      if (matches(c, filter)) {
        this.remove(c);
        n++;
      }
    }
    return n;
  }

  private link(t: CtTuple): void {
    const h = tupleHash(t.conn.proto, t.src, t.dst, t.sport, t.dport);
    t.hash = h;
    t.next = this.buckets.get(h);
    this.buckets.set(h, t);
  }

  private unlink(t: CtTuple): void {
    let head = this.buckets.get(t.hash);
    if (head === t) {
      if (t.next === undefined) this.buckets.delete(t.hash);
      else this.buckets.set(t.hash, t.next);
    } else {
      while (head !== undefined && head.next !== t) head = head.next;
      if (head !== undefined) head.next = t.next;
    }
    t.next = undefined;
  }
}

/** Whether `c` satisfies every field of `f`. */
export function matches(c: ConntrackEntry, f: ConntrackFilter): boolean {
  const o = c.orig;
  const r = c.reply;
  if (f.proto !== undefined && c.proto !== f.proto) return false;
  if (f.origSrc !== undefined && o.src !== f.origSrc) return false;
  if (f.origDst !== undefined && o.dst !== f.origDst) return false;
  if (f.origSport !== undefined && o.sport !== f.origSport) return false;
  if (f.origDport !== undefined && o.dport !== f.origDport) return false;
  if (f.replySrc !== undefined && r.src !== f.replySrc) return false;
  if (f.replyDst !== undefined && r.dst !== f.replyDst) return false;
  if (f.dstNat !== undefined && ((c.status & IPS.DST_NAT) === 0 || r.src !== f.dstNat)) return false;
  if (f.srcNat !== undefined && ((c.status & IPS.SRC_NAT) === 0 || r.dst !== f.srcNat)) return false;
  return true;
}
