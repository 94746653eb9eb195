/**
 * kube-scheduler as a control-plane component: informers on Nodes and Pods (and the Services,
 * ReplicaSets and StatefulSets the default spreading reads), a scheduling queue, a cache of bound
 * pods that also holds the scheduler's own assumed pods (cache.AssumePod, so two pods scheduled back
 * to back see each other before the watch returns), one scheduling cycle at a time through the event
 * queue, Bind by writing spec.nodeName, and the PodScheduled condition plus an event log.
 */
import type { ControlPlaneContext, Node, Pod, ReplicaSet, Service, StatefulSet } from '../api/index.js';
import { Informer, labelPairKey, selectorIndexKey } from '../store/index.js';
import { confirmsAssumed, type PlacedPod } from './assumed.js';
import { BoundPodCache } from './bound-cache.js';
import { defaultSpreadSelector, schedNodeFromApi, schedPodFromApi } from './from-api.js';
import { withScheduledCondition } from './pod-scheduled.js';
import { Scheduler } from './scheduler.js';
import { ScheduledEvent, type SchedulerEvent } from './scheduler-events.js';
import {
  ActiveQueue,
  backoffDuration,
  POD_MAX_IN_UNSCHEDULABLE_NS,
  type QueuedPod,
  UNSCHEDULABLE_FLUSH_PERIOD_NS,
} from './scheduling-queue.js';
import type { SchedNode, SchedPod } from './types.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerControllerOptions {
  readonly percentageOfNodesToScore?: number;
}

const keyOf = (p: Pod) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** utilnode.GetZoneKey: region and zone labels (GA or beta), "" when the node has neither. */
function zoneKey(n: SchedNode): string {
  const region =
    n.labels.get('topology.kubernetes.io/region') ??
    n.labels.get('failure-domain.beta.kubernetes.io/region') ??
    '';
  const zone =
    n.labels.get('topology.kubernetes.io/zone') ??
    n.labels.get('failure-domain.beta.kubernetes.io/zone') ??
    '';
  return region === '' && zone === '' ? '' : `${region}:\u0000:${zone}`;
}

/** Node changes that can make a pod schedulable (nodeSchedulingPropertiesChange); heartbeats are not. */
function nodeChanged(a: Node, b: Node): boolean {
  const strip = (n: Node) =>
    JSON.stringify([
      n.metadata.labels,
      n.spec.taints,
      n.spec.unschedulable,
      n.status?.allocatable,
      (n.status?.conditions ?? []).map((c) => [c.type, c.status]),
    ]);
  return strip(a) !== strip(b);
}

export class SchedulerController {
  readonly events: SchedulerEvent[] = [];
  readonly scheduler: Scheduler;
  private readonly rng;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  private readonly services: Informer<Service>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly statefulSets: Informer<StatefulSet>;

  /** Nodes in add order; `order` is the nodeTree listing (zones round-robin), rebuilt when dirty. */
  private readonly nodeInfo = new Map<string, SchedNode>();
  private order: SchedNode[] | undefined;
  /** Pods per node: informer-confirmed plus assumed. Arrays are replaced, never mutated (memo keys). */
  private readonly bound = new BoundPodCache();
  private readonly placed = new Map<string, PlacedPod>();
  private readonly assumed = new Set<string>();

  private readonly active = new ActiveQueue();
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly backingOff = new Map<string, QueuedPod>();
  private readonly info = new Map<string, QueuedPod>();
  private seq = 0;
  private pumping = false;
  private running = false;

