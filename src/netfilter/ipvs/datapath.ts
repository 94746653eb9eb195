/**
 * The packet paths of ip_vs_core.c: ip_vs_in_hook (schedule or find the connection, TCP state, then
 * ip_vs_nat_xmit's DNAT) and ip_vs_out_hook (find the connection of a real server's reply, SNAT it back
 * to the virtual address). Functions over the IPVS state, kept apart from the control plane in ipvs.ts.
 */
import { SECOND } from '../../sim/index.js';
import {
  decrementTtl,
  type Ip4,
  type Ipv4Packet,
  TCP_RST,
  TCP_SYN,
  type TcpSegment,
  type UdpDatagram,
  udpChecksum,
  withEndpoints,
} from '../../wire/index.js';
import { assureTemplate, type ConnTable, type IpvsConn } from './conn.js';
import { type IpvsSysctls, TCP_S } from './defaults.js';
import type { IpvsDest } from './dest.js';
import type { SchedPacket } from './schedulers/index.js';
import type { IpvsService } from './service.js';
import { type IpvsDirection, nextTcpState } from './tcp-state.js';
import type { IpvsReply, IpvsRequestHook, IpvsVerdict } from './verdict.js';

/** What the packet paths read and change of the namespace's IPVS state (the Ipvs class). */
export interface IpvsState {
  readonly sysctls: IpvsSysctls;
  readonly conns: ConnTable;
  readonly tcpTimeouts: readonly number[];
  readonly udpTimeout: number;
  readonly isLocal: (addr: Ip4) => boolean;
  findService(protocol: number, addr: Ip4, port: number): IpvsService | undefined;
}

/** FTPPORT: persistent FTP templates leave the virtual port out. */
const FTP_PORT = 21;
const ACCEPT: IpvsVerdict = { kind: 'accept' };
const NO_DESTINATION: IpvsVerdict = { kind: 'icmp', type: 3, code: 3, reason: 'no-destination' };
const TTL_EXCEEDED: IpvsVerdict = { kind: 'icmp', type: 11, code: 0, reason: 'ttl-exceeded' };

type L4 = TcpSegment | UdpDatagram;

/** ip_vs_in_hook for TCP and UDP; everything else is accepted untouched. */
export function requestPath(
  ipvs: IpvsState,
  hook: IpvsRequestHook,
  pkt: Ipv4Packet,
  now: number,
  oldConntrack: boolean,
): IpvsVerdict {
  const l4 = pkt.payload;
  if (l4.kind !== 'tcp' && l4.kind !== 'udp') return ACCEPT;
  const conns = ipvs.conns;
  let cp = conns.inGet(pkt.protocol, pkt.src, l4.srcPort, pkt.dst, l4.dstPort);

  // A SYN reusing the ports of a connection to a quiesced dest, or of one in TIME_WAIT/CLOSE
  // (conn_reuse_mode), is scheduled afresh — unless its conntrack entry is an old confirmed one.
  if (cp !== undefined && l4.kind === 'tcp' && (l4.flags & TCP_SYN) !== 0) {
    let resched = false;
    if (ipvs.sysctls.expireNodestConn && cp.dest.weight === 0) resched = true;
    else if (ipvs.sysctls.connReuseMode !== 0 && newConnExpected(cp))
      resched = cp.nControl === 0 || !oldConntrack;
    if (resched) {
      if (!oldConntrack) cp.nfct = false;
      if (cp.nControl === 0) conns.expireNow(cp, now);
      if (oldConntrack) return { kind: 'drop', reason: 'old-conntrack' };
      cp = undefined;
    }
  }

  // The connection's real server was deleted.
  if (cp !== undefined && !cp.dest.available) {
    if (!ipvs.sysctls.expireNodestConn) return { kind: 'drop', reason: 'dest-unavailable' };
    if (!oldConntrack) cp.nfct = false;
    conns.expireNow(cp, now);
    if (oldConntrack) return { kind: 'drop', reason: 'old-conntrack' };
    cp = undefined;
  }

  if (cp === undefined) {
    // tcp_conn_schedule / udp_conn_schedule: only a SYN without RST opens a TCP connection (sloppy_tcp=0).
    if (l4.kind === 'tcp' && ((l4.flags & TCP_RST) !== 0 || (l4.flags & TCP_SYN) === 0)) return ACCEPT;
    const svc = ipvs.findService(pkt.protocol, pkt.dst, l4.dstPort);
    if (svc === undefined) return ACCEPT;
    cp = schedule(ipvs, svc, pkt, l4, now);
    if (cp === undefined) return NO_DESTINATION; // ip_vs_leave
  }

  transition(ipvs, cp, 'input', l4);
  const verdict = natXmit(ipvs, hook, pkt, l4, cp);
  conns.put(cp, now);
  return verdict;
}

