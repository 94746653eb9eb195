/**
 * ipvsadm's listings, byte for byte (ipvsadm.c print_title / print_service_entry / print_conn /
 * list_timeout, libipvs ipvs_cmp_services / ipvs_cmp_dests):
 *
 * - services and real servers are sorted by ipvsadm, not listed in the kernel's hash order: by protocol
 *   (TCP 6 before UDP 17), then address, then port. The address comparison is libipvs's
 *   `int r = ntohl(a) - ntohl(b)`: an unsigned difference read as a signed int, so it orders addresses
 *   around a circle — 10.96.0.1 sorts *after* 192.168.56.11 (0x0a… − 0xc0… wraps to a positive int).
 *   The sort is glibc's qsort, a stable top-down merge sort; with that comparator the result is a total
 *   order whenever the addresses span less than half the address space, and otherwise depends on the
 *   input order, which podwire takes as creation order (the kernel's dump order follows a hash salted
 *   with a kernel pointer).
 * - the real-server line is `printf("  -> %-28s %-7s %-6d %-10u %-10u\n")`, so it ends in spaces.
 */
import { formatIp4, type Ip4 } from '../../wire/index.js';
import type { IpvsConn } from './conn.js';
import {
  IPVS_CONN_TAB_SIZE,
  IPVS_VERSION,
  PERSISTENCE_NETMASK_DEFAULT,
  TCP_STATE_NAMES,
} from './defaults.js';
import type { IpvsDest } from './dest.js';
import type { Ipvs } from './ipvs.js';
import type { IpvsService } from './service.js';

/** glibc msort_with_tmp: split n/2 | n − n/2, sort both halves, merge taking the left on `cmp ≤ 0`. */
export function glibcMergeSort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  const out = [...items];
  const tmp = new Array<T>(out.length);
  const sort = (lo: number, n: number): void => {
    if (n <= 1) return;
    const n1 = n >>> 1;
    const n2 = n - n1;
    sort(lo, n1);
    sort(lo + n1, n2);
    let i = lo;
    let j = lo + n1;
    const iEnd = lo + n1;
    const jEnd = lo + n;
    let k = 0;
    while (i < iEnd && j < jEnd)
      tmp[k++] = cmp(out[i] as T, out[j] as T) <= 0 ? (out[i++] as T) : (out[j++] as T);
    while (i < iEnd) tmp[k++] = out[i++] as T;
    for (let m = 0; m < k; m++) out[lo + m] = tmp[m] as T;
  };
  sort(0, out.length);
  return out;
}

/** `int r = ntohl(a) - ntohl(b)`: the u32 difference as a signed 32-bit int. */
export function wrappedAddrDiff(a: Ip4, b: Ip4): number {
  return (a - b) | 0;
}

/** ipvs_cmp_services (fwmark and address family are equal here). */
export function compareServices(a: IpvsService, b: IpvsService): number {
  if (a.protocol !== b.protocol) return a.protocol - b.protocol;
  const r = wrappedAddrDiff(a.addr, b.addr);
  return r !== 0 ? r : a.port - b.port;
}

/** ipvs_cmp_dests. */
export function compareDests(a: IpvsDest, b: IpvsDest): number {
  const r = wrappedAddrDiff(a.addr, b.addr);
  return r !== 0 ? r : a.port - b.port;
}

/** The services in `ipvsadm -Ln` order. */
export function ipvsadmServiceOrder(ipvs: Ipvs): IpvsService[] {
  return glibcMergeSort(ipvs.services(), compareServices);
}

const HEADER =
  'Prot LocalAddress:Port Scheduler Flags\n' +
  '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';

/** print_sched_flags of ipvsadm 1.29+, for the sh flags podwire has. */
function schedFlags(svc: IpvsService): string {
  const flags: string[] = [];
  if (svc.shFallback) flags.push('sh-fallback');
  if (svc.shPort) flags.push('sh-port');
  return flags.length > 0 ? ` (${flags.join(',')})` : '';
}

/** One service's lines of `ipvsadm -Ln`. */
export function formatIpvsadmService(svc: IpvsService): string {
  let out = `${svc.protocolName}  ${formatIp4(svc.addr)}:${svc.port}`.slice(0, 33);
  out += ` ${svc.schedulerName}${schedFlags(svc)}`;
  if (svc.persistent) {
    out += ` persistent ${svc.timeout}`;
    if (svc.netmask >>> 0 !== PERSISTENCE_NETMASK_DEFAULT) out += ` mask ${formatIp4(svc.netmask)}`;
  }
  out += '\n';
  for (const d of glibcMergeSort(svc.dests, compareDests)) {
    const name = `${formatIp4(d.addr)}:${d.port}`.slice(0, 28);
    out += `  -> ${name.padEnd(28)} ${d.forward.padEnd(7)} ${String(d.weight).padEnd(6)} `;
    out += `${String(d.activeConns).padEnd(10)} ${String(d.inactConns).padEnd(10)}\n`;
  }
  return out;
}

/**
 * `ipvsadm -Ln`: the version line, the two title lines, then every service with its real servers.
 * With `now`, connection timers due by then run first, so the counters are current.
 */
export function formatIpvsadmList(ipvs: Ipvs, now?: number): string {
  if (now !== undefined) ipvs.expire(now);
  let out = `IP Virtual Server version ${IPVS_VERSION} (size=${IPVS_CONN_TAB_SIZE})\n${HEADER}`;
  for (const svc of ipvsadmServiceOrder(ipvs)) out += formatIpvsadmService(svc);
  return out;
}

/** ip_vs_proto_name. */
function protoName(p: number): string {
  return p === 6 ? 'TCP' : p === 17 ? 'UDP' : p === 0 ? 'IP' : `IP_${p}`;
}

/** ip_vs_state_name: template states NONE/ASSURED, TCP by state, UDP's one state "UDP". */
function stateName(c: IpvsConn): string {
  if (c.template) return c.assured ? 'ASSURED' : 'NONE';
  if (c.protocol === 6) return TCP_STATE_NAMES[c.state] ?? 'ERR!';
  return 'UDP';
}

/**
 * `ipvsadm -Lnc`: /proc/net/ip_vs_conn as ipvsadm prints it — remaining time as mm:ss (whole seconds
 * left, minutes unbounded: a 10800 s template shows 180:00), one line per connection and template, in
 * creation order (the kernel's follows its salted hash table).
 */
export function formatIpvsadmConnections(ipvs: Ipvs, now: number): string {
  ipvs.expire(now);
  let out = 'IPVS connection entries\n';
  out += `pro expire ${'state'.padEnd(11)} ${'source'.padEnd(18)} ${'virtual'.padEnd(18)} destination\n`;
  for (const c of ipvs.conns.list()) {
    const left = Math.max(0, Math.floor((c.expires - now) / 1e9));
    const expire = `${String(Math.floor(left / 60)).padStart(2, '0')}:${String(left % 60).padStart(2, '0')}`;
    const src = `${formatIp4(c.caddr)}:${c.cport}`;
    const vip = `${formatIp4(c.vaddr)}:${c.vport}`;
    const dst = `${formatIp4(c.daddr)}:${c.dport}`;
    out += `${protoName(c.protocol).padEnd(3)} ${expire.padEnd(6)} ${stateName(c).padEnd(11)} ${src.padEnd(18)} ${vip.padEnd(18)} ${dst}\n`;
  }
  return out;
}

/** `ipvsadm -L --timeout`. */
export function formatIpvsadmTimeout(ipvs: Ipvs): string {
  const t = ipvs.timeouts();
  return `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpFin} ${t.udp}\n`;
}
