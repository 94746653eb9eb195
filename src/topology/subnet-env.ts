/**
 * flanneld's `/run/flannel/subnet.env` for a node, computed from the topology alone (pure, no I/O): the
 * cluster network, the node's lease (its podCIDR) with the first address as cni0's gateway, the backend
 * MTU and ip-masq. The flannel CNI plugin reads exactly these four values (reference/flannel.md §2).
 */

import { BACKEND_OVERHEAD } from '../flannel/index.js';
import type { Ip4 } from '../wire/index.js';
import { type Cidr, formatCidr, formatIp4 } from './addr.js';
import type { NodeSpec, Topology } from './types.js';

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
  const backend = topology.network.backend;
  return segment.mtu - BACKEND_OVERHEAD[backend === 'vxlan-directrouting' ? 'vxlan' : backend];
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
