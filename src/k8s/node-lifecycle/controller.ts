/**
 * The node lifecycle controller of kube-controller-manager (pkg/controller/nodelifecycle): every
 * --node-monitor-period it checks each node's heartbeat (its Lease renewTime, or a changed Ready
 * lastHeartbeatTime); a node silent for --node-monitor-grace-period gets all kubelet conditions set to
 * Unknown (tryUpdateNodeHealth) and its pods marked not Ready (MarkPodsNotReady). NoSchedule condition
 * taints follow every Node change (doNoScheduleTaintingPass); NoExecute not-ready/unreachable taints are
 * added through a per-zone rate-limited queue (doNoExecuteTaintingPass, 0.1 nodes/s) and removed when
 * the node is Ready again (markNodeAsReachable). Zone disruption states scale that rate, and when every
 * zone is fully disrupted all NoExecute taints are lifted (handleDisruption).
 *
 * The NoExecute pass runs on demand (when the queue has work) instead of every 100 ms; it is scheduled
 * NODE_EVICTION_PERIOD after the monitor pass that queued a node, so the timing matches the real loop.
 */

import type { ControlPlaneContext, Lease, Node, NodeCondition, Pod } from '../api/index.js';
import { type SharedInformer, SharedInformers } from '../controllers/index.js';
import { Informer, type InformerHandlers } from '../store/index.js';
import { nodeCondition, updatePodCondition, zoneKey } from './conditions.js';
import { NODE_LEASE_NAMESPACE } from './heartbeat.js';
import {
  hasTaint,
  NOT_READY_NO_EXECUTE,
  noScheduleTaintDiff,
  swapNodeTaints,
  UNREACHABLE_NO_EXECUTE,
} from './node-taints.js';
import { addPodNodeNameIndexer, podsOnNode } from './pods-by-node.js';
import { RateLimitedTimedQueue } from './rate-limited-queue.js';

const SECOND = 1_000_000_000;
/** scheduler.NodeEvictionPeriod: how often doNoExecuteTaintingPass runs. */
export const NODE_EVICTION_PERIOD_NS = 100_000_000;
const RETRY_NS = 50_000_000;
/** Nodes with this label are left out of zone disruption counting. */
const LABEL_EXCLUDE_DISRUPTION = 'node.kubernetes.io/exclude-disruption';

export interface NodeLifecycleOptions {
  /** --node-startup-grace-period (60 s). */
  readonly nodeStartupGraceNs?: number;
  /** --node-eviction-rate (0.1). */
  readonly evictionLimiterQps?: number;
  /** --secondary-node-eviction-rate (0.01). */
  readonly secondaryEvictionLimiterQps?: number;
  /** --large-cluster-size-threshold (50). */
  readonly largeClusterThreshold?: number;
  /** --unhealthy-zone-threshold (0.55). */
  readonly unhealthyZoneThreshold?: number;
}

type ZoneState = 'Initial' | 'Normal' | 'FullDisruption' | 'PartialDisruption';

interface NodeHealth {
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  status: Node['status'];
  lease: Lease | undefined;
}

export class NodeLifecycleController {
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: SharedInformer<Pod>;
  private readonly podHandlers: InformerHandlers<Pod> = {
    onAdd: (p) => this.podUpdated(undefined, p),
    onUpdate: (o, p) => this.podUpdated(o, p),
  };
  private readonly health = new Map<string, NodeHealth>();
  private readonly known = new Set<string>();
  private readonly zoneStates = new Map<string, ZoneState>();
  private readonly tainters = new Map<string, RateLimitedTimedQueue>();
  private readonly nodesToRetry = new Set<string>();
  private readonly opts: Required<NodeLifecycleOptions>;
  private epoch = 0;
  private nextPassAt: number | undefined;

  /** `informers`: kube-controller-manager's shared informers (its pod informer); its own by default. */
  constructor(
    private readonly ctx: ControlPlaneContext,
    options: NodeLifecycleOptions = {},
    informers: SharedInformers = new SharedInformers(ctx),
  ) {
    this.opts = {
      nodeStartupGraceNs: options.nodeStartupGraceNs ?? 60 * SECOND,
      evictionLimiterQps: options.evictionLimiterQps ?? 0.1,
      secondaryEvictionLimiterQps: options.secondaryEvictionLimiterQps ?? 0.01,
      largeClusterThreshold: options.largeClusterThreshold ?? 50,
      unhealthyZoneThreshold: options.unhealthyZoneThreshold ?? 0.55,
    };
    const delayNs = ctx.watchDelay;
    this.nodes = new Informer<Node>(ctx.store, ctx.sim, 'Node', {
      delayNs,
      handlers: {
        onAdd: (n) => this.noScheduleTaintingPass(n.metadata.name),
        onUpdate: (_o, n) => this.noScheduleTaintingPass(n.metadata.name),
      },
    });
    this.leases = new Informer<Lease>(ctx.store, ctx.sim, 'Lease', {
      namespace: NODE_LEASE_NAMESPACE,
      delayNs,
    });
    this.pods = informers.for<Pod>('Pod');
    addPodNodeNameIndexer(this.pods);
  }

