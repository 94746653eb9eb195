/**
 * The TCP socket tables of one namespace (inet_hashinfo): listeners by port, connections by 4-tuple
 * (TIME_WAIT ones included until their 60 s are over), the choice of an ephemeral port for connect()
 * (__inet_hash_connect), and the receive demultiplexer tcp_v4_rcv with its resets and tcp_v4_err.
 */
import type { Rng } from '../sim/index.js';
import {
  IPPROTO_TCP,
  type Ipv4Packet,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  type TcpSegment,
  verifyTcp,
} from '../wire/index.js';
import { appended } from './fib.js';
import type { TcpConn, TcpSocketOptions } from './tcp-conn.js';
import { LOCAL_PORT_RANGE } from './tcp-defaults.js';
import type { SocketErrno, SocketHost } from './tcp-host.js';
import { resetFor } from './tcp-output.js';
import { TcpSocket, type TcpSocketOwner } from './tcp-socket.js';

/** accept(): a listener's callback for each connection that completed its handshake. */
export type AcceptHandler = (sock: TcpSocket) => void;

/** A listening socket (`listen()` on ADDR:PORT, ADDR 0 for INADDR_ANY). */
export interface TcpListener {
  readonly addr: number;
  readonly port: number;
  /** Stops listening; established connections stay. */
  close(): void;
}

/** Options of connect(): the source address (bind before connect), the source port, SYN retries. */
export interface TcpConnectOptions extends TcpSocketOptions {
  readonly src?: number;
  readonly srcPort?: number;
}

export type TcpConnectResult =
  | { readonly ok: true; readonly socket: TcpSocket }
  | { readonly ok: false; readonly errno: SocketErrno };

/**
 * A listening socket: the table's entry and the handle listen() returns, one object with a `close`
 * method rather than an entry, a handle and a close closure (every pod of a cluster listens).
 */
class Listening implements TcpListener {
  constructor(
    private readonly table: TcpTable,
    readonly addr: number,
    readonly port: number,
    readonly onAccept: AcceptHandler,
  ) {}

  close(): void {
    this.table.unlisten(this);
  }
}

/** Key of the connection table: both ports (the addresses are compared in the short bucket). */
function portKey(localPort: number, remotePort: number): number {
  return localPort * 0x10000 + remotePort;
}

export class TcpTable implements TcpSocketOwner {
  private statsMap: Map<string, number> | undefined;
  /** /proc/net/snmp `Tcp:` counters: ActiveOpens, PassiveOpens, AttemptFails, EstabResets, InSegs, OutSegs, RetransSegs, InErrs, OutRsts. */
  get stats(): Map<string, number> {
    this.statsMap ??= new Map();
    return this.statsMap;
  }
  private rngValue: Rng | undefined;
  private portSecretValue = 0;
  private listenersMap: Map<number, Listening[]> | undefined;
  private get listeners(): Map<number, Listening[]> {
    this.listenersMap ??= new Map();
    return this.listenersMap;
  }
  private connsMap: Map<number, TcpSocket[]> | undefined;
  private get conns(): Map<number, TcpSocket[]> {
    this.connsMap ??= new Map();
    return this.connsMap;
  }
  private perturbMap: Map<number, number> | undefined;
  /** table_perturb: per-destination-hash offsets connect() starts its port search from. */
  private get perturb(): Map<number, number> {
    this.perturbMap ??= new Map();
    return this.perturbMap;
  }
  private pendingAcceptMap: Map<TcpConn, AcceptHandler> | undefined;
  /** Passive opens not yet accepted, with the listener they belong to. */
  private get pendingAccept(): Map<TcpConn, AcceptHandler> {
    this.pendingAcceptMap ??= new Map();
    return this.pendingAcceptMap;
  }

  constructor(readonly host: SocketHost) {}

  /**
   * The namespace's TCP stream (ISNs, port search), opened at first use: most pod namespaces only
   * listen. Its first draw is the port-search secret, as when it was opened with the table.
   */
  get rng(): Rng {
    return this.rngValue ?? this.openStream();
  }

  private get portSecret(): number {
    if (this.rngValue === undefined) this.openStream();
    return this.portSecretValue;
  }

  private openStream(): Rng {
    const rng = this.host.sim.rng(`${this.host.name}/tcp`);
    this.rngValue = rng;
    this.portSecretValue = rng.u32();
    return rng;
  }

