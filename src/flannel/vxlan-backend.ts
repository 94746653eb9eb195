import type { PeerEntry, PeerTable, PeerView, Vxlan } from '../net/index.js';
import { formatIp4, formatMac, type Mac, VXLAN_PORT_LINUX } from '../wire/index.js';
import {
  type Backend,
  type BackendContext,
  backendMtu,
  errnoText,
  formatSubnet,
  netlinkRoute,
} from './backend.js';
import type { Lease } from './lease.js';

/** flannel's `defaultVNI`; the device is named `flannel.<VNI>`. */
export const FLANNEL_VNI = 1;

/** The line flanneld's vxlan backend logs as it programs a peer's lease (handleSubnetEvents). */
export function addingSubnetText(lease: Lease, mac: Mac): string {
  return `adding subnet: ${formatSubnet(lease.subnet)} PublicIP: ${formatIp4(lease.publicIp)} VtepMAC: ${formatMac(mac)}`;
}

/**
 * The vxlan backend (pkg/backend/vxlan): `flannel.1` with VNI 1, the kernel's port 8472, learning off,
 * `local` the public IP, MTU 50 below the external interface's, and the lease's network address as a /32.
 * Per remote lease, in this order: a permanent ARP entry for the peer's `10.244.M.0`, a permanent FDB
 * entry from the peer's VTEP MAC to its public IP, then the onlink route (last, so the kernel never ARPs
 * for the gateway). With DirectRouting a peer whose public IP is on-link gets a plain host-gw route
 * instead (vxlan_network.go).
 *
 * Those entries are alike on every node, so a node normally shares them: `share` attaches it to the
 * FlannelNetwork's PeerTable, where each lease's route, neighbour and FDB entry is kept once for all
 * nodes, and `added`/`removed` of a lease the table holds only log. The node falls back to programming
 * its own entries (the table's become real ones first) as soon as anything else touches them.
 */
export class VxlanBackend implements Backend {
  readonly type = 'vxlan' as const;
  readonly mtu: number;
  private dev: Vxlan | undefined;
  /** Leases programmed as direct routes (DirectRouting), by node. */
  private readonly direct = new Set<string>();
  /** The node's view of the shared peer table while it shares one. */
  private view: PeerView<Lease> | undefined;

  constructor(
    private readonly ctx: BackendContext,
    private readonly directRouting: boolean,
    private readonly vtepMac: number,
  ) {
    this.mtu = backendMtu(ctx, 'vxlan');
  }

  start(): Pick<Lease, 'vni' | 'vtepMac'> {
    const { ns, lease, publicIp, extIface } = this.ctx;
    const name = `flannel.${FLANNEL_VNI}`;
    this.dev = ns.addVxlan({
      name,
      mac: this.vtepMac,
      mtu: this.mtu,
      vni: FLANNEL_VNI,
      local: publicIp,
      lowerDev: extIface,
      dstPort: VXLAN_PORT_LINUX,
      learning: false,
    });
    ns.addAddress(name, lease.network, 32);
    return { vni: FLANNEL_VNI, vtepMac: this.vtepMac };
  }

  /**
   * Follows `table` instead of programming each lease the table holds (not with DirectRouting: its
   * choice is per node). `onDetach` is told the leases the node held once it programs its own again.
   */
  share(
    table: PeerTable<Lease>,
    onDetach: (held: readonly PeerEntry<Lease>[]) => void,
  ): PeerView<Lease> | undefined {
    const { ns, lease } = this.ctx;
    const dev = this.dev;
    if (dev === undefined || this.directRouting) return undefined;
    const self = { network: lease.network, prefixLen: lease.prefixLen };
    this.view = table.attach({ main: ns.main, neigh: ns.neigh, dev, self, onDetach }, ns.sim.now);
    return this.view;
  }

  /** Whether the node's entries for `lease` are the shared table's. */
  private shares(lease: Lease): boolean {
    const v = this.view;
    if (v === undefined || !v.attached) return false;
    return v.peerAt(lease.subnet.network, lease.subnet.prefixLen)?.data.node === lease.node;
  }

  added(lease: Lease): void {
    const { ns, log } = this.ctx;
    const dev = this.dev;
    if (dev === undefined || lease.vtepMac === undefined) return;
    const { network, prefixLen } = lease.subnet;
    if (this.directRouting) {
      const r = ns.routeOutput(lease.publicIp);
      if (r.ok && r.route.gateway === undefined && r.dev.kind !== 'loopback') {
        log(
          'I',
          `Adding direct route to subnet: ${formatSubnet(lease.subnet)} PublicIP: ${formatIp4(lease.publicIp)}`,
        );
        const err = ns.replaceRoute({ dst: network, prefixLen, gateway: lease.publicIp, dev: r.dev.name });
        if (err !== undefined)
          log(
            'E',
            `Error adding route to ${netlinkRoute(r.dev.ifindex, lease.subnet, lease.publicIp)}: ${errnoText(err)}`,
          );
        else this.direct.add(lease.node);
        return;
      }
    }
    const mac = lease.vtepMac;
    // One line per node pair: made only if read (FlannelLog keeps the last few thousand).
    log('I', () => addingSubnetText(lease, mac));
    if (this.shares(lease)) return;
    ns.neigh.setPermanent(dev.ifindex, network, lease.vtepMac);
    dev.fdbAdd(lease.vtepMac, lease.publicIp);
    const err = ns.replaceRoute({ dst: network, prefixLen, gateway: network, dev: dev.name, onlink: true });
    if (err !== undefined) {
      log('E', `AddVXLANRoute failed: ${errnoText(err)}`);
      ns.neigh.delete(dev.ifindex, network);
      dev.fdbDelete(lease.vtepMac);
    }
  }

  removed(lease: Lease): void {
    const { ns, log } = this.ctx;
    const dev = this.dev;
    if (dev === undefined) return;
    const { network, prefixLen } = lease.subnet;
    log('I', () => `removing subnet: ${formatSubnet(lease.subnet)} PublicIP: ${formatIp4(lease.publicIp)}`);
    if (this.direct.delete(lease.node)) {
      ns.deleteRoute(network, prefixLen, lease.publicIp);
      return;
    }
    // The table drops the lease (and this node's copy of its neighbour) once every node handled this.
    if (this.shares(lease)) return;
    // Errors are ignored one by one, as flannel does: each step runs regardless of the others.
    ns.neigh.delete(dev.ifindex, network);
    if (lease.vtepMac !== undefined) dev.fdbDelete(lease.vtepMac);
    ns.deleteRoute(network, prefixLen, network);
  }
}
