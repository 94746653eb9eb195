import { PeerTable } from '../net/index.js';
import type { Flanneld } from './flanneld.js';
import type { Lease } from './lease.js';

/** Options of a FlannelNetwork. */
export interface FlannelNetworkOptions {
  /**
   * Whether vxlan nodes share their per-peer entries through one PeerTable (default true). False makes
   * every node program its own, as flanneld does: the reference the shared table must be equal to.
   */
  readonly sharePeers?: boolean;
}

/**
 * The kube subnet manager seen from all nodes at once: Node objects carrying flannel's annotations.
 * A node joining (its flanneld started, its Node annotated) is an EventAdded for every other flanneld,
 * and the joiner's watch first lists every existing lease. Deleting the Node object is an EventRemoved
 * for the others. A node that is merely NotReady keeps its entries everywhere (flannel.md §1).
 *
 * Every vxlan flanneld thus holds "every other member's lease, in join order": the network keeps each
 * vxlan lease's route, neighbour and FDB entry once, in a PeerTable its vxlan nodes attach to, so N
 * nodes cost N entries rather than N². A lease the table cannot take (its subnet, address or VTEP MAC
 * is another's) closes the table: every node then programs its own entries, as before.
 */
export class FlannelNetwork {
  private readonly members = new Map<string, Flanneld>();
  private readonly peers: PeerTable<Lease> | undefined;

  constructor(options: FlannelNetworkOptions = {}) {
    this.peers = options.sharePeers === false ? undefined : new PeerTable<Lease>();
  }

  /** The shared vxlan peer table (undefined when sharing is off). */
  get peerTable(): PeerTable<Lease> | undefined {
    return this.peers;
  }

  /** Starts the node's flanneld and exchanges leases with every member, in join order. */
  join(d: Flanneld): Lease {
    const lease = d.start(this.peers);
    if (this.members.has(lease.node)) return lease;
    for (const m of this.members.values()) {
      const theirs = m.lease;
      if (theirs !== undefined) d.handle({ type: 'added', lease: theirs });
    }
    // In the table before anyone handles it: sharing members then find their entries there.
    this.publish(lease, d.ns.sim.now);
    for (const m of this.members.values()) m.handle({ type: 'added', lease });
    this.members.set(lease.node, d);
    return lease;
  }

  /** `kubectl delete node`: every other flanneld removes the node's routes, neighbours and FDB entries. */
  leave(node: string): boolean {
    const d = this.members.get(node);
    const lease = d?.lease;
    if (d === undefined || lease === undefined) return false;
    this.members.delete(node);
    // The deleted node's flanneld hears nothing more: it keeps the entries it holds now as its own.
    d.unshare();
    for (const m of this.members.values()) m.handle({ type: 'removed', lease });
    const e = this.peers?.at(lease.subnet.network, lease.subnet.prefixLen);
    if (e !== undefined && e.data === lease) this.peers?.remove(e);
    return true;
  }

  has(node: string): boolean {
    return this.members.has(node);
  }

  /** Published leases, in join order. */
  leases(): readonly Lease[] {
    const out: Lease[] = [];
    for (const m of this.members.values()) if (m.lease !== undefined) out.push(m.lease);
    return out;
  }

  member(node: string): Flanneld | undefined {
    return this.members.get(node);
  }

  /** A vxlan lease goes into the shared table; one it cannot take closes it. */
  private publish(lease: Lease, nowNs: number): void {
    const table = this.peers;
    if (table === undefined || table.closed) return;
    if (lease.backendType !== 'vxlan' || lease.vtepMac === undefined) return;
    const { network, prefixLen } = lease.subnet;
    const spec = { dst: network, prefixLen, gateway: network, mac: lease.vtepMac, remote: lease.publicIp };
    if (table.add(spec, lease, nowNs) === undefined) table.close();
  }
}
