import { type NetDevice, type NetNs, Veth } from '../net/index.js';
import { formatMac } from '../wire/index.js';

/** Queues a veth gets: one per possible CPU; podwire's nodes are 2-CPU machines. */
const NCPU = 2;
const GSO =
  'gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ';

/** A link in `ip -j -d link` shape. */
export interface LinkJson {
  readonly ifindex: number;
  readonly link_index?: number;
  readonly ifname: string;
  readonly flags: readonly string[];
  readonly mtu: number;
  readonly qdisc: string;
  readonly operstate: string;
  readonly linkmode: 'DEFAULT';
  readonly group: 'default';
  readonly txqlen: number;
  readonly link_type: 'loopback' | 'ether';
  readonly address: string;
  readonly broadcast: string;
  readonly link_netns?: string;
  readonly promiscuity: 0;
  readonly allmulti: 0;
  readonly min_mtu: number;
  readonly max_mtu: number;
  readonly linkinfo?: { readonly info_kind: string };
  readonly inet6_addr_gen_mode: 'eui64';
  readonly num_tx_queues: number;
  readonly num_rx_queues: number;
}

/** IFF_* flags in the order iproute2 prints them. */
function flags(dev: NetDevice): string[] {
  const f: string[] = [];
  if (dev.adminUp && !dev.carrier) f.push('NO-CARRIER');
  f.push(...(dev.kind === 'loopback' ? ['LOOPBACK'] : ['BROADCAST', 'MULTICAST']));
  if (dev.adminUp) f.push('UP');
  if (dev.adminUp && dev.carrier) f.push('LOWER_UP');
  else if (dev.adminUp && dev instanceof Veth) f.push('M-DOWN');
  return f;
}

/** IF_OPER_* as iproute2 names it: lo is UNKNOWN, a veth whose peer is down LOWERLAYERDOWN. */
function operstate(dev: NetDevice): string {
  if (!dev.adminUp) return 'DOWN';
  if (dev.kind === 'loopback') return 'UNKNOWN';
  if (dev.carrier) return 'UP';
  return dev instanceof Veth ? 'LOWERLAYERDOWN' : 'DOWN';
}

function describe(ns: NetNs, dev: NetDevice): LinkJson {
  const lo = dev.kind === 'loopback';
  const veth = dev instanceof Veth ? dev : undefined;
  const queues = veth !== undefined ? NCPU : 1;
  return {
    ifindex: dev.ifindex,
    ...(veth?.peer !== undefined ? { link_index: veth.peer.ifindex } : {}),
    ifname: dev.name,
    flags: flags(dev),
    mtu: dev.mtu,
    qdisc: lo || veth !== undefined ? 'noqueue' : 'fq_codel',
    operstate: operstate(dev),
    linkmode: 'DEFAULT',
    group: 'default',
    txqlen: 1000,
    link_type: lo ? 'loopback' : 'ether',
    address: formatMac(dev.mac),
    broadcast: lo ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff',
    ...(veth?.peerNetns !== undefined && veth.peerNetns !== ns.name ? { link_netns: veth.peerNetns } : {}),
    promiscuity: 0,
    allmulti: 0,
    min_mtu: lo ? 0 : 68,
    max_mtu: lo ? 0 : 65535,
    ...(veth !== undefined ? { linkinfo: { info_kind: 'veth' } } : {}),
    inet6_addr_gen_mode: 'eui64',
    num_tx_queues: queues,
    num_rx_queues: queues,
  };
}

/** `ip -j -d link` data, in ifindex order. */
export function linkJson(ns: NetNs): LinkJson[] {
  return ns.devices().map((d) => describe(ns, d));
}

/**
 * `ip -d link show`: three lines for a veth (its kind on a line of its own), two for lo and a physical
 * NIC; iproute2 ends the detail lines with a space and puts two spaces before `allmulti`.
 */
export function ipLink(ns: NetNs): string {
  return linkJson(ns)
    .map((j) => {
      const peer = j.link_index !== undefined ? `@if${j.link_index}` : '';
      const head = `${j.ifindex}: ${j.ifname}${peer}: <${j.flags.join(',')}> mtu ${j.mtu} qdisc ${j.qdisc} state ${j.operstate} mode ${j.linkmode} group ${j.group} qlen ${j.txqlen}\n`;
      const netns = j.link_netns !== undefined ? ` link-netns ${j.link_netns}` : '';
      const link = `    link/${j.link_type} ${j.address} brd ${j.broadcast}${netns} promiscuity 0  allmulti 0 minmtu ${j.min_mtu} maxmtu ${j.max_mtu} `;
      const rest = `addrgenmode ${j.inet6_addr_gen_mode} numtxqueues ${j.num_tx_queues} numrxqueues ${j.num_rx_queues} ${GSO}`;
      if (j.linkinfo !== undefined) return `${head}${link}\n    ${j.linkinfo.info_kind} ${rest}\n`;
      return `${head}${link}${rest}\n`;
    })
    .join('');
}