  /** listen() on `port` (all addresses unless `addr`); EADDRINUSE when another listener holds it. */
  listen(port: number, onAccept: AcceptHandler, addr = 0): TcpListener | SocketErrno {
    if (!(port >= 1 && port <= 0xffff)) return 'EINVAL';
    const list = this.listeners.get(port) ?? [];
    if (list.some((l) => l.addr === 0 || addr === 0 || l.addr === addr)) return 'EADDRINUSE';
    const entry = new Listening(this, addr, port, onAccept);
    // Exact size: a spread copy reserves 17 slots, for the one listener of most ports.
    this.listeners.set(port, appended(list, entry));
    return entry;
  }

  /** A listener's close(): stops listening; established connections stay. */
  unlisten(entry: TcpListener): void {
    const port = entry.port;
    const now = (this.listeners.get(port) ?? []).filter((l) => l !== entry);
    if (now.length === 0) this.listeners.delete(port);
    else this.listeners.set(port, now);
  }

  /**
   * connect(): routes to `dst` (ENETUNREACH, EHOSTUNREACH … when that fails, as ip_route_connect does),
   * picks the source address and an ephemeral port, and sends the SYN. The socket reports the outcome to
   * its handlers; set them right after this returns.
   */
  connect(dst: number, dstPort: number, opts: TcpConnectOptions = {}): TcpConnectResult {
    const r = this.host.routeOutput(dst, opts.src);
    if (!r.ok) return { ok: false, errno: r.errno };
    const src = r.src;
    const srcPort = opts.srcPort ?? this.ephemeralPort(src, dst, dstPort);
    if (srcPort === 0) return { ok: false, errno: 'EADDRNOTAVAIL' };
    if (this.find(src, srcPort, dst, dstPort) !== undefined) return { ok: false, errno: 'EADDRNOTAVAIL' };
    const socket = TcpSocket.connect(this, { ip: src, port: srcPort }, { ip: dst, port: dstPort }, opts);
    if (socket.state !== 'CLOSE') this.hash(socket);
    return { ok: true, socket };
  }

