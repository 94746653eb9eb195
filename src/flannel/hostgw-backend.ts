import { formatIp4 } from '../wire/index.js';
import {
  type Backend,
  type BackendContext,
  backendMtu,
  errnoText,
  formatSubnet,
  netlinkRoute,
} from './backend.js';
import type { Lease } from './lease.js';

/**
 * host-gw (pkg/backend/hostgw, route_network.go): one route per remote lease straight to the peer's
 * public IP through the external interface. The kernel refuses a gateway that is not on a connected
 * subnet, so a peer in another rack gets no route and flanneld logs the error — host-gw needs every
 * node on one L2 segment.
 */
export class HostGwBackend implements Backend {
  readonly type = 'host-gw' as const;
  readonly mtu: number;

  constructor(private readonly ctx: BackendContext) {
    this.mtu = backendMtu(ctx, 'host-gw');
  }

  start(): Pick<Lease, 'vni' | 'vtepMac'> {
    return {};
  }

  added(lease: Lease): void {
    const { ns, extIface, log } = this.ctx;
    log('I', `Subnet added: ${formatSubnet(lease.subnet)} via ${formatIp4(lease.publicIp)}`);
    const { network, prefixLen } = lease.subnet;
    const err = ns.replaceRoute({ dst: network, prefixLen, gateway: lease.publicIp, dev: extIface });
    if (err !== undefined) {
      const ifindex = ns.deviceByName(extIface)?.ifindex ?? 0;
      log(
        'E',
        `Error adding route to ${netlinkRoute(ifindex, lease.subnet, lease.publicIp)}: ${errnoText(err)}`,
      );
    }
  }

  removed(lease: Lease): void {
    const { ns, log } = this.ctx;
    log('I', `Subnet removed: ${formatSubnet(lease.subnet)}`);
    if (!ns.deleteRoute(lease.subnet.network, lease.subnet.prefixLen, lease.publicIp)) {
      log('E', `Error deleting route to ${formatSubnet(lease.subnet)}: no such process`);
    }
  }
}
