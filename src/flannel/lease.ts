import type { Ip4, Mac } from '../wire/index.js';

/** flannel's backend types (`Backend.Type` of net-conf.json). DirectRouting is a flag of vxlan. */
export type BackendType = 'vxlan' | 'host-gw' | 'udp';

/** An IPv4 prefix. */
export interface Subnet {
  readonly network: Ip4;
  readonly prefixLen: number;
}

/**
 * A node's subnet lease as the kube subnet manager builds it from the Node object: the podCIDR, and the
 * `flannel.alpha.coreos.com/*` annotations flanneld wrote on start (public-ip, backend-type,
 * backend-data with the VTEP MAC for vxlan). Peers program their datapath from exactly this.
 */
export interface Lease {
  readonly node: string;
  readonly subnet: Subnet;
  readonly publicIp: Ip4;
  readonly backendType: BackendType;
  /** vxlan only: `backend-data` `{"VNI":1,"VtepMAC":"…"}`. */
  readonly vni?: number;
  readonly vtepMac?: Mac;
}

/** A lease event of the subnet watch (pkg/lease: EventAdded / EventRemoved). */
export interface LeaseEvent {
  readonly type: 'added' | 'removed';
  readonly lease: Lease;
}
