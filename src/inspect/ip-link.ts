import { BRIDGE, Bridge, type BridgePort, type NetDevice, type NetNs, Veth, Vxlan } from '../net/index.js';
import { formatIp4, formatMac } from '../wire/index.js';

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
  readonly master?: string;
  readonly operstate: string;
  readonly linkmode: 'DEFAULT';
  readonly group: 'default';
  readonly txqlen: number;
  readonly link_type: 'loopback' | 'ether' | 'none';
  /** Absent for a TUN (`link/none`: no hardware address). */
  readonly address?: string;
  readonly broadcast?: string;
  readonly link_netns?: string;
  /** 1 for a bridge port: the bridge puts its ports in promiscuous and allmulti mode. */
  readonly promiscuity: number;
  readonly allmulti: number;
  readonly min_mtu: number;
  readonly max_mtu: number;
  readonly linkinfo?: LinkInfoJson;
  readonly inet6_addr_gen_mode: 'eui64';
  readonly num_tx_queues: number;
  readonly num_rx_queues: number;
}

/** `linkinfo` of `ip -j -d link`: the kind, a bridge's `info_data`, a bridge port's `info_slave_data`. */
export interface LinkInfoJson {
  readonly info_kind: string;
  readonly info_data?: Readonly<Record<string, DetailValue>>;
  readonly info_slave_kind?: string;
  readonly info_slave_data?: Readonly<Record<string, DetailValue>>;
}

type DetailValue = string | number | boolean;

/**
 * One attribute of a kind's detail line: its text name, its `ip -j` key (none when iproute2 prints it
 * in text only), and its value; `timer` values are seconds printed as `%4i.%.2i`.
 */
interface Detail {
  readonly text: string;
  readonly json: string | undefined;
  readonly value: DetailValue;
  readonly timer?: true;
}

/** A bridge's attributes in iproute2 6.1's order (ip/iplink_bridge.c bridge_print_opt; LAB `ip -d link show cni0`). */
function bridgeDetails(br: Bridge): Detail[] {
  const id = bridgeId(br);
  const d = (text: string, json: string | undefined, value: DetailValue): Detail => ({ text, json, value });
  return [
    d('forward_delay', 'forward_delay', BRIDGE.forwardDelayNs / 1e7),
    d('hello_time', 'hello_time', 200),
    d('max_age', 'max_age', 2000),
    d('ageing_time', 'ageing_time', BRIDGE.ageingNs / 1e7),
    d('stp_state', 'stp_state', 0),
    d('priority', 'priority', BRIDGE.priority),
    d('vlan_filtering', 'vlan_filtering', 0),
    d('bridge_id', 'bridge_id', id),
    d('designated_root', 'root_id', id),
    d('root_port', 'root_port', 0),
    d('root_path_cost', 'root_path_cost', 0),
    d('topology_change', 'topology_change', 0),
    d('topology_change_detected', 'topology_change_detected', 0),
    { text: 'hello_timer', json: 'hello_timer', value: 0, timer: true },
    { text: 'tcn_timer', json: 'tcn_timer', value: 0, timer: true },
    { text: 'topology_change_timer', json: 'topology_change_timer', value: 0, timer: true },
    { text: 'gc_timer', json: 'gc_timer', value: centiseconds(br.gcTimerNs()) / 100, timer: true },
    d('group_fwd_mask', 'group_fwd_mask', '0'),
    d('group_address', 'group_addr', '01:80:c2:00:00:00'),
    d('mcast_snooping', 'mcast_snooping', 1),
    d('no_linklocal_learn', 'no_linklocal_learn', 0),
    d('mcast_vlan_snooping', 'mcast_vlan_snooping', 0),
    d('mcast_router', 'mcast_router', 1),
    d('mcast_query_use_ifaddr', 'mcast_query_use_ifaddr', 0),
    d('mcast_querier', 'mcast_querier', 0),
    d('mcast_hash_elasticity', 'mcast_hash_elasticity', 16),
    d('mcast_hash_max', 'mcast_hash_max', 4096),
    d('mcast_last_member_count', 'mcast_last_member_cnt', 2),
    d('mcast_startup_query_count', 'mcast_startup_query_cnt', 2),
    d('mcast_last_member_interval', 'mcast_last_member_intvl', 100),
    d('mcast_membership_interval', 'mcast_membership_intvl', 26000),
    d('mcast_querier_interval', 'mcast_querier_intvl', 25500),
    d('mcast_query_interval', 'mcast_query_intvl', 12500),
    d('mcast_query_response_interval', 'mcast_query_response_intvl', 1000),
    d('mcast_startup_query_interval', 'mcast_startup_query_intvl', 3124),
    d('mcast_stats_enabled', 'mcast_stats_enabled', 0),
    d('mcast_igmp_version', 'mcast_igmp_version', 2),
    d('mcast_mld_version', 'mcast_mld_version', 1),
    d('nf_call_iptables', 'nf_call_iptables', 0),
    d('nf_call_ip6tables', 'nf_call_ip6tables', 0),
    d('nf_call_arptables', 'nf_call_arptables', 0),
  ];
}

