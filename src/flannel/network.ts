import { PeerTable } from '../net/index.js';
import type { Sim } from '../sim/index.js';
import type { Mac } from '../wire/index.js';
import type { Flanneld } from './flanneld.js';
import type { Lease } from './lease.js';
import type { FlannelLog, FlannelLogBatch } from './log.js';
import { addingSubnetText } from './vxlan-backend.js';

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
  /**
   * The members in join order. Appended to as nodes join and replaced (never changed in place) when one
   * leaves: a log batch reads its first `count` entries whenever the log is read.
   */
  private order: Flanneld[] = [];
  /**
   * Members whose lease events are not all alike: not following the peer table (never, or not any
   * more), or logging elsewhere than the first member. While there are none, every member's handling of
   * a vxlan lease the table holds is one "adding subnet" line, and a join logs them in two batches.
   */
  private readonly irregular = new Set<Flanneld>();
  /** The first member's log and simulator, which a member must share to be regular. */
  private first: { readonly log: FlannelLog; readonly sim: Sim } | undefined;
  private readonly peers: PeerTable<Lease> | undefined;

  constructor(options: FlannelNetworkOptions = {}) {
    this.peers = options.sharePeers === false ? undefined : new PeerTable<Lease>();
  }

  /** The shared vxlan peer table (undefined when sharing is off). */
  get peerTable(): PeerTable<Lease> | undefined {
    return this.peers;
  }

  /**
   * Starts the node's flanneld and exchanges leases with every member, in join order: the joiner handles
   * each member's lease, then each member handles the joiner's. When all of them follow the peer table
   * that handling only logs, so the lines are written as two batches instead of one call per pair.
   */
  join(d: Flanneld): Lease {
    const fresh = d.lease === undefined;
    const lease = d.start(this.peers, () => {
      if (this.members.get(d.config.node) === d) this.irregular.add(d);
    });
    if (this.members.has(lease.node)) return lease;
    this.first ??= { log: d.log, sim: d.ns.sim };
    const log = this.first.log;
    const regular = fresh && d.log === log && d.ns.sim === this.first.sim;
    const order = this.order;
    const count = order.length;
    const now = d.ns.sim.now;
    if (regular && d.sharing && this.irregular.size === 0) log.writeBatch(now, joinerLines(d, order, count));
    else for (const m of order) d.handle({ type: 'added', lease: m.lease as Lease });
    // In the table before anyone handles it: sharing members then find their entries there.
    this.publish(lease, now);
    if (regular && d.sharing && this.irregular.size === 0 && this.holds(lease))
      log.writeBatch(now, memberLines(order, count, lease));
    else for (const m of order) m.handle({ type: 'added', lease });
    this.members.set(lease.node, d);
    this.order.push(d);
    if (!regular || !d.sharing) this.irregular.add(d);
    return lease;
  }

  /** `kubectl delete node`: every other flanneld removes the node's routes, neighbours and FDB entries. */
  leave(node: string): boolean {
    const d = this.members.get(node);
    const lease = d?.lease;
    if (d === undefined || lease === undefined) return false;
    this.members.delete(node);
    this.order = this.order.filter((m) => m !== d);
    this.irregular.delete(d);
    // The deleted node's flanneld hears nothing more: it keeps the entries it holds now as its own.
    d.unshare();
    for (const m of this.order) m.handle({ type: 'removed', lease });
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

  /** Whether the shared table holds `lease` itself. */
  private holds(lease: Lease): boolean {
    return this.peers?.at(lease.subnet.network, lease.subnet.prefixLen)?.data === lease;
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

/** The joiner's "adding subnet" line for each of the first `count` members of `order`. */
function joinerLines(d: Flanneld, order: readonly Flanneld[], count: number): FlannelLogBatch {
  const node = d.config.node;
  return {
    count,
    node: () => node,
    text: (i) => addingSubnetLine(order[i] as Flanneld),
  };
}

/** Each of the first `count` members' "adding subnet" line for the joiner's lease. */
function memberLines(order: readonly Flanneld[], count: number, lease: Lease): FlannelLogBatch {
  return {
    count,
    node: (i) => (order[i] as Flanneld).config.node,
    text: () => addingSubnetText(lease, lease.vtepMac as Mac),
  };
}

function addingSubnetLine(m: Flanneld): string {
  const lease = m.lease as Lease;
  return addingSubnetText(lease, lease.vtepMac as Mac);
}
