/**
 * conntrack.CleanStaleEntries (pkg/proxy/conntrack/cleanup.go), run at the end of a sync in both proxier
 * modes: UDP has no connection end, so a flow whose entry still points at an endpoint that went away (or
 * was never DNATed because the Service had no endpoint yet) would stay blackholed until it idles out.
 * kube-proxy lists the UDP entries and deletes each one whose original destination is a UDP Service's
 * ClusterIP, external or load-balancer IP — or whose original destination port is its NodePort — while
 * its reply source is not the IP of one of that Service's serving endpoints.
 */

import type { ConntrackFilter, Netfilter } from '../../netfilter/index.js';
import { IPPROTO_UDP, type Ip4 } from '../../wire/index.js';
import type { ServicePortInfo } from './service-port.js';

/** The UDP service addresses and NodePorts with the serving endpoint IPs behind each. */
export interface UdpServiceMap {
  readonly byIP: ReadonlyMap<Ip4, ReadonlySet<Ip4>>;
  readonly byNodePort: ReadonlyMap<number, ReadonlySet<Ip4>>;
  /** A text form of both maps, to see whether anything changed since the last clean-up. */
  readonly signature: string;
}

// The port list is the rules generator's, the same array for every node until the Services or endpoints
// change: the map is built once per list, not once per node's sync.
const built = new WeakMap<readonly ServicePortInfo[], UdpServiceMap>();

/** What CleanStaleEntries builds from svcPortMap and endpointsMap for UDP service ports. */
export function udpServiceMap(ports: readonly ServicePortInfo[]): UdpServiceMap {
  let map = built.get(ports);
  if (map === undefined) {
    map = buildUdpServiceMap(ports);
    built.set(ports, map);
  }
  return map;
}

function buildUdpServiceMap(ports: readonly ServicePortInfo[]): UdpServiceMap {
  const byIP = new Map<Ip4, Set<Ip4>>();
  const byNodePort = new Map<number, Set<Ip4>>();
  let signature = '';
  for (const p of ports) {
    if (p.protocol !== 'UDP') continue;
    // endpoint.IsServing(): ready endpoints are serving too.
    const serving = new Set(p.endpoints.filter((e) => e.serving).map((e) => e.ip));
    byIP.set(p.clusterIP, serving);
    for (const ip of p.loadBalancerIPs) byIP.set(ip, serving);
    for (const ip of p.externalIPs) byIP.set(ip, serving);
    if (p.nodePort !== 0) byNodePort.set(p.nodePort, serving);
    signature += `${p.clusterIP},${p.loadBalancerIPs.join(',')},${p.externalIPs.join(',')},${p.nodePort}:`;
    signature += `${[...serving].join(',')};`;
  }
  return { byIP, byNodePort, signature };
}

/** Deletes the stale UDP entries of `nf`'s conntrack table; returns how many went. */
export function cleanStaleEntries(nf: Netfilter, map: UdpServiceMap): number {
  if (map.byIP.size === 0 && map.byNodePort.size === 0) return 0;
  const filters = new Map<string, ConntrackFilter>();
  for (const e of nf.conntrackList()) {
    if (e.proto !== IPPROTO_UDP) continue;
    const replySrc = e.reply.src;
    const eps = map.byIP.get(e.orig.dst);
    // filterForNAT: --orig-dst SERVICE-IP --reply-src NOT-AN-ENDPOINT.
    if (eps !== undefined && !eps.has(replySrc)) {
      filters.set(`ip ${e.orig.dst} ${replySrc}`, { proto: IPPROTO_UDP, origDst: e.orig.dst, replySrc });
    }
    const npEps = map.byNodePort.get(e.orig.dport);
    // filterForPortNAT: --orig-port-dst NODEPORT --reply-src NOT-AN-ENDPOINT.
    if (npEps !== undefined && !npEps.has(replySrc)) {
      filters.set(`port ${e.orig.dport} ${replySrc}`, {
        proto: IPPROTO_UDP,
        origDport: e.orig.dport,
        replySrc,
      });
    }
  }
  let n = 0;
  const now = nf.now();
  for (const f of filters.values()) n += nf.conntrack.delete(f, now);
  return n;
}