/** A bridge port's attributes in iproute2 6.1's order (ip/iplink_bridge_slave.c; LAB `ip -d link show veth1a`). */
function portDetails(port: BridgePort, now: number): Detail[] {
  const br = port.bridge;
  const id = bridgeId(br);
  const forwarding = port.state === 'forwarding';
  // With STP off the port forwards at once, yet the kernel leaves forward_delay_timer running (LAB).
  const fwdDelay = forwarding ? Math.max(0, port.enslavedAt + BRIDGE.forwardDelayNs - now) : 0;
  const d = (text: string, json: string | undefined, value: DetailValue): Detail => ({ text, json, value });
  return [
    d('state', 'state', port.state),
    d('priority', 'priority', BRIDGE.portPriority),
    d('cost', 'cost', BRIDGE.portCost),
    d('hairpin', 'hairpin', port.hairpin),
    d('guard', 'guard', false),
    d('root_block', 'root_block', false),
    d('fastleave', 'fastleave', false),
    d('learning', 'learning', port.learning),
    d('flood', 'flood', port.flood),
    d('port_id', 'id', `0x${(0x8000 | port.portNo).toString(16)}`),
    d('port_no', 'no', `0x${port.portNo.toString(16)}`),
    d('designated_port', 'designated_port', 0x8000 | port.portNo),
    d('designated_cost', 'designated_cost', 0),
    d('designated_bridge', 'bridge_id', id),
    d('designated_root', 'root_id', id),
    { text: 'hold_timer', json: 'hold_timer', value: 0, timer: true },
    { text: 'message_age_timer', json: 'message_age_timer', value: 0, timer: true },
    {
      text: 'forward_delay_timer',
      json: 'forward_delay_timer',
      value: centiseconds(fwdDelay) / 100,
      timer: true,
    },
    d('topology_change_ack', 'topology_change_ack', 0),
    d('config_pending', 'config_pending', 0),
    d('proxy_arp', 'proxy_arp', false),
    d('proxy_arp_wifi', 'proxy_arp_wifi', false),
    d('mcast_router', 'multicast_router', 1),
    d('mcast_fast_leave', undefined, false),
    d('mcast_flood', 'mcast_flood', true),
    d('bcast_flood', 'bcast_flood', true),
    d('mcast_to_unicast', 'mcast_to_unicast', false),
    d('neigh_suppress', 'neigh_suppress', false),
    d('group_fwd_mask', 'group_fwd_mask', '0'),
    d('group_fwd_mask_str', 'group_fwd_mask_str', '0x0'),
    d('vlan_tunnel', 'vlan_tunnel', false),
    d('isolated', 'isolated', false),
    d('locked', 'locked', false),
  ];
}

/** `8000.<mac>`: bridge priority, then the bridge MAC. */
function bridgeId(br: Bridge): string {
  return `${BRIDGE.priority.toString(16)}.${formatMac(br.mac)}`;
}

function centiseconds(ns: number): number {
  return Math.floor(ns / 1e7);
}

function detailsJson(details: readonly Detail[]): Readonly<Record<string, DetailValue>> {
  const out: Record<string, DetailValue> = {};
  for (const x of details) if (x.json !== undefined) out[x.json] = x.value;
  return out;
}

/** The text form: `name value` pairs, each followed by a space; booleans `on`/`off`, timers `%4i.%.2i`. */
function detailsText(details: readonly Detail[]): string {
  let out = '';
  for (const x of details) {
    let v: string;
    if (x.timer === true && typeof x.value === 'number') {
      const cs = Math.round(x.value * 100);
      v = `${String(Math.floor(cs / 100)).padStart(4)}.${String(cs % 100).padStart(2, '0')}`;
    } else if (typeof x.value === 'boolean') v = x.value ? 'on' : 'off';
    else v = String(x.value);
    out += `${x.text} ${v} `;
  }
  return out;
}

