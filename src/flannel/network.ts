import type { Flanneld } from './flanneld.js';
import type { Lease } from './lease.js';

/**
 * The kube subnet manager seen from all nodes at once: Node objects carrying flannel's annotations.
 * A node joining (its flanneld started, its Node annotated) is an EventAdded for every other flanneld,
 * and the joiner's watch first lists every existing lease. Deleting the Node object is an EventRemoved
 * for the others. A node that is merely NotReady keeps its entries everywhere (flannel.md §1).
 */
export class FlannelNetwork {
  private readonly members = new Map<string, Flanneld>();

  /** Starts the node's flanneld and exchanges leases with every member, in join order. */
  join(d: Flanneld): Lease {
    const lease = d.start();
    if (this.members.has(lease.node)) return lease;
    for (const m of this.members.values()) {
      const theirs = m.lease;
      if (theirs !== undefined) d.handle({ type: 'added', lease: theirs });
    }
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
    for (const m of this.members.values()) m.handle({ type: 'removed', lease });
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
}