  /** tcp_v4_rcv: hands a segment to its connection, a listener, or answers it with a reset. */
  receive(pkt: Ipv4Packet, seg: TcpSegment): void {
    this.count('InSegs');
    if (!verifyTcp(seg, pkt)) {
      this.count('InCsumErrors'); // tcp_v4_rcv: csum_error
      this.count('InErrs');
      return;
    }
    const sock = this.find(pkt.dst, seg.dstPort, pkt.src, seg.srcPort);
    if (sock !== undefined) {
      if (sock.state !== 'TIME_WAIT') {
        sock.receive(pkt, seg);
        return;
      }
      if (sock.receiveTimeWait(seg) === 'done') return;
    }
    const flags = seg.flags;
    const l = this.listenerFor(pkt.dst, seg.dstPort);
    if (l === undefined) {
      this.sendReset(pkt, seg);
      return;
    }
    // tcp_rcv_state_process in LISTEN: a SYN opens a request, an ACK is answered with a reset, the rest dropped.
    if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
      const child = TcpSocket.accept(this, pkt, seg);
      this.hash(child);
      this.pendingAccept.set(child, l.onAccept);
    } else if ((flags & TCP_ACK) !== 0 && (flags & TCP_RST) === 0) this.sendReset(pkt, seg);
  }

  /**
   * tcp_v4_err: an ICMP error quoting one of our segments (`quote` is the quoted IP header and at least
   * 8 bytes of TCP) goes to the socket of that 4-tuple.
   */
  icmpError(type: number, code: number, info: number, quote: Uint8Array): void {
    if (quote.length < 20) return;
    const hl = ((quote[0] ?? 0) & 0x0f) * 4;
    if (quote.length < hl + 8 || quote[9] !== IPPROTO_TCP) return;
    const u32 = (at: number) =>
      (((quote[at] ?? 0) << 24) |
        ((quote[at + 1] ?? 0) << 16) |
        ((quote[at + 2] ?? 0) << 8) |
        (quote[at + 3] ?? 0)) >>>
      0;
    const u16 = (at: number) => ((quote[at] ?? 0) << 8) | (quote[at + 1] ?? 0);
    const sock = this.find(u32(12), u16(hl), u32(16), u16(hl + 2));
    if (sock !== undefined) sock.icmpError(type, code, info, u32(hl + 4));
  }

  /** Connections of this namespace (TIME_WAIT included), in no particular order. */
  sockets(): TcpSocket[] {
    const out: TcpSocket[] = [];
    for (const bucket of this.conns.values()) for (const s of bucket) if (!this.expired(s)) out.push(s);
    return out;
  }

  // TcpOwner

  unhash(sock: TcpConn): void {
    const key = portKey(sock.local.port, sock.remote.port);
    const bucket = this.conns.get(key);
    if (bucket === undefined) return;
    const rest = bucket.filter((s) => s !== sock);
    if (rest.length === 0) this.conns.delete(key);
    else this.conns.set(key, rest);
    this.pendingAccept.delete(sock);
  }

  accepted(sock: TcpSocket): void {
    const onAccept = this.pendingAccept.get(sock);
    this.pendingAccept.delete(sock);
    onAccept?.(sock);
  }

  count(counter: string): void {
    this.stats.set(counter, (this.stats.get(counter) ?? 0) + 1);
  }

  private hash(sock: TcpSocket): void {
    const key = portKey(sock.local.port, sock.remote.port);
    const bucket = this.conns.get(key);
    if (bucket === undefined) this.conns.set(key, [sock]);
    else bucket.push(sock);
  }

  /** The connection of this 4-tuple, forgetting it first when its TIME_WAIT or FIN_WAIT2 time is over. */
  private find(local: number, localPort: number, remote: number, remotePort: number): TcpSocket | undefined {
    const bucket = this.conns.get(portKey(localPort, remotePort));
    if (bucket === undefined) return undefined;
    for (const s of bucket) {
      if (s.local.ip !== local || s.remote.ip !== remote) continue;
      if (this.expired(s)) {
        s.expire();
        return undefined;
      }
      return s;
    }
    return undefined;
  }

  private expired(s: TcpSocket): boolean {
    return s.deadline <= this.host.sim.now;
  }

  /** __inet_lookup_listener: an exact address beats INADDR_ANY. */
  private listenerFor(addr: number, port: number): Listening | undefined {
    const list = this.listeners.get(port);
    if (list === undefined) return undefined;
    return list.find((l) => l.addr === addr) ?? list.find((l) => l.addr === 0);
  }

  /** A port is free for this 4-tuple: no listener holds it and no connection (TIME_WAIT included) uses it. */
  private portFree(src: number, port: number, dst: number, dstPort: number): boolean {
    return !this.listeners.has(port) && this.find(src, port, dst, dstPort) === undefined;
  }

  /**
   * __inet_hash_connect: start from a per-destination offset (a keyed hash of the addresses and
   * destination port, plus that hash's table_perturb entry), try ports of even parity first, then odd;
   * after a success move the entry on by the ports tried and a random 0–7 pairs, so consecutive
   * connections to one service get increasing even ports 2–16 apart (LAB). 0 when every port is taken.
   */
  private ephemeralPort(src: number, dst: number, dstPort: number): number {
    const { low, high } = LOCAL_PORT_RANGE;
    const remaining = (high - low + 1) & ~1;
    const hash = mix(this.portSecret, src, dst, dstPort);
    const index = hash & 0xffff;
    let base = this.perturb.get(index);
    if (base === undefined) base = this.rng.u32();
    let offset = ((base + (hash >>> 16)) >>> 0) % remaining;
    offset &= ~1;
    for (let parity = 0; parity < 2; parity++) {
      for (let i = 0; i < remaining; i += 2) {
        let port = low + offset + i;
        if (port >= low + remaining) port -= remaining;
        if (!this.portFree(src, port, dst, dstPort)) continue;
        const step = Math.max(i, this.rng.int(0, 7) * 2);
        this.perturb.set(index, (base + step + 2) >>> 0);
        return port;
      }
      offset = (offset + 1) % remaining;
    }
    this.perturb.set(index, base);
    return 0;
  }

  /** tcp_v4_send_reset from the control socket: IP ID 0, TTL 64, DF. */
  private sendReset(pkt: Ipv4Packet, seg: TcpSegment): void {
    const rst = resetFor(pkt, seg);
    if (rst === undefined) return;
    this.host.send({ src: pkt.dst, dst: pkt.src, protocol: IPPROTO_TCP, payload: rst, id: 0 });
    this.count('OutRsts');
  }
}

/** A keyed integer hash of a destination (stands in for siphash in secure_ipv4_port_ephemeral). */
function mix(key: number, a: number, b: number, c: number): number {
  let h = key >>> 0;
  for (const v of [a, b, c]) {
    h = Math.imul(h ^ (v >>> 0), 0x9e3779b1) >>> 0;
    h = (h ^ (h >>> 15)) >>> 0;
    h = Math.imul(h, 0x85ebca77) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return h;
}
