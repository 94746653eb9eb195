import type { NetNs } from '../net/index.js';
import { formatIp4, type Ip4, VXLAN_OVERHEAD } from '../wire/index.js';
import type { BackendType, Lease, Subnet } from './lease.js';
import type { FlannelLogLine, FlannelLogText } from './log.js';

/** What a backend knows of its node: the namespace it programs and flanneld's settings. */
export interface BackendContext {
  readonly ns: NetNs;
  readonly node: string;
  /** `Network` of net-conf.json: the cluster CIDR. */
  readonly network: Subnet;
  /** This node's lease (its podCIDR). */
  readonly lease: Subnet;
  /** The `public-ip`: the address of the external interface. */
  readonly publicIp: Ip4;
  /** The external interface (`--iface`, else the default route's): `eth0`. */
  readonly extIface: string;
  /** Writes a line to flanneld's log; a function text is made only if the line is read. */
  readonly log: (severity: FlannelLogLine['severity'], text: FlannelLogText) => void;
}

/** One flannel backend on one node: the device it sets up and what it programs per remote lease. */
export interface Backend {
  readonly type: BackendType;
  /** The backend MTU (`FLANNEL_MTU`). */
  readonly mtu: number;
  /** Sets up the device(s); returns the backend data published in the node's lease. */
  start(): Pick<Lease, 'vni' | 'vtepMac'>;
  /** EventAdded for a remote lease. */
  added(lease: Lease): void;
  /** EventRemoved for a remote lease. */
  removed(lease: Lease): void;
}

/**
 * Bytes each backend puts in front of a pod packet on the underlay, so its MTU (FLANNEL_MTU) is the
 * external interface's less this (reference flannel.md §3.1, §4, §5).
 */
export const BACKEND_OVERHEAD: Readonly<Record<BackendType, number>> = {
  // outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 (`devAttrs.MTU - 50`, pkg/backend/vxlan/device.go)
  vxlan: VXLAN_OVERHEAD,
  // host-gw routes pod packets unchanged
  'host-gw': 0,
  // outer IPv4 20 + UDP 8, raw IP inside (pkg/backend/udp)
  udp: 28,
};

/** The backend MTU on a node: its external interface's MTU less the backend's overhead. */
export function backendMtu(ctx: BackendContext, type: BackendType): number {
  return (ctx.ns.deviceByName(ctx.extIface)?.mtu ?? 1500) - BACKEND_OVERHEAD[type];
}

/** A prefix as Go's net.IPNet prints it: `10.244.2.0/24`. */
export function formatSubnet(s: Subnet): string {
  return `${formatIp4(s.network)}/${s.prefixLen}`;
}

/**
 * A route as vishvananda/netlink's Route.String() prints it in flanneld's errors:
 * `{Ifindex: 2 Dst: 10.244.2.0/24 Src: <nil> Gw: 192.168.57.11 Flags: [] Table: 0 Realm: 0}`.
 */
export function netlinkRoute(ifindex: number, dst: Subnet, gw: Ip4 | undefined, onlink = false): string {
  const g = gw === undefined ? '<nil>' : formatIp4(gw);
  const flags = onlink ? '[onlink]' : '[]';
  return `{Ifindex: ${ifindex} Dst: ${formatSubnet(dst)} Src: <nil> Gw: ${g} Flags: ${flags} Table: 0 Realm: 0}`;
}

/** The errno text Go prints for what the kernel answers a route it refuses (ENETUNREACH, ENODEV, EEXIST). */
export function errnoText(
  err: 'Cannot find device' | 'Nexthop has invalid gateway.' | 'File exists',
): string {
  if (err === 'Nexthop has invalid gateway.') return 'network is unreachable';
  if (err === 'Cannot find device') return 'no such device';
  return 'file exists';
}
