/**
 * The kubelet's node-status loop (pkg/kubelet/kubelet_node_status.go, nodelease controller): every renew
 * interval the kubelet renews its Lease `kube-node-lease/<node>` — the heartbeat the node lifecycle
 * controller watches — and recomputes the node's conditions; it posts the Node status only when a
 * condition changed or nodeStatusReportFrequency (5 min) has passed since the last post
 * (tryUpdateNodeStatus, with the Lease as the heartbeat).
 *
 * `stop()` models a failed node: no more renewals or posts. `start()` again is the recovery: an
 * immediate renew, and a post because Ready goes back to True.
 */

import type { ControlPlaneContext, Lease, Node, NodeCondition } from '../api/index.js';

const SECOND = 1_000_000_000;
/** kubelet nodeStatusReportFrequency default. */
export const NODE_STATUS_REPORT_FREQUENCY_NS = 300 * SECOND;
/** kubelet nodeLeaseDurationSeconds default. */
export const NODE_LEASE_DURATION_SECONDS = 40;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The conditions the kubelet's setters own, in the order they append them (nodestatus setters). */
const KUBELET_CONDITIONS: readonly Pick<NodeCondition, 'type' | 'status' | 'reason' | 'message'>[] = [
  {
    type: 'MemoryPressure',
    status: 'False',
    reason: 'KubeletHasSufficientMemory',
    message: 'kubelet has sufficient memory available',
  },
  {
    type: 'DiskPressure',
    status: 'False',
    reason: 'KubeletHasNoDiskPressure',
    message: 'kubelet has no disk pressure',
  },
  {
    type: 'PIDPressure',
    status: 'False',
    reason: 'KubeletHasSufficientPID',
    message: 'kubelet has sufficient PID available',
  },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

export interface NodeHeartbeatOptions {
  /** Override of nodeStatusReportFrequency, ns. */
  readonly statusReportFrequencyNs?: number;
}

export class NodeHeartbeat {
  private epoch = 0;
  private running = false;
  private lastReport = Number.NEGATIVE_INFINITY;
  private readonly reportFrequency: number;

  constructor(
    private readonly ctx: ControlPlaneContext,
    readonly nodeName: string,
    options: NodeHeartbeatOptions = {},
  ) {
    this.reportFrequency = options.statusReportFrequencyNs ?? NODE_STATUS_REPORT_FREQUENCY_NS;
  }

  /** True between start() and stop(). */
  get alive(): boolean {
    return this.running;
  }

  /** Starts (or resumes after a failure) the loop with an immediate renew and status sync. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const epoch = ++this.epoch;
    this.beat();
    this.ctx.sim.daemon(this.ctx.timings.nodeLeaseRenewNs, this.loop, epoch);
  }

  /** The node fails: no more heartbeats (a pending loop event finds its epoch stale and ends). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.epoch++;
  }

  private readonly loop = (epoch: number): void => {
    if (epoch !== this.epoch) return;
    this.beat();
    this.ctx.sim.daemon(this.ctx.timings.nodeLeaseRenewNs, this.loop, epoch);
  };

  private beat(): void {
    const node = this.ctx.store.tryGet<Node>('Node', undefined, this.nodeName);
    if (node === undefined) return; // not registered: nothing to renew for
    this.renewLease(node);
    this.syncStatus(node);
  }

  /** nodelease controller: create the Lease (owned by the Node) or move its renewTime. */
  private renewLease(node: Node): void {
    const store = this.ctx.store;
    const now = this.ctx.sim.now;
    const lease = store.tryGet<Lease>('Lease', NODE_LEASE_NAMESPACE, this.nodeName);
    if (lease === undefined) {
      store.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.nodeName,
          namespace: NODE_LEASE_NAMESPACE,
          ownerReferences: [
            { apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid },
          ],
        },
        spec: {
          holderIdentity: this.nodeName,
          leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS,
          renewTime: now,
        },
      });
      return;
    }
    store.update({
      ...lease,
      metadata: { ...lease.metadata, resourceVersion: '' },
      spec: { ...lease.spec, renewTime: now },
    });
  }

  /** setNodeStatus + tryUpdateNodeStatus: post when a condition changed or the report is due. */
  private syncStatus(node: Node): void {
    const now = this.ctx.sim.now;
    const current = node.status?.conditions ?? [];
    let changed = false;
    const next: NodeCondition[] = current.map((c) => {
      const want = KUBELET_CONDITIONS.find((k) => k.type === c.type);
      if (want === undefined) return c;
      const same = c.status === want.status && c.reason === want.reason && c.message === want.message;
      if (!same) changed = true;
      return {
        ...want,
        lastHeartbeatTime: now,
        lastTransitionTime:
          c.status === want.status && c.lastTransitionTime !== undefined ? c.lastTransitionTime : now,
      };
    });
    for (const want of KUBELET_CONDITIONS) {
      if (current.some((c) => c.type === want.type)) continue;
      changed = true;
      next.push({ ...want, lastHeartbeatTime: now, lastTransitionTime: now });
    }
    if (!changed && now - this.lastReport < this.reportFrequency) return;
    this.ctx.store.updateStatus({ ...node, status: { ...node.status, conditions: next } });
    this.lastReport = now;
  }
}