  start(): this {
    this.nodes.start();
    this.leases.start();
    this.pods.addHandlers(this.podHandlers);
    this.pods.start();
    const epoch = ++this.epoch;
    this.ctx.sim.daemon(this.ctx.timings.nodeMonitorPeriodNs, this.monitorLoop, epoch);
    return this;
  }

  stop(): void {
    this.epoch++;
    this.nodes.stop();
    this.leases.stop();
    this.pods.removeHandlers(this.podHandlers);
  }

  /** The controller's current zone states (for inspection and tests). */
  zoneState(zone = ''): ZoneState | undefined {
    return this.zoneStates.get(zone);
  }

  private readonly monitorLoop = (epoch: number): void => {
    if (epoch !== this.epoch) return;
    this.monitorNodeHealth();
    this.ctx.sim.daemon(this.ctx.timings.nodeMonitorPeriodNs, this.monitorLoop, epoch);
  };

  /** monitorNodeHealth. */
  private monitorNodeHealth(): void {
    const store = this.ctx.store;
    const nodes = this.nodes.list();
    const names = new Set(nodes.map((n) => n.metadata.name));
    for (const node of nodes) {
      if (!this.zoneStates.has(zoneKey(node))) this.addZone(zoneKey(node));
      if (this.known.has(node.metadata.name)) continue;
      this.known.add(node.metadata.name);
      this.markNodeAsReachable(node);
    }
    for (const name of [...this.known]) if (!names.has(name)) this.known.delete(name);

    const zoneConditions = new Map<string, (NodeCondition | undefined)[]>();
    for (const listed of nodes) {
      const name = listed.metadata.name;
      // The retry path of monitorNodeHealth re-reads the node; reading it fresh spares the Conflict.
      const node = store.tryGet<Node>('Node', undefined, name);
      if (node === undefined) continue;
      const { observed, current } = this.tryUpdateNodeHealth(node);
      if (node.metadata.labels?.[LABEL_EXCLUDE_DISRUPTION] === undefined) {
        const zone = zoneKey(node);
        const list = zoneConditions.get(zone) ?? [];
        list.push(current);
        zoneConditions.set(zone, list);
      }
      if (current !== undefined) {
        this.processTaintBaseEviction(store.tryGet<Node>('Node', undefined, name) ?? node, observed);
        const needsRetry = this.nodesToRetry.has(name);
        if (
          (current.status !== 'True' && observed.status === 'True') ||
          (needsRetry && observed.status !== 'True')
        ) {
          this.markPodsNotReady(podsOnNode(this.pods, name), name);
        }
      }
      this.nodesToRetry.delete(name);
    }
    this.handleDisruption(zoneConditions, nodes);
    this.schedulePass(this.ctx.delay(NODE_EVICTION_PERIOD_NS));
  }