  constructor(
    private readonly ctx: ControlPlaneContext,
    options: SchedulerControllerOptions = {},
  ) {
    // The controller binds the pick; nothing reads the per-plugin breakdown of its cycles.
    this.scheduler = new Scheduler({ breakdown: false, ...options });
    this.rng = ctx.sim.rng('kube-scheduler');
    const inf = <O extends Node | Pod | Service | ReplicaSet | StatefulSet>(
      kind: string,
      handlers: { onAdd?: (o: O) => void; onUpdate?: (a: O, b: O) => void; onDelete?: (o: O) => void },
    ) => new Informer<O>(ctx.store, ctx.sim, kind, { delayNs: ctx.watchDelay, handlers });
    this.nodes = inf<Node>('Node', {
      onAdd: (n) => this.setNode(n, true),
      onUpdate: (a, b) => this.setNode(b, nodeChanged(a, b)),
      onDelete: (n) => this.deleteNode(n),
    });
    this.pods = inf<Pod>('Pod', {
      onAdd: (p) => this.podChanged(undefined, p),
      onUpdate: (a, b) => this.podChanged(a, b),
      onDelete: (p) => this.podDeleted(p),
    });
    // Services filed under the first pair of their selector: a pod they select carries it.
    this.services = new Informer<Service>(ctx.store, ctx.sim, 'Service', {
      delayNs: ctx.watchDelay,
      indexers: {
        // An empty selector adds nothing to the default spread (helper.DefaultSelector skips it).
        [BY_SELECTOR]: (svc) =>
          Object.keys(svc.spec.selector ?? {}).length === 0
            ? []
            : [selectorIndexKey(svc.metadata.namespace, svc.spec.selector ?? {})],
      },
    });
    this.replicaSets = inf<ReplicaSet>('ReplicaSet', {});
    this.statefulSets = inf<StatefulSet>('StatefulSet', {});
  }

  /** Starts the informers (nodes first, so their list lands before the pods') and the flush loop. */
  start(): this {
    if (this.running) return this;
    this.running = true;
    this.services.start();
    this.replicaSets.start();
    this.statefulSets.start();
    this.nodes.start();
    this.pods.start();
    this.ctx.sim.daemon(UNSCHEDULABLE_FLUSH_PERIOD_NS, SchedulerController.flushLeftover, this);
    return this;
  }

  stop(): void {
    this.running = false;
    for (const i of [this.nodes, this.pods, this.services, this.replicaSets, this.statefulSets]) i.stop();
  }

  /** Pods waiting in the unschedulable set (namespace/name), sorted. */
  get pendingUnschedulable(): string[] {
    return [...this.unschedulable.keys()].sort();
  }

  // --- cache --------------------------------------------------------------------------------------

  private setNode(n: Node, relevant: boolean): void {
    const had = this.nodeInfo.has(n.metadata.name);
    this.nodeInfo.set(n.metadata.name, schedNodeFromApi(n));
    this.order = undefined;
    if (!had && !this.bound.has(n.metadata.name)) this.bound.set(n.metadata.name, []);
    if (relevant) this.moveAllToActiveOrBackoff();
  }

  private deleteNode(n: Node): void {
    this.nodeInfo.delete(n.metadata.name);
    this.order = undefined;
  }

  /** nodeTree.list(): one node of each zone in turn, zones in the order their first node arrived. */
  private nodeList(): SchedNode[] {
    if (this.order !== undefined) return this.order;
    const zones = new Map<string, SchedNode[]>();
    for (const n of this.nodeInfo.values()) {
      const z = zoneKey(n);
      const list = zones.get(z);
      if (list === undefined) zones.set(z, [n]);
      else list.push(n);
    }
    const out: SchedNode[] = [];
    const lists = [...zones.values()];
    for (let i = 0; out.length < this.nodeInfo.size; i++) {
      for (const l of lists) {
        const n = l[i];
        if (n !== undefined) out.push(n);
      }
    }
    this.order = out;
    return out;
  }

  /** `from`: the API object of a pod being assumed (cache.AssumePod). */
  private place(key: string, node: string, pod: SchedPod, from?: Pod): void {
    this.unplace(key);
    this.placed.set(key, { node, pod, assumedFrom: from });
    this.bound.add(node, pod);
  }

  /**
   * The cache holds the pod on `node` as this update leaves it: what the scheduler reads of a pod
   * (spec, labels, deletionTimestamp) is the same objects as before — a status write shares them — or
   * the update is the binding of the pod assumed there.
   */
  private placedAs(key: string, node: string, old: Pod | undefined, pod: Pod): boolean {
    const at = this.placed.get(key);
    if (at?.node !== node) return false;
    return (
      (old !== undefined &&
        old.spec === pod.spec &&
        old.metadata.labels === pod.metadata.labels &&
        old.metadata.deletionTimestamp === pod.metadata.deletionTimestamp) ||
      confirmsAssumed(at, pod)
    );
  }