/**
 * A veth's peer as the kernel and iproute2 resolve IFLA_LINK: by ifindex in the veth's own namespace.
 * With the peer in another namespace that index names some unrelated local device (or none).
 */
function lowerByIndex(ns: NetNs, veth: Veth): NetDevice | undefined {
  return veth.peer === undefined ? undefined : ns.device(veth.peer.ifindex);
}

/**
 * IFF_* flags in the order iproute2 prints them. `M-DOWN` (the IFLA_LINK device is down) is looked up in
 * the namespace's own link cache, so only for a peer in the same namespace: iproute2 skips it when
 * `link-netns` is set (OBSERVED-cni.md: a failed ADD's host veth is `<NO-CARRIER,BROADCAST,MULTICAST,UP>`).
 */
function flags(ns: NetNs, dev: NetDevice): string[] {
  const f: string[] = [];
  if (dev.adminUp && !dev.carrier) f.push('NO-CARRIER');
  if (dev.kind === 'loopback') f.push('LOOPBACK');
  else if (dev.kind === 'tun') f.push('POINTOPOINT', 'MULTICAST', 'NOARP');
  else if (dev.kind === 'dummy') f.push('BROADCAST', 'NOARP');
  else f.push('BROADCAST', 'MULTICAST');
  if (dev.adminUp) f.push('UP');
  if (dev.adminUp && dev.carrier) f.push('LOWER_UP');
  else if (dev.adminUp && dev instanceof Veth && !crossNetns(ns, dev)) f.push('M-DOWN');
  return f;
}

function crossNetns(ns: NetNs, veth: Veth): boolean {
  return veth.peerNetns !== undefined && veth.peerNetns !== ns.name;
}

/**
 * IF_OPER_* as iproute2 names it: lo is UNKNOWN; a veth without carrier is LOWERLAYERDOWN when the device
 * its IFLA_LINK index names *in its own namespace* is down, else DOWN (rfc2863_policy's lookup; for a peer
 * in another namespace that is an unrelated device, e.g. cni0 for the failed ADD's host veth: `state DOWN`).
 */
function operstate(ns: NetNs, dev: NetDevice): string {
  if (!dev.adminUp) return 'DOWN';
  if (dev.kind === 'loopback') return 'UNKNOWN';
  if (dev instanceof Bridge || dev.kind === 'vxlan' || dev.kind === 'tun' || dev.kind === 'dummy') {
    return dev.operState;
  }
  if (dev.carrier) return 'UP';
  if (!(dev instanceof Veth)) return 'DOWN';
  const lower = lowerByIndex(ns, dev);
  return lower !== undefined && lower !== dev && !lower.adminUp ? 'LOWERLAYERDOWN' : 'DOWN';
}