/** ip_vs_out_hook → handle_response for a NAT connection. */
export function replyPath(ipvs: IpvsState, pkt: Ipv4Packet, now: number): IpvsReply | undefined {
  const l4 = pkt.payload;
  if (l4.kind !== 'tcp' && l4.kind !== 'udp') return undefined;
  const cp = ipvs.conns.outGet(pkt.protocol, pkt.src, l4.srcPort, pkt.dst, l4.dstPort);
  if (cp === undefined) return undefined;
  const packet = rewrite(pkt, l4, cp.vaddr, pkt.dst, cp.vport, l4.dstPort);
  transition(ipvs, cp, 'output', l4);
  ipvs.conns.put(cp, now);
  return { packet, conn: cp };
}

/** is_new_conn_expected: an uncontrolled TCP connection in TIME_WAIT or CLOSE. */
function newConnExpected(cp: IpvsConn): boolean {
  if (cp.control !== undefined || cp.protocol !== 6) return false;
  return cp.state === TCP_S.TIME_WAIT || cp.state === TCP_S.CLOSE;
}

/** ip_vs_schedule: a new connection to the scheduler's choice, through a template when persistent. */
function schedule(
  ipvs: IpvsState,
  svc: IpvsService,
  pkt: Ipv4Packet,
  l4: L4,
  now: number,
): IpvsConn | undefined {
  if (svc.persistent) return schedulePersistent(ipvs, svc, pkt, l4, now);
  const dest = svc.scheduler.schedule(svc, schedPacket(pkt, l4), now);
  if (dest === undefined) return undefined;
  return newConn(ipvs, svc, dest, pkt, l4, dest.port !== 0 ? dest.port : l4.dstPort, now);
}

/**
 * ip_vs_sched_persist: the template <protocol, client & netmask, 0, vaddr, vport> names the real
 * server; one is made (with the service's timeout) when none exists or its dest is no longer usable
 * (ip_vs_check_template invalidates it: deleted dest, or weight 0 with expire_quiescent_template).
 */
function schedulePersistent(
  ipvs: IpvsState,
  svc: IpvsService,
  pkt: Ipv4Packet,
  l4: L4,
  now: number,
): IpvsConn | undefined {
  const conns = ipvs.conns;
  const snet = (pkt.src & svc.netmask) >>> 0;
  const vport = l4.dstPort === svc.port && svc.port !== FTP_PORT ? l4.dstPort : 0;
  let ct = conns.templateGet(pkt.protocol, snet, pkt.dst, vport);
  if (ct !== undefined && !checkTemplate(ipvs, ct)) ct = undefined;
  let dest: IpvsDest;
  if (ct === undefined) {
    const chosen = svc.scheduler.schedule(svc, schedPacket(pkt, l4), now);
    if (chosen === undefined) return undefined;
    dest = chosen;
    const tport = l4.dstPort === svc.port && svc.port !== FTP_PORT ? dest.port : 0;
    ct = conns.create(
      {
        protocol: pkt.protocol,
        caddr: snet,
        cport: 0,
        vaddr: pkt.dst,
        vport,
        daddr: dest.addr,
        dport: tport,
        template: true,
        dest,
        nfct: false,
      },
      now,
    );
    ct.timeout = svc.timeout * SECOND;
  } else {
    dest = ct.dest;
  }
  const dport = l4.dstPort === svc.port && dest.port !== 0 ? dest.port : l4.dstPort;
  const cp = newConn(ipvs, svc, dest, pkt, l4, dport, now);
  conns.control(cp, ct);
  conns.put(ct, now);
  return cp;
}

