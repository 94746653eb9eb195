/**
 * Per-protocol tracking (nf_conntrack_proto_{tcp,udp,icmp,generic}.c): which first packets may create an
 * entry, how each packet moves a TCP entry through the state table, when an entry becomes [ASSURED], and
 * how long it then lives. TCP window tracking (tcp_in_window) is not modelled: every segment is taken as
 * in window, as with nf_conntrack_tcp_be_liberal=1 for data, so no segment is INVALID for its sequence
 * numbers.
 */
import { SECOND } from '../sim/index.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../wire/index.js';
import { type Conn, IPS } from './conntrack.js';
import { CONNTRACK_SYSCTLS, UDP_STREAM_AFTER_NS } from './defaults.js';

/** enum tcp_conntrack, plus the table's two pseudo-states. */
export const TCP_CT = {
  NONE: 0,
  SYN_SENT: 1,
  SYN_RECV: 2,
  ESTABLISHED: 3,
  FIN_WAIT: 4,
  CLOSE_WAIT: 5,
  LAST_ACK: 6,
  TIME_WAIT: 7,
  CLOSE: 8,
  SYN_SENT2: 9,
  /** sIV (TCP_CONNTRACK_MAX): invalid. */
  INVALID: 10,
  /** sIG: ignored, state unchanged. */
  IGNORE: 11,
} as const;

/** tcp_conntrack_names, as `conntrack -L` prints them. */
export const TCP_STATE_NAMES: readonly string[] = [
  'NONE',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
  'TIME_WAIT',
  'CLOSE',
  'SYN_SENT2',
];

/** enum tcp_bit_set: the flag class of a segment (get_conntrack_index). */
const SYN_SET = 0;
const SYNACK_SET = 1;
const FIN_SET = 2;
const ACK_SET = 3;
const RST_SET = 4;
const NONE_SET = 5;

const { NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE } = TCP_CT;
const sSS = SYN_SENT;
const sSR = SYN_RECV;
const sES = ESTABLISHED;
const sFW = FIN_WAIT;
const sCW = CLOSE_WAIT;
const sLA = LAST_ACK;
const sTW = TIME_WAIT;
const sCL = CLOSE;
const sS2 = TCP_CT.SYN_SENT2;
const sIV = TCP_CT.INVALID;
const sIG = TCP_CT.IGNORE;

/**
 * tcp_conntracks[dir][flag class][old state] → new state, columns sNO sSS sSR sES sFW sCW sLA sTW sCL sS2
 * (Linux 6.x nf_conntrack_proto_tcp.c).
 */