/** One device in `ip -j -d link` shape (also the link part of `ip addr`). */
export function describeLink(ns: NetNs, dev: NetDevice): LinkJson {
  const lo = dev.kind === 'loopback';
  const veth = dev instanceof Veth ? dev : undefined;
  const queues = veth !== undefined ? NCPU : 1;
  const master = dev.master;
  const port = master instanceof Bridge ? master.portOf(dev) : undefined;
  const linkinfo = linkInfo(ns, dev, port);
  return {
    ifindex: dev.ifindex,
    ...(veth?.peer !== undefined ? { link_index: veth.peer.ifindex } : {}),
    ifname: dev.name,
    flags: flags(ns, dev),
    mtu: dev.mtu,
    qdisc: !dev.activated
      ? 'noop'
      : lo || veth !== undefined || dev instanceof Bridge || dev.kind === 'vxlan' || dev.kind === 'dummy'
        ? 'noqueue'
        : 'fq_codel',
    ...(master !== undefined ? { master: master.name } : {}),
    operstate: operstate(ns, dev),
    linkmode: 'DEFAULT',
    group: 'default',
    txqlen: dev.txqlen,
    link_type: lo ? 'loopback' : dev.kind === 'tun' ? 'none' : 'ether',
    ...(dev.kind === 'tun'
      ? {}
      : { address: formatMac(dev.mac), broadcast: lo ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff' }),
    ...(veth?.peerNetns !== undefined && veth.peerNetns !== ns.name ? { link_netns: veth.peerNetns } : {}),
    promiscuity: port !== undefined ? 1 : 0,
    allmulti: port !== undefined ? 1 : 0,
    min_mtu: lo || dev.kind === 'dummy' ? 0 : 68,
    max_mtu: lo || dev.kind === 'dummy' ? 0 : 65535,
    ...(linkinfo !== undefined ? { linkinfo } : {}),
    inet6_addr_gen_mode: 'eui64',
    num_tx_queues: queues,
    num_rx_queues: queues,
  };
}

function linkInfo(ns: NetNs, dev: NetDevice, port: BridgePort | undefined): LinkInfoJson | undefined {
  const slave =
    port !== undefined
      ? { info_slave_kind: 'bridge', info_slave_data: detailsJson(portDetails(port, ns.sim.now)) }
      : {};
  if (dev instanceof Bridge)
    return { info_kind: 'bridge', info_data: detailsJson(bridgeDetails(dev)), ...slave };
  if (dev instanceof Veth) return { info_kind: 'veth', ...slave };
  if (dev instanceof Vxlan) return { info_kind: 'vxlan', info_data: vxlanJson(dev) };
  if (dev.kind === 'tun') return { info_kind: 'tun', info_data: { type: 'tun', pi: false, vnet_hdr: false } };
  if (dev.kind === 'dummy') return { info_kind: 'dummy' };
  return undefined;
}

/** `ip -j -d link` data, in ifindex order. */
export function linkJson(ns: NetNs): LinkJson[] {
  return ns.devices().map((d) => describeLink(ns, d));
}

/**
 * `ip -d link show`: lo and a physical NIC take two lines; a veth or bridge adds its kind on a third line
 * with the bridge's attributes, and a bridge port one more line of `bridge_slave` attributes. iproute2
 * ends the detail lines with a space and puts two spaces before `allmulti`; a port's first line names its
 * bridge (`master cni0`).
 */
export function ipLink(ns: NetNs): string {
  let out = '';
  for (const dev of ns.devices()) {
    const j = describeLink(ns, dev);
    const peer = j.link_index !== undefined ? `@if${j.link_index}` : '';
    const master = j.master !== undefined ? ` master ${j.master}` : '';
    const head = `${j.ifindex}: ${j.ifname}${peer}: <${j.flags.join(',')}> mtu ${j.mtu} qdisc ${j.qdisc}${master} state ${j.operstate} mode ${j.linkmode} group ${j.group}${j.txqlen > 0 ? ` qlen ${j.txqlen}` : ' '}\n`;
    const netns = j.link_netns !== undefined ? ` link-netns ${j.link_netns}` : '';
    const hw = j.address === undefined ? ' ' : ` ${j.address} brd ${j.broadcast}`;
    const link = `    link/${j.link_type}${hw}${netns} promiscuity ${j.promiscuity}  allmulti ${j.allmulti} minmtu ${j.min_mtu} maxmtu ${j.max_mtu} `;
    const rest = `addrgenmode ${j.inet6_addr_gen_mode} numtxqueues ${j.num_tx_queues} numrxqueues ${j.num_rx_queues} ${GSO}`;
    if (j.linkinfo === undefined) {
      out += `${head}${link}${rest}\n`;
      continue;
    }
    let kind = `${j.linkinfo.info_kind} `;
    if (dev instanceof Bridge) kind += detailsText(bridgeDetails(dev));
    if (dev instanceof Vxlan) kind += vxlanText(dev);
    if (dev.kind === 'tun') kind += 'type tun pi off vnet_hdr off persist off ';
    const owner = dev.master;
    const port = owner instanceof Bridge ? owner.portOf(dev) : undefined;
    if (port !== undefined) kind += `\n    bridge_slave ${detailsText(portDetails(port, ns.sim.now))}`;
    out += `${head}${link}\n    ${kind}${rest}\n`;
  }
  return out;
}

/**
 * A VXLAN device's attributes in iproute2 6.1's order (ip/iplink_vxlan.c vxlan_print_opt), for a device
 * made as flannel makes it (reference flannel.md §3.1, LAB): `srcport 0 0` (the kernel's port range),
 * `ttl auto`, ageing 300 s, UDP checksums on.
 */
function vxlanText(dev: Vxlan): string {
  const c = dev.config;
  const learning = c.learning ? '' : 'nolearning ';
  return `id ${c.vni} local ${formatIp4(c.local)} dev ${c.lowerDev} srcport 0 0 dstport ${c.dstPort} ${learning}ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx `;
}

function vxlanJson(dev: Vxlan): Readonly<Record<string, DetailValue>> {
  const c = dev.config;
  return {
    id: c.vni,
    local: formatIp4(c.local),
    link: c.lowerDev,
    port: c.dstPort,
    learning: c.learning,
    ageing: 300,
    udp_csum: true,
    udp_zero_csum6_tx: false,
    udp_zero_csum6_rx: false,
  };
}