function schedPacket(pkt: Ipv4Packet, l4: L4): SchedPacket {
  return { src: pkt.src, dst: pkt.dst, srcPort: l4.srcPort };
}

/** ip_vs_check_template: a template whose dest is gone or quiesced is rehashed out of reach. */
function checkTemplate(ipvs: IpvsState, ct: IpvsConn): boolean {
  const d = ct.dest;
  if (d.available && !(ipvs.sysctls.expireQuiescentTemplate && d.weight === 0)) return true;
  ct.vport = 0xffff;
  ct.dport = 0xffff;
  return false;
}

function newConn(
  ipvs: IpvsState,
  svc: IpvsService,
  dest: IpvsDest,
  pkt: Ipv4Packet,
  l4: L4,
  dport: number,
  now: number,
): IpvsConn {
  const cp = ipvs.conns.create(
    {
      protocol: pkt.protocol,
      caddr: pkt.src,
      cport: l4.srcPort,
      vaddr: pkt.dst,
      vport: l4.dstPort,
      daddr: dest.addr,
      dport,
      template: false,
      dest,
      nfct: ipvs.sysctls.conntrack,
    },
    now,
  );
  svc.conns++;
  dest.conns++;
  return cp;
}

/** ip_vs_set_state: TCP moves through its table (timeout by state); UDP gets the UDP timeout. */
function transition(ipvs: IpvsState, cp: IpvsConn, dir: IpvsDirection, l4: L4): void {
  if (l4.kind === 'tcp') {
    const state = nextTcpState(cp.state, dir, l4.flags);
    ipvs.conns.setTcpState(cp, state);
    cp.timeout = ipvs.tcpTimeouts[state] as number;
    return;
  }
  cp.timeout = ipvs.udpTimeout;
  if (dir === 'output') assureTemplate(cp);
}

/**
 * ip_vs_nat_xmit: to a non-local real server the TTL is decremented first (decrement_ttl in
 * __ip_vs_get_out_rt; TTL ≤ 1 → ICMP time exceeded), then the destination is rewritten (tcp/udp
 * dnat_handler, then the IP header). A packet from the network is not DNAT'ed to a loopback address.
 */
function natXmit(ipvs: IpvsState, hook: IpvsRequestHook, pkt: Ipv4Packet, l4: L4, cp: IpvsConn): IpvsVerdict {
  const local = ipvs.isLocal(cp.daddr);
  if (local && cp.daddr >>> 24 === 127 && hook === 'LOCAL_IN')
    return { kind: 'drop', reason: 'dnat-to-loopback' };
  let p = pkt;
  if (!local) {
    if (p.ttl <= 1) return TTL_EXCEEDED;
    p = decrementTtl(p);
  }
  const packet = rewrite(p, l4, p.src, cp.daddr, l4.srcPort, cp.dport);
  return { kind: 'nat', packet, conn: cp, local, conntrack: cp.nfct };
}

/**
 * New addresses and ports with checksums patched incrementally; a UDP datagram sent without a checksum
 * gets a full one (udp_dnat_handler / udp_snat_handler compute it when the old one is 0).
 */
function rewrite(p: Ipv4Packet, l4: L4, src: Ip4, dst: Ip4, srcPort: number, dstPort: number): Ipv4Packet {
  const q = withEndpoints(p, src, dst, srcPort, dstPort);
  if (l4.kind !== 'udp' || l4.checksum !== 0) return q;
  const u = q.payload as UdpDatagram;
  return { ...q, payload: { ...u, checksum: udpChecksum(u, q) } };
}
