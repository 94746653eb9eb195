/**
 * The taint eviction controller (pkg/controller/tainteviction): evicts pods from nodes with NoExecute
 * taints they do not tolerate. A pod tolerating none of them is deleted at once; one tolerating all with
 * a tolerationSeconds is deleted when the smallest of them (over the tolerations used) has elapsed since
 * the controller saw the taints (processPodOnNode: `now`, not taint.timeAdded); a pod tolerating them
 * forever stays. The one-shot timer is cancelled when the taints go or the pod goes.
 *
 * Deletion (addConditionAndDeletePod): the pod gets condition DisruptionTarget=True, reason
 * DeletionByTaintManager, message "Taint manager: deleting due to NoExecute taint", then a delete
 * without grace override, so the pod's own terminationGracePeriodSeconds (default 30) applies.
 */

import type { ControlPlaneContext, Node, Pod, Taint, Toleration } from '../api/index.js';
import { type SharedInformer, SharedInformers } from '../controllers/index.js';
import { Informer, type InformerHandlers } from '../store/index.js';
import {
  DISRUPTION_TARGET,
  podDeleteGraceSeconds,
  podKey,
  tolerates,
  updatePodCondition,
} from './conditions.js';
import { deepEqual } from './equal.js';
import { addPodNodeNameIndexer, podsOnNode } from './pods-by-node.js';

const SECOND = 1_000_000_000;

interface Work {
  readonly namespace: string;
  readonly name: string;
  readonly createdAt: number;
  readonly fireAt: number;
  /** Ran already: kept so the same pod is not queued twice (TimedWorkerQueue keeps a nil worker). */
  done: boolean;
}

/** Reported for each deletion the controller makes. */
export interface TaintEviction {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly at: number;
}

export class TaintEvictionController {
  private readonly nodes: Informer<Node>;
  private readonly pods: SharedInformer<Pod>;
  private readonly podHandlers: InformerHandlers<Pod> = {
    onAdd: (p) => this.podUpdated(undefined, p),
    onUpdate: (o, p) => this.podUpdated(o, p),
    onDelete: (p) => this.podUpdated(p, undefined),
  };
  private readonly taintedNodes = new Map<string, readonly Taint[]>();
  private readonly work = new Map<string, Work>();
  private readonly listeners: ((e: TaintEviction) => void)[] = [];

  /** `informers`: kube-controller-manager's shared informers (its pod informer); its own by default. */
  constructor(
    private readonly ctx: ControlPlaneContext,
    informers: SharedInformers = new SharedInformers(ctx),
  ) {
    const delayNs = ctx.watchDelay;
    this.nodes = new Informer<Node>(ctx.store, ctx.sim, 'Node', {
      delayNs,
      handlers: {
        onAdd: (n) => this.nodeUpdated(undefined, n),
        onUpdate: (o, n) => this.nodeUpdated(o, n),
        onDelete: (n) => this.nodeUpdated(n, undefined),
      },
    });
    this.pods = informers.for<Pod>('Pod');
    addPodNodeNameIndexer(this.pods);
  }

  start(): this {
    this.nodes.start();
    this.pods.addHandlers(this.podHandlers);
    this.pods.start();
    return this;
  }

  stop(): void {
    this.nodes.stop();
    this.pods.removeHandlers(this.podHandlers);
    for (const w of this.work.values()) w.done = true;
  }

  /** Called after each pod deletion the controller issues. */
  onEviction(listener: (e: TaintEviction) => void): void {
    this.listeners.push(listener);
  }