  private unplace(key: string): void {
    const at = this.placed.get(key);
    if (at === undefined) return;
    this.placed.delete(key);
    this.bound.remove(at.node, at.pod);
  }

  // --- informer events ----------------------------------------------------------------------------

  private podChanged(old: Pod | undefined, pod: Pod): void {
    const key = keyOf(pod);
    const node = pod.spec.nodeName;
    if (node !== undefined && node !== '') {
      this.forgetQueued(key);
      this.assumed.delete(key);
      if (terminal(pod)) this.unplace(key);
      else if (!this.placedAs(key, node, old, pod)) this.place(key, node, schedPodFromApi(pod));
      // AssignedPodAdd / AssignedPodUpdate may make pods with (anti-)affinity or spreading schedulable.
      this.moveAllToActiveOrBackoff();
      return;
    }
    if (!this.wantsScheduling(pod)) {
      this.forgetQueued(key);
      return;
    }
    const q = this.unschedulable.get(key);
    if (q !== undefined) {
      // updatePodInSchedulingQueue: only a change of the pod's own spec or labels moves it.
      if (
        old !== undefined &&
        (old.metadata.generation !== pod.metadata.generation ||
          JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels))
      ) {
        this.unschedulable.delete(key);
        this.requeue(q);
      }
      return;
    }
    if (this.info.has(key) || this.assumed.has(key)) return;
    const entry: QueuedPod = {
      key,
      priority: pod.spec.priority ?? 0,
      timestamp: this.ctx.sim.now,
      seq: this.seq++,
      attempts: 0,
      failedAt: 0,
    };
    this.info.set(key, entry);
    this.active.push(entry);
    this.kick();
  }

  private podDeleted(pod: Pod): void {
    const key = keyOf(pod);
    const wasPlaced = this.placed.has(key);
    this.unplace(key);
    this.assumed.delete(key);
    this.forgetQueued(key);
    if (wasPlaced) this.moveAllToActiveOrBackoff();
  }

  private wantsScheduling(p: Pod): boolean {
    const name = p.spec.schedulerName;
    return (
      (p.spec.nodeName === undefined || p.spec.nodeName === '') &&
      p.metadata.deletionTimestamp === undefined &&
      !terminal(p) &&
      (name === undefined || name === '' || name === DEFAULT_SCHEDULER_NAME)
    );
  }

  // --- queue --------------------------------------------------------------------------------------

  private forgetQueued(key: string): void {
    if (!this.info.has(key)) return;
    this.info.delete(key);
    this.active.delete(key);
    this.unschedulable.delete(key);
    this.backingOff.delete(key);
  }

  /** To activeQ, or to the backoff wait while the pod's backoff since its last failure runs. */
  private requeue(q: QueuedPod): void {
    const expiry = q.failedAt + this.ctx.delay(backoffDuration(q.attempts));
    if (q.attempts > 0 && this.ctx.sim.now < expiry) {
      if (this.backingOff.has(q.key)) return;
      this.backingOff.set(q.key, q);
      this.ctx.sim.after(expiry - this.ctx.sim.now, (x: QueuedPod) => this.backoffDone(x), q);
      return;
    }
    q.timestamp = this.ctx.sim.now;
    this.active.push(q);
    this.kick();
  }

  private backoffDone(q: QueuedPod): void {
    if (this.backingOff.get(q.key) !== q) return;
    this.backingOff.delete(q.key);
    q.timestamp = this.ctx.sim.now;
    this.active.push(q);
    this.kick();
  }

  /** MoveAllToActiveOrBackoffQueue on a cluster event. */
  private moveAllToActiveOrBackoff(): void {
    if (this.unschedulable.size === 0) return;
    const moving = [...this.unschedulable.values()];
    this.unschedulable.clear();
    for (const q of moving) this.requeue(q);
  }

  private static flushLeftover(self: SchedulerController): void {
    if (!self.running) return;
    const now = self.ctx.sim.now;
    for (const [key, q] of [...self.unschedulable]) {
      if (now - q.failedAt >= POD_MAX_IN_UNSCHEDULABLE_NS) {
        self.unschedulable.delete(key);
        self.requeue(q);
      }
    }
    self.ctx.sim.daemon(UNSCHEDULABLE_FLUSH_PERIOD_NS, SchedulerController.flushLeftover, self);
  }

  private kick(): void {
    if (this.pumping || this.active.size === 0 || !this.running) return;
    this.pumping = true;
    this.ctx.sim.after(0, SchedulerController.step, this);
  }

  private static step(self: SchedulerController): void {
    self.pumping = false;
    self.scheduleOne();
    self.kick();
  }

  // --- one cycle ----------------------------------------------------------------------------------

  /** The Services that may select the pod (helper.DefaultSelector checks each). */
  private servicesFor(pod: Pod): Service[] {
    const out = new Set<Service>();
    for (const [k, v] of Object.entries(pod.metadata.labels ?? {}))
      for (const s of this.services.byIndex(BY_SELECTOR, labelPairKey(pod.metadata.namespace, k, v)))
        out.add(s);
    return [...out].sort((a, b) =>
      a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
    );
  }

  /** The pod's controlling ReplicaSet or StatefulSet, as the one-element lists DefaultSelector reads. */
  private controllerOf(pod: Pod): [readonly ReplicaSet[], readonly StatefulSet[]] {
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller === true);
    const ns = pod.metadata.namespace;
    const rs = owner?.kind === 'ReplicaSet' ? this.replicaSets.get(ns, owner.name) : undefined;
    const sts = owner?.kind === 'StatefulSet' ? this.statefulSets.get(ns, owner.name) : undefined;
    return [rs === undefined ? [] : [rs], sts === undefined ? [] : [sts]];
  }

  private scheduleOne(): void {
    const q = this.active.pop();
    if (q === undefined) return;
    const [ns, name] = splitKey(q.key);
    const pod = this.pods.get(ns, name);
    if (pod === undefined || !this.wantsScheduling(pod)) {
      this.info.delete(q.key);
      return;
    }
    q.attempts++;
    const selector = defaultSpreadSelector(pod, this.servicesFor(pod), ...this.controllerOf(pod));
    const sp = schedPodFromApi(pod, selector === undefined ? {} : { defaultSpreadSelector: selector });
    const r = this.scheduler.schedule(sp, this.nodeList(), this.bound, this.rng);
    if ('node' in r) {
      this.info.delete(q.key);
      // Assume: the cache counts the pod on its node before the binding comes back through the watch.
      // It keeps the pod without the default spread selector: only the pod being scheduled reads that,
      // and a placed pod is kept for the whole run (made afresh rather than spread from `sp`: spread
      // copies got a hidden class each).
      this.assumed.add(q.key);
      this.place(q.key, r.node, schedPodFromApi(pod, { nodeName: r.node }), pod);
      if (!this.bind(q.key, ns, name, r.node)) {
        this.assumed.delete(q.key);
        this.unplace(q.key);
      }
      return;
    }
    q.failedAt = this.ctx.sim.now;
    this.unschedulable.set(q.key, q);
    this.events.push({
      atNs: this.ctx.sim.now,
      pod: q.key,
      reason: 'FailedScheduling',
      message: r.unschedulable,
    });
    const stored = this.ctx.store.tryGet<Pod>('Pod', ns, name);
    if (stored !== undefined) {
      this.ctx.store.updateStatus({
        ...stored,
        status: withScheduledCondition(stored, this.ctx.sim.now, {
          status: 'False',
          reason: 'Unschedulable',
          message: r.unschedulable,
        }),
      });
    }
  }

  /** DefaultBinder: spec.nodeName on the pod as stored now, then PodScheduled=True. */
  /** `key`: the pod's `namespace/name`. */
  private bind(key: string, ns: string, name: string, node: string): boolean {
    const stored = this.ctx.store.tryGet<Pod>('Pod', ns, name);
    if (
      stored === undefined ||
      (stored.spec.nodeName ?? '') !== '' ||
      stored.metadata.deletionTimestamp !== undefined
    ) {
      return false;
    }
    // pods/binding: spec.nodeName and PodScheduled=True in one write (BindingREST.setPodNodeAndMetadata).
    this.ctx.store.updateWithStatus<Pod>({
      ...stored,
      spec: { ...stored.spec, nodeName: node },
      status: withScheduledCondition(stored, this.ctx.sim.now, { status: 'True' }),
    });
    this.events.push(new ScheduledEvent(this.ctx.sim.now, key, node));
    return true;
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

const BY_SELECTOR = 'selector';
