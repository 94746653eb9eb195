/**
 * flanneld's `/run/flannel/subnet.env` for a node, computed from the topology alone (pure, no I/O): the
 * cluster network, the node's lease (its podCIDR) with the first address as cni0's gateway, the backend
 * MTU and ip-masq. The flannel CNI plugin reads exactly these four values (reference/flannel.md §2).
 */

import type { Ip4 } from '../wire/index.js';
import { type Cidr, formatCidr, formatIp4 } from './addr.js';
import type { FlannelBackend, NodeSpec, Topology } from './types.js';

/** Bytes each backend adds in front of a pod packet on the underlay (flannel.md §3.1, §4, §5). */
const BACKEND_OVERHEAD: Readonly<Record<FlannelBackend, number>> = {
  // outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 (`devAttrs.MTU - 50`, pkg/backend/vxlan/device.go)
  vxlan: 50,
  'vxlan-directrouting': 50,
  // host-gw routes pod packets unchanged
  'host-gw': 0,
  // outer IPv4 20 + UDP 8, raw IP inside (pkg/backend/udp)
  udp: 28,
};

/** The contents of `/run/flannel/subnet.env` for one node. */
export interface SubnetEnv {
  /** `FLANNEL_NETWORK`: the cluster network (`Network` of net-conf.json, our clusterCIDR). */
  readonly network: Cidr;
  /** `FLANNEL_SUBNET`: the lease's first address (cni0's gateway, `10.244.1.1`) with the lease's prefix. */
  readonly subnet: { readonly ip: Ip4; readonly prefixLen: number };
  /** `FLANNEL_MTU`: the backend MTU, the underlay MTU less the backend's overhead. */
  readonly mtu: number;
  /** `FLANNEL_IPMASQ`: flanneld's `--ip-masq`, on in the stock kube-flannel.yml. */
  readonly ipMasq: boolean;
}

/** The backend MTU of a node: its underlay segment's MTU less what the backend adds. */
export function flannelMtu(topology: Topology, node: NodeSpec): number {
  const segment = topology.segments.find((s) => s.name === node.segment);
  if (segment === undefined)
    throw new RangeError(`node ${node.name}: no segment ${node.segment} in the topology`);
  return segment.mtu - BACKEND_OVERHEAD[topology.network.backend];
}

/** What flanneld writes to `/run/flannel/subnet.env` on `node` once its backend is up. */
export function subnetEnv(topology: Topology, node: NodeSpec): SubnetEnv {
  return {
    network: topology.network.clusterCIDR,
    subnet: { ip: node.podCIDR.network + 1, prefixLen: node.podCIDR.prefixLen },
    mtu: flannelMtu(topology, node),
    ipMasq: topology.network.ipMasq,
  };
}

/** The file text, byte for byte as flanneld's `WriteSubnetFile` writes it: four keys in this order. */
export function renderSubnetEnv(env: SubnetEnv): string {
  return [
    `FLANNEL_NETWORK=${formatCidr(env.network)}`,
    `FLANNEL_SUBNET=${formatIp4(env.subnet.ip)}/${env.subnet.prefixLen}`,
    `FLANNEL_MTU=${env.mtu}`,
    `FLANNEL_IPMASQ=${String(env.ipMasq)}`,
    '',
  ].join('\n');
}