const TCP_TABLE: readonly (readonly (readonly number[])[])[] = [
  [
    /* ORIGINAL */
    /*syn*/ [sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2],
    /*synack*/ [sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR],
    /*fin*/ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /*ack*/ [sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV],
    /*rst*/ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /*none*/ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
  [
    /* REPLY */
    /*syn*/ [sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2],
    /*synack*/ [sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR],
    /*fin*/ [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    /*ack*/ [sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG],
    /*rst*/ [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    /*none*/ [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  ],
];

/** get_conntrack_index: RST, then SYN(+ACK), then FIN, then ACK. */
function tcpIndex(flags: number): number {
  if ((flags & TCP_RST) !== 0) return RST_SET;
  if ((flags & TCP_SYN) !== 0) return (flags & TCP_ACK) !== 0 ? SYNACK_SET : SYN_SET;
  if ((flags & TCP_FIN) !== 0) return FIN_SET;
  if ((flags & TCP_ACK) !== 0) return ACK_SET;
  return NONE_SET;
}

/** The conntrack timeouts in force, ns; set from the `net.netfilter.*` sysctls. */
export class CtTimeouts {
  /** By tcp_conntrack state (SYN_SENT2 shares SYN_SENT's). */
  readonly tcp = new Float64Array(10);
  tcpUnack = 0;
  udp = 0;
  udpStream = 0;
  icmp = 0;
  generic = 0;
  tcpLoose = true;

  constructor() {
    for (const [key, value] of CONNTRACK_SYSCTLS) this.set(key, value);
  }

  /** Applies one `net.netfilter.nf_conntrack_*` sysctl (seconds); false when it is not a timeout. */
  set(key: string, value: number): boolean {
    const ns = value * SECOND;
    const prefix = 'net.netfilter.nf_conntrack_';
    if (!key.startsWith(prefix)) return false;
    const name = key.slice(prefix.length);
    const tcpState = TCP_TIMEOUT_NAMES.get(name);
    if (tcpState !== undefined) {
      this.tcp[tcpState] = ns;
      if (tcpState === SYN_SENT) this.tcp[sS2] = ns;
      return true;
    }
    switch (name) {
      case 'tcp_timeout_unacknowledged':
        this.tcpUnack = ns;
        return true;
      case 'tcp_timeout_max_retrans':
        return true;
      case 'udp_timeout':
        this.udp = ns;
        return true;
      case 'udp_timeout_stream':
        this.udpStream = ns;
        return true;
      case 'icmp_timeout':
        this.icmp = ns;
        return true;
      case 'generic_timeout':
        this.generic = ns;
        return true;
      case 'tcp_loose':
        this.tcpLoose = value !== 0;
        return true;
      default:
        return false;
    }
  }
}

const TCP_TIMEOUT_NAMES: ReadonlyMap<string, number> = new Map([
  ['tcp_timeout_syn_sent', SYN_SENT],
  ['tcp_timeout_syn_recv', SYN_RECV],
  ['tcp_timeout_established', ESTABLISHED],
  ['tcp_timeout_fin_wait', FIN_WAIT],
  ['tcp_timeout_close_wait', CLOSE_WAIT],
  ['tcp_timeout_last_ack', LAST_ACK],
  ['tcp_timeout_time_wait', TIME_WAIT],
  ['tcp_timeout_close', CLOSE],
]);

/** tcp_new: may this first segment create an entry? SYN always; a mid-stream ACK only with tcp_loose. */
export function tcpMayCreate(flags: number, t: CtTimeouts): boolean {
  const first = TCP_TABLE[0]?.[tcpIndex(flags)]?.[NONE] ?? sIV;
  if (first === sIV) return false;
  return first === SYN_SENT || t.tcpLoose;
}

/** What a packet did to its entry. */
export const L4_OK = 0;
/** -NF_ACCEPT: the packet is INVALID and loses its entry (it is still accepted). */
export const L4_INVALID = 1;
/** nf_ct_kill_acct: the entry dies (an RST was the only answer); the packet keeps it and goes on. */
export const L4_KILL = 2;
/** -NF_REPEAT after nf_ct_kill: a SYN reopening a closed connection; look up again (a new entry). */
export const L4_REOPEN = 3;

/** nf_conntrack_tcp_packet without window tracking: state, [ASSURED] and timeout for one segment. */
export function tcpPacket(conn: Conn, dir: number, flags: number, now: number, t: CtTimeouts): number {
  const index = tcpIndex(flags);
  const old = conn.tcpState;
  const next = TCP_TABLE[dir]?.[index]?.[old] ?? sIV;
  if (next === sSS && old >= TIME_WAIT) {
    // RFC 1122 reopen of a connection closed by FIN or RST: kill it and track the SYN anew.
    if (conn.tcpCloseInit || (conn.tcpLastDir === dir && conn.tcpLastIndex === RST_SET)) return L4_REOPEN;
  }
  if (next === sIG) {
    conn.tcpLastDir = dir;
    conn.tcpLastIndex = index;
    return L4_OK;
  }
  if (next === sIV) return L4_INVALID;
  conn.tcpLastDir = dir;
  conn.tcpLastIndex = index;
  conn.tcpState = next;
  if (old !== next && (next === FIN_WAIT || next === CLOSE)) conn.tcpCloseInit = true;
  let timeout = index === RST_SET ? (t.tcp[CLOSE] ?? 0) : (t.tcp[next] ?? 0);
  if ((conn.status & IPS.SEEN_REPLY) === 0) {
    // An RST as the only answer: the connection never existed; drop the entry now (--RR).
    if (index === RST_SET) return L4_KILL;
    // A retransmitted SYN does not renew the timeout.
    if (index === SYN_SET && old === SYN_SENT) return L4_OK;
    // Picked up mid-stream (tcp_loose): no 5-day timeout before the other side answers.
    if (next === ESTABLISHED && timeout > t.tcpUnack) timeout = t.tcpUnack;
  } else if (
    (conn.status & IPS.ASSURED) === 0 &&
    (old === SYN_RECV || old === ESTABLISHED) &&
    next === ESTABLISHED
  ) {
    conn.status |= IPS.ASSURED;
  }
  conn.expires = now + timeout;
  return L4_OK;
}

/** nf_conntrack_udp_packet: 30 s until a reply, then 120 s and [ASSURED] once the flow is 2 s old. */
export function udpPacket(conn: Conn, now: number, t: CtTimeouts): void {
  if ((conn.status & IPS.CONFIRMED) === 0) conn.udpStreamTs = now + UDP_STREAM_AFTER_NS;
  if ((conn.status & IPS.SEEN_REPLY) === 0) {
    conn.expires = now + t.udp;
    return;
  }
  if (now > conn.udpStreamTs) {
    conn.expires = now + t.udpStream;
    conn.status |= IPS.ASSURED;
  } else {
    conn.expires = now + t.udp;
  }
}

/** ICMP echo and the other query types: 30 s from the last packet, never [ASSURED]. */
export function icmpPacket(conn: Conn, now: number, t: CtTimeouts): void {
  conn.expires = now + t.icmp;
}

/** Protocols conntrack has no tracker for: 600 s (nf_conntrack_proto_generic.c). */
export function genericPacket(conn: Conn, now: number, t: CtTimeouts): void {
  conn.expires = now + t.generic;
}

/** ICMP types whose replies conntrack knows (icmp_new's valid_new and invmap): request → reply type. */
export const ICMP_REPLY_TYPE: ReadonlyMap<number, number> = new Map([
  [8, 0],
  [13, 14],
  [15, 16],
  [17, 18],
]);

/** The inverse type for a tuple in the other direction (invmap, both ways). */
export function icmpInvertType(type: number): number {
  switch (type) {
    case 8:
      return 0;
    case 0:
      return 8;
    case 13:
      return 14;
    case 14:
      return 13;
    case 15:
      return 16;
    case 16:
      return 15;
    case 17:
      return 18;
    case 18:
      return 17;
    default:
      return type;
  }
}

/** icmp_is_err: the types that quote a datagram and are RELATED to its connection. */
export function isIcmpErrorType(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}