  /** tryUpdateNodeHealth: the observed Ready condition before, the current one after this pass. */
  private tryUpdateNodeHealth(node: Node): { observed: NodeCondition; current: NodeCondition | undefined } {
    const now = this.ctx.sim.now;
    const name = node.metadata.name;
    let health = this.health.get(name);
    let current = nodeCondition(node, 'Ready');
    let observed: NodeCondition;
    let grace: number;
    const created = node.metadata.creationTimestamp;
    if (current === undefined) {
      observed = {
        type: 'Ready',
        status: 'Unknown',
        lastHeartbeatTime: created,
        lastTransitionTime: created,
      };
      grace = this.opts.nodeStartupGraceNs;
      if (health !== undefined) health.status = node.status;
      else
        health = {
          status: node.status,
          probeTimestamp: created,
          readyTransitionTimestamp: created,
          lease: undefined,
        };
    } else {
      observed = current;
      grace = this.ctx.timings.nodeMonitorGraceNs;
    }
    const saved = health?.status?.conditions?.find((c) => c.type === 'Ready');
    const savedLease = health?.lease;
    if (health === undefined || (saved === undefined && current !== undefined)) {
      health = { status: node.status, probeTimestamp: now, readyTransitionTimestamp: now, lease: undefined };
    } else if (saved !== undefined && current === undefined) {
      health = { status: node.status, probeTimestamp: now, readyTransitionTimestamp: now, lease: undefined };
    } else if (
      saved !== undefined &&
      current !== undefined &&
      saved.lastHeartbeatTime !== current.lastHeartbeatTime
    ) {
      const transition =
        saved.lastTransitionTime !== current.lastTransitionTime ? now : health.readyTransitionTimestamp;
      health = {
        status: node.status,
        probeTimestamp: now,
        readyTransitionTimestamp: transition,
        lease: undefined,
      };
    }
    // A renewed Lease always counts as a heartbeat.
    const lease = this.leases.get(NODE_LEASE_NAMESPACE, name);
    if (
      lease !== undefined &&
      (savedLease === undefined || savedLease.spec.renewTime < lease.spec.renewTime)
    ) {
      health.lease = lease;
      health.probeTimestamp = now;
    }
    if (now > health.probeTimestamp + grace) {
      const conditions = [...(node.status?.conditions ?? [])];
      for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const) {
        const i = conditions.findIndex((c) => c.type === type);
        if (i < 0) {
          conditions.push({
            type,
            status: 'Unknown',
            reason: 'NodeStatusNeverUpdated',
            message: 'Kubelet never posted node status.',
            lastHeartbeatTime: created,
            lastTransitionTime: now,
          });
        } else if ((conditions[i] as NodeCondition).status !== 'Unknown') {
          conditions[i] = {
            ...(conditions[i] as NodeCondition),
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            message: 'Kubelet stopped posting node status.',
            lastTransitionTime: now,
          };
        }
      }
      current = conditions.find((c) => c.type === 'Ready');
      if (current?.status !== observed.status || current.reason !== observed.reason) {
        const status = { ...node.status, conditions };
        this.ctx.store.updateStatus({ ...node, status });
        health = { status, probeTimestamp: health.probeTimestamp, readyTransitionTimestamp: now, lease };
      }
    }
    this.health.set(name, health);
    return { observed, current };
  }

  /** processTaintBaseEviction: by the Ready status observed before this pass. */
  private processTaintBaseEviction(node: Node, observed: NodeCondition): void {
    const now = this.ctx.sim.now;
    const name = node.metadata.name;
    if (observed.status === 'False') {
      if (hasTaint(node, UNREACHABLE_NO_EXECUTE)) {
        swapNodeTaints(this.ctx.store, name, [NOT_READY_NO_EXECUTE], [UNREACHABLE_NO_EXECUTE], now);
      } else this.markNodeForTainting(node, NOT_READY_NO_EXECUTE);
    } else if (observed.status === 'Unknown') {
      if (hasTaint(node, NOT_READY_NO_EXECUTE)) {
        swapNodeTaints(this.ctx.store, name, [UNREACHABLE_NO_EXECUTE], [NOT_READY_NO_EXECUTE], now);
      } else this.markNodeForTainting(node, UNREACHABLE_NO_EXECUTE);
    } else {
      this.markNodeAsReachable(node);
    }
  }

  private markNodeForTainting(node: Node, wanted: typeof NOT_READY_NO_EXECUTE): void {
    const q = this.tainter(zoneKey(node));
    if (!hasTaint(node, wanted)) q.remove(node.metadata.name);
    q.add(node.metadata.name, this.ctx.sim.now);
  }

  private markNodeAsReachable(node: Node): void {
    const name = node.metadata.name;
    if (hasTaint(node, UNREACHABLE_NO_EXECUTE) || hasTaint(node, NOT_READY_NO_EXECUTE)) {
      swapNodeTaints(
        this.ctx.store,
        name,
        [],
        [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE],
        this.ctx.sim.now,
      );
    }
    this.tainter(zoneKey(node)).remove(name);
  }

  /** MarkPodsNotReady: the pod's Ready condition (if it has one) goes False; nothing else changes. */
  private markPodsNotReady(pods: readonly Pod[], nodeName: string): void {
    const store = this.ctx.store;
    for (const listed of pods) {
      if (listed.spec.nodeName !== nodeName) continue;
      const pod = store.tryGet<Pod>('Pod', listed.metadata.namespace, listed.metadata.name);
      if (pod === undefined) continue;
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready === undefined) continue;
      const conditions = updatePodCondition(pod, { ...ready, status: 'False' }, this.ctx.sim.now);
      if (conditions === undefined) continue;
      store.updateStatus({ ...pod, status: { ...pod.status, conditions } });
    }
  }

  /** podUpdated + processPod: a pod newly bound to a node that is not Ready is marked not Ready. */
  private podUpdated(old: Pod | undefined, pod: Pod): void {
    const node = pod.spec.nodeName ?? '';
    if (node === '' || (old !== undefined && old.spec.nodeName === node)) return;
    const ready = this.health.get(node)?.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready === undefined || this.nodes.get(undefined, node) === undefined) return;
    if (ready.status !== 'True') this.markPodsNotReady([pod], node);
  }

  /** doNoScheduleTaintingPass on the informer's view of the node. */
  private noScheduleTaintingPass(name: string): void {
    const node = this.nodes.get(undefined, name);
    if (node === undefined) return;
    const { add, remove } = noScheduleTaintDiff(node);
    if (add.length === 0 && remove.length === 0) return;
    swapNodeTaints(this.ctx.store, name, add, remove, this.ctx.sim.now);
  }

  private schedulePass(delay: number): void {
    if (![...this.tainters.values()].some((q) => q.size > 0)) return;
    const at = this.ctx.sim.now + delay;
    if (this.nextPassAt !== undefined && this.nextPassAt <= at) return;
    this.nextPassAt = at;
    this.ctx.sim.after(delay, this.runPass, at);
  }

  private readonly runPass = (at: number): void => {
    if (this.nextPassAt !== at) return;
    this.nextPassAt = undefined;
    let wait = Number.POSITIVE_INFINITY;
    for (const q of this.tainters.values()) wait = Math.min(wait, q.try(this.ctx.sim.now, this.taintNode));
    if (Number.isFinite(wait)) this.schedulePass(Math.max(1, wait));
  };

  /** doNoExecuteTaintingPass's work function: not-ready and unreachable taints are mutually exclusive. */
  private readonly taintNode = (name: string): readonly [boolean, number] => {
    const node = this.nodes.get(undefined, name);
    if (node === undefined) return [true, 0];
    const ready = nodeCondition(node, 'Ready');
    if (ready === undefined) return [false, RETRY_NS];
    const now = this.ctx.sim.now;
    if (ready.status === 'False') {
      return [swapNodeTaints(this.ctx.store, name, [NOT_READY_NO_EXECUTE], [UNREACHABLE_NO_EXECUTE], now), 0];
    }
    if (ready.status === 'Unknown') {
      return [swapNodeTaints(this.ctx.store, name, [UNREACHABLE_NO_EXECUTE], [NOT_READY_NO_EXECUTE], now), 0];
    }
    return [true, 0];
  };

  private tainter(zone: string): RateLimitedTimedQueue {
    return this.tainters.get(zone) ?? this.addZone(zone);
  }

  /** addPodEvictorForNewZone. */
  private addZone(zone: string): RateLimitedTimedQueue {
    let q = this.tainters.get(zone);
    if (q === undefined) {
      q = new RateLimitedTimedQueue(this.opts.evictionLimiterQps, this.ctx.sim.now);
      this.tainters.set(zone, q);
    }
    if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    return q;
  }

  /** ComputeZoneState. */
  private computeZoneState(conditions: readonly (NodeCondition | undefined)[]): ZoneState {
    let ready = 0;
    let notReady = 0;
    for (const c of conditions) {
      if (c?.status === 'True') ready++;
      else notReady++;
    }
    if (ready === 0 && notReady > 0) return 'FullDisruption';
    if (notReady > 2 && notReady / (notReady + ready) >= this.opts.unhealthyZoneThreshold) {
      return 'PartialDisruption';
    }
    return 'Normal';
  }

  /** handleDisruption: eviction rates per zone state; all zones fully disrupted stops evictions. */
  private handleDisruption(
    zoneConditions: Map<string, (NodeCondition | undefined)[]>,
    nodes: readonly Node[],
  ): void {
    const now = this.ctx.sim.now;
    const newStates = new Map<string, ZoneState>();
    let allAreFully = true;
    for (const [zone, conds] of zoneConditions) {
      const state = this.computeZoneState(conds);
      if (state !== 'FullDisruption') allAreFully = false;
      newStates.set(zone, state);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    }
    let allWasFully = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (state !== 'FullDisruption') allWasFully = false;
    }
    if (allAreFully && allWasFully) return;
    if (allAreFully) {
      for (const n of nodes) {
        const fresh = this.ctx.store.tryGet<Node>('Node', undefined, n.metadata.name);
        if (fresh !== undefined) this.markNodeAsReachable(fresh);
      }
      for (const zone of this.zoneStates.keys()) {
        this.tainter(zone).swapLimiter(0, now);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWasFully) {
      for (const n of nodes) {
        const h = this.health.get(n.metadata.name);
        if (h !== undefined) {
          h.probeTimestamp = now;
          h.readyTransitionTimestamp = now;
        }
      }
    }
    for (const [zone, state] of this.zoneStates) {
      const next = newStates.get(zone) ?? state;
      if (!allWasFully && state === next) continue;
      this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, next);
      this.zoneStates.set(zone, next);
    }
  }

  private setLimiterInZone(zone: string, size: number, state: ZoneState): void {
    const q = this.tainter(zone);
    const now = this.ctx.sim.now;
    if (state === 'Normal' || state === 'FullDisruption') q.swapLimiter(this.opts.evictionLimiterQps, now);
    else if (state === 'PartialDisruption') {
      q.swapLimiter(size > this.opts.largeClusterThreshold ? this.opts.secondaryEvictionLimiterQps : 0, now);
    }
  }
}