  /** Pending (not yet fired) evictions: "ns/name" → due time, ns. */
  pending(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const [k, w] of this.work) if (!w.done) out.set(k, w.fireAt);
    return out;
  }

  private nodeUpdated(old: Node | undefined, node: Node | undefined): void {
    const oldTaints = noExecute(old?.spec.taints);
    const newTaints = noExecute(node?.spec.taints);
    if (old !== undefined && node !== undefined && deepEqual(oldTaints, newTaints)) return;
    this.handleNodeUpdate((node ?? old)?.metadata.name ?? '');
  }

  private podUpdated(old: Pod | undefined, pod: Pod | undefined): void {
    if (pod === undefined) {
      if (old !== undefined) this.cancelWork(podKey(old));
      return;
    }
    if (
      old !== undefined &&
      old.spec.nodeName === pod.spec.nodeName &&
      deepEqual(old.spec.tolerations ?? [], pod.spec.tolerations ?? [])
    ) {
      return;
    }
    const node = pod.spec.nodeName ?? '';
    if (node === '') return;
    const taints = this.taintedNodes.get(node);
    if (taints === undefined) return;
    this.processPodOnNode(pod, taints, this.ctx.sim.now);
  }

  /** handleNodeUpdate. */
  private handleNodeUpdate(name: string): void {
    const node = this.nodes.get(undefined, name);
    if (node === undefined) {
      this.taintedNodes.delete(name);
      return;
    }
    const taints = noExecute(node.spec.taints);
    if (taints.length === 0) this.taintedNodes.delete(name);
    else this.taintedNodes.set(name, taints);
    const pods = podsOnNode(this.pods, name);
    if (taints.length === 0) {
      for (const p of pods) this.cancelWork(podKey(p));
      return;
    }
    const now = this.ctx.sim.now;
    for (const p of pods) this.processPodOnNode(p, taints, now);
  }

  /** processPodOnNode. */
  private processPodOnNode(pod: Pod, taints: readonly Taint[], now: number): void {
    const key = podKey(pod);
    if (taints.length === 0) this.cancelWork(key);
    const used = matchingTolerations(taints, pod.spec.tolerations ?? []);
    if (used === undefined) {
      this.cancelWork(key);
      this.addWork(pod, now, now);
      return;
    }
    const min = minTolerationNs(used);
    if (min < 0) {
      this.cancelWork(key);
      return;
    }
    let start = now;
    const trigger = now + min;
    const scheduled = this.work.get(key);
    if (scheduled !== undefined && !scheduled.done) {
      start = scheduled.createdAt;
      if (start + min < trigger) return;
      this.cancelWork(key);
    }
    this.addWork(pod, start, start + min);
  }

  private addWork(pod: Pod, createdAt: number, fireAt: number): void {
    const key = podKey(pod);
    if (this.work.has(key)) return;
    const w: Work = {
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name,
      createdAt,
      fireAt,
      done: false,
    };
    this.work.set(key, w);
    this.ctx.sim.after(Math.max(0, fireAt - this.ctx.sim.now), this.fire, w);
  }

  private cancelWork(key: string): void {
    const w = this.work.get(key);
    if (w === undefined) return;
    w.done = true;
    this.work.delete(key);
  }

  private readonly fire = (w: Work): void => {
    if (w.done || this.work.get(`${w.namespace}/${w.name}`) !== w) return;
    w.done = true;
    const store = this.ctx.store;
    const pod = store.tryGet<Pod>('Pod', w.namespace, w.name);
    if (pod === undefined) {
      this.work.delete(`${w.namespace}/${w.name}`);
      return;
    }
    const now = this.ctx.sim.now;
    const conditions = updatePodCondition(
      pod,
      {
        type: DISRUPTION_TARGET,
        status: 'True',
        reason: 'DeletionByTaintManager',
        message: 'Taint manager: deleting due to NoExecute taint',
      },
      now,
    );
    const current =
      conditions === undefined
        ? pod
        : store.updateStatus<Pod>({ ...pod, status: { ...pod.status, conditions } });
    store.delete('Pod', w.namespace, w.name, { gracePeriodSeconds: podDeleteGraceSeconds(current) });
    const e = { namespace: w.namespace, name: w.name, node: pod.spec.nodeName ?? '', at: now };
    for (const l of this.listeners) l(e);
  };
}

function noExecute(taints: readonly Taint[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/** v1helper.GetMatchingTolerations: for each taint the first toleration covering it; undefined if one is bare. */
function matchingTolerations(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): Toleration[] | undefined {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => tolerates(x, taint));
    if (t === undefined) return undefined;
    used.push(t);
  }
  return used;
}

/** getMinTolerationTime: 0 for none or any ≤ 0, -1 when all are forever, else the smallest, in ns. */
function minTolerationNs(tolerations: readonly Toleration[]): number {
  if (tolerations.length === 0) return 0;
  let min = Number.POSITIVE_INFINITY;
  for (const t of tolerations) {
    if (t.tolerationSeconds === undefined) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return Number.isFinite(min) ? min * SECOND : -1;
}
