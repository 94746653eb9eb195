/**
 * The kubelet's pod lifecycle on one node (pkg/kubelet pod workers and status manager): it watches the
 * pods bound to its node; a new one gets its sandbox and network (CNI ADD) and its containers after the
 * start latency, then Running and — with no readiness probe, or once its initial delay has passed —
 * Ready. A pod marked for deletion runs its preStop hook, gets SIGTERM (the processes exit), its sandbox
 * goes (CNI DEL, the address is freed) and the kubelet deletes the API object with grace 0. A failed
 * node's kubelet does nothing until it recovers, then catches up with the store.
 */

import type { NetNs } from '../../net/index.js';
import { formatIp4, type Ip4 } from '../../wire/index.js';
import {
  type ContainerStatus,
  type ControlPlaneContext,
  isPodReady,
  type Pod,
  type PodCondition,
  type PodStatusApi,
} from '../api/index.js';
import type { Kubelet, PodDesc, PodRecord } from '../kubelet.js';
import { deepEqual, frozenCopy, Informer } from '../store/index.js';
import type { ContainerRuntime } from './runtime.js';

const S = 1_000_000_000;
export const MTU_ANNOTATION = 'podwire.io/mtu';

export interface KubeletNode {
  readonly name: string;
  readonly ip: Ip4;
  readonly ns: NetNs;
  readonly kubelet: Kubelet;
}

export class KubeletAgent {
  private readonly informer: Informer<Pod>;
  private stopped = false;
  /** Pods whose start or termination is under way (by key), so an event does not start them twice. */
  private readonly busy = new Set<string>();
  /** Pods whose readiness probe has passed, as the kubelet's status manager caches it. */
  private readonly ready = new Set<string>();
  /** Pods whose readiness delay ran out while the node was down: the prober passes them once it is back. */
  private readonly readyMissed = new Set<string>();
  /** `startPod` bound once: every pod's start is one event, and a closure per pod was garbage per pod. */
  private readonly startLater = (key: string): void => this.startPod(key);
  /** status.hostIP, formatted once: every pod of the node has the same, and the store keeps it per pod. */
  private hostIpText: string | undefined;
  private readonly shared = new SharedStatus();

  constructor(
    private readonly ctx: ControlPlaneContext,
    readonly node: KubeletNode,
    private readonly runtime: ContainerRuntime,
    /** The cluster's running pods by `namespace/name`, kept by every kubelet. */
    private readonly records: Map<string, PodRecord>,
  ) {
    // The kubelet's pod source: only the pods bound to this node (config/apiserver.go's field selector).
    this.informer = new Informer<Pod>(ctx.store, ctx.sim, 'Pod', {
      fieldSelector: `spec.nodeName=${node.name}`,
      delayNs: ctx.watchDelay,
      handlers: {
        onAdd: (p) => this.podChanged(p),
        onUpdate: (_o, p) => this.podChanged(p),
        onDelete: (p) => this.podGone(p),
      },
    });
  }

  start(): this {
    this.informer.start();
    return this;
  }

  get failed(): boolean {
    return this.stopped;
  }

  /** The node is down: the kubelet stops acting (its pods keep their state in the API). */
  fail(): void {
    this.stopped = true;
  }

  /** The node is back: reconcile every pod with the store as the kubelet does after a restart. */
  recover(): void {
    this.stopped = false;
    for (const record of this.node.kubelet.pods()) {
      const key = `${record.desc.namespace}/${record.desc.name}`;
      const pod = this.informer.get(record.desc.namespace, record.desc.name);
      if (pod === undefined || pod.spec.nodeName !== this.node.name) this.teardown(key, record);
      else this.podChanged(pod);
    }
    for (const pod of this.informer.list()) this.podChanged(pod);
    const missed = [...this.readyMissed];
    this.readyMissed.clear();
    for (const key of missed) this.markReady(key);
  }

  private podChanged(pod: Pod): void {
    if (this.stopped || pod.spec.nodeName !== this.node.name) return;
    const key = keyOf(pod);
    if (this.busy.has(key)) return;
    const record = this.node.kubelet.pod(pod.metadata.namespace ?? 'default', pod.metadata.name);
    if (pod.metadata.deletionTimestamp !== undefined) {
      if (record !== undefined) this.terminate(key, pod, record);
      else this.finishDeletion(pod.metadata.namespace ?? 'default', pod.metadata.name);
      return;
    }
    // The status manager reconciles: a Ready=False written by someone else (the node lifecycle
    // controller's MarkPodsNotReady while the node was unreachable) is put back.
    if (record !== undefined && this.ready.has(key) && !isPodReady(pod)) {
      this.writeRunning(pod, record, true);
      return;
    }
    if (record === undefined && pod.status?.phase === 'Pending') {
      this.busy.add(key);
      this.ctx.sim.after(this.ctx.delay(this.ctx.timings.podStartNs), this.startLater, key);
    }
  }

  /** Force-deleted (or deleted while the node was down): the sandbox goes at once. */
  private podGone(pod: Pod): void {
    if (this.stopped || pod.spec.nodeName !== this.node.name) return;
    const record = this.node.kubelet.pod(pod.metadata.namespace ?? 'default', pod.metadata.name);
    if (record !== undefined) this.teardown(keyOf(pod), record);
  }

  /**
   * The final delete (grace 0) of a pod the kubelet never started. The watch lags the store: a second
   * event of the same terminating pod can come after the first one's delete went through, and the
   * kubelet ignores the NotFound (status_manager.go) rather than failing.
   */
  private finishDeletion(namespace: string, name: string): void {
    if (this.ctx.store.tryGet<Pod>('Pod', namespace, name) === undefined) return;
    this.ctx.store.delete('Pod', namespace, name, { gracePeriodSeconds: 0 });
  }

  private startPod(key: string): void {
    this.busy.delete(key);
    const [namespace, name] = key.split('/') as [string, string];
    const pod = this.ctx.store.tryGet<Pod>('Pod', namespace, name);
    if (this.stopped || pod === undefined) return;
    if (this.node.kubelet.pod(namespace, name) !== undefined) return;
    // Deleted before its sandbox existed: nothing to stop, so the kubelet finishes the deletion.
    if (pod.metadata.deletionTimestamp !== undefined) {
      this.finishDeletion(namespace, name);
      return;
    }
    const record = this.node.kubelet.runPod(podDesc(pod));
    this.records.set(key, record);
    const now = this.ctx.sim.now;
    if (record.status.phase !== 'Running') {
      this.writeStatus(pod, {
        ...pod.status,
        phase: 'Pending',
        hostIP: this.hostIp(),
        startTime: now,
        conditions: conditions(pod, { scheduled: true, sandbox: false, ready: false }, now, this.shared),
        containerStatuses: pod.spec.containers.map((c) => ({
          name: c.name,
          image: c.image,
          ready: false,
          restartCount: 0,
          started: false,
          state: { waiting: { reason: 'ContainerCreating' } },
        })),
      });
      return;
    }
    this.runtime.start(key, pod, record.netns);
    const readyAfter = readinessDelayNs(pod);
    this.writeRunning(pod, record, readyAfter === 0);
    if (readyAfter > 0) this.ctx.sim.after(this.ctx.delay(readyAfter), () => this.markReady(key), undefined);
  }

  private markReady(key: string): void {
    if (this.stopped) {
      this.readyMissed.add(key);
      return;
    }
    const [namespace, name] = key.split('/') as [string, string];
    const pod = this.ctx.store.tryGet<Pod>('Pod', namespace, name);
    const record = this.node.kubelet.pod(namespace, name);
    if (pod === undefined || record === undefined || pod.metadata.deletionTimestamp !== undefined) return;
    this.writeRunning(pod, record, true);
  }

  private writeRunning(pod: Pod, record: PodRecord, ready: boolean): void {
    const now = this.ctx.sim.now;
    if (ready) this.ready.add(keyOf(pod));
    const ip = record.status.podIP;
    const podIP = ip === undefined ? undefined : formatIp4(ip); // one string for podIP and podIPs[0].ip
    const started = pod.status?.startTime ?? record.createdAt;
    // A loop, not `map`: every pod comes here, and a callback is one more closure per call.
    const containerStatuses: ContainerStatus[] = [];
    const containers = pod.spec.containers;
    for (let i = 0; i < containers.length; i++) {
      const c = containers[i] as (typeof containers)[number];
      // imageID is what the kubelet writes before the runtime reports a digest (not in the typed shape).
      const status = {
        name: c.name,
        image: c.image,
        imageID: '',
        ready,
        started: true,
        restartCount: 0,
        // One ID per container, derived from the sandbox's, so the same seed gives the same IDs. Joined:
        // the store keeps it, and a template's rope is a cons cell beside its flat copy.
        containerID: [
          'containerd://',
          record.containerId.slice(i * 8),
          record.containerId.slice(0, i * 8),
        ].join(''),
        state: this.shared.runningState(record.createdAt),
      };
      containerStatuses.push(status);
    }
    this.writeStatus(pod, {
      ...pod.status,
      phase: 'Running',
      hostIP: this.hostIp(),
      ...(podIP !== undefined ? { podIP, podIPs: [{ ip: podIP }] } : {}),
      startTime: started,
      conditions: conditions(pod, { scheduled: true, sandbox: true, ready }, now, this.shared),
      containerStatuses,
    });
  }

  /**
   * Graceful termination (killPod): preStop, then SIGTERM; the processes exit on it. A preStop longer
   * than the grace period is cut off at its end (SIGKILL).
   */
  private terminate(key: string, pod: Pod, record: PodRecord): void {
    this.busy.add(key);
    const grace =
      (pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30) * S;
    const preStop = Math.max(
      0,
      ...pod.spec.containers.map((c) => (c.lifecycle?.preStop?.sleep?.seconds ?? 0) * S),
    );
    const sigterm = Math.min(preStop, grace);
    this.ctx.sim.after(
      this.ctx.delay(sigterm),
      () => {
        this.runtime.stop(key);
        // The containers have exited: the pod worker tears the sandbox down and the status manager deletes
        // the object (grace 0) once the status says so.
        this.ctx.sim.after(
          this.ctx.delay(this.ctx.timings.watchDelayNs),
          () => this.finish(key, record),
          undefined,
        );
      },
      undefined,
    );
  }

  private finish(key: string, record: PodRecord): void {
    this.busy.delete(key);
    if (this.stopped) return;
    this.teardown(key, record);
    const [namespace, name] = key.split('/') as [string, string];
    if (this.ctx.store.tryGet<Pod>('Pod', namespace, name) !== undefined)
      this.ctx.store.delete('Pod', namespace, name, { gracePeriodSeconds: 0 });
  }

  /** StopPodSandbox: processes gone, CNI DEL, the record forgotten. */
  private teardown(key: string, record: PodRecord): void {
    this.ready.delete(key);
    this.runtime.stop(key);
    this.node.kubelet.deletePod(record.desc.namespace, record.desc.name);
    if (this.records.get(key) === record) this.records.delete(key);
  }

  private hostIp(): string {
    this.hostIpText ??= formatIp4(this.node.ip);
    return this.hostIpText;
  }

  private writeStatus(pod: Pod, status: PodStatusApi): void {
    const current = this.ctx.store.tryGet<Pod>('Pod', pod.metadata.namespace, pod.metadata.name);
    if (current === undefined || current.metadata.uid !== pod.metadata.uid) return;
    this.ctx.store.updateStatus({ ...current, status });
  }
}

function keyOf(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

/**
 * When the pod turns Ready: at the longest initialDelaySeconds of its readiness probes, when the first
 * probe runs and (the built-in servers listening from the start) succeeds; at once without probes.
 */
function readinessDelayNs(pod: Pod): number {
  let d = 0;
  for (const c of pod.spec.containers) {
    const p = c.readinessProbe;
    if (p !== undefined) d = Math.max(d, (p.initialDelaySeconds ?? 0) * S);
  }
  return d;
}

/**
 * Frozen status parts handed out again while equal to what a pod gets: the store keeps a frozen value as
 * it is, so the pods of a node that start together share their conditions and running state instead of
 * each keeping copies (~200 bytes a pod). Each slot holds the last value given; a value that differs
 * replaces it, so what a pod gets always equals a plain build.
 */
class SharedStatus {
  private readonly conditions: (PodCondition | undefined)[] = [];
  private list: readonly PodCondition[] | undefined;
  private running: ContainerStatus['state'] | undefined;

  condition(slot: number, c: PodCondition): PodCondition {
    const last = this.conditions[slot];
    if (last !== undefined && deepEqual(last, c)) return last;
    this.conditions[slot] = Object.freeze(c);
    return c;
  }

  /** `cs`, or the last list when it holds the very same conditions. */
  conditionList(cs: PodCondition[]): readonly PodCondition[] {
    const last = this.list;
    if (last?.length === cs.length) {
      let same = true;
      for (let i = 0; i < cs.length && same; i++) same = cs[i] === last[i];
      if (same) return last;
    }
    this.list = Object.freeze(cs);
    return cs;
  }

  runningState(startedAt: number): ContainerStatus['state'] {
    if (this.running?.running?.startedAt !== startedAt) this.running = frozenCopy({ running: { startedAt } });
    return this.running;
  }
}

/** The pod conditions the kubelet writes, keeping each one's transition time while its status holds. */
function conditions(
  pod: Pod,
  s: { readonly scheduled: boolean; readonly sandbox: boolean; readonly ready: boolean },
  now: number,
  shared: SharedStatus,
): readonly PodCondition[] {
  const old = pod.status?.conditions ?? [];
  return shared.conditionList([
    condition(old, now, shared, 0, 'PodReadyToStartContainers', s.sandbox),
    condition(old, now, shared, 1, 'Initialized', true),
    condition(old, now, shared, 2, 'Ready', s.ready, 'ContainersNotReady'),
    condition(old, now, shared, 3, 'ContainersReady', s.ready, 'ContainersNotReady'),
    condition(old, now, shared, 4, 'PodScheduled', s.scheduled),
  ]);
}

/**
 * One condition (`reason` only while it is False). A plain function rather than a closure per call:
 * every pod's status comes through here.
 */
function condition(
  old: readonly PodCondition[],
  now: number,
  shared: SharedStatus,
  place: number,
  type: PodCondition['type'],
  ok: boolean,
  reason?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  let prev: PodCondition | undefined;
  for (const c of old) {
    if (c.type === type) {
      prev = c;
      break;
    }
  }
  const lastTransitionTime =
    prev !== undefined && prev.status === status ? (prev.lastTransitionTime ?? now) : now;
  const next: PodCondition =
    reason !== undefined && !ok
      ? { type, status, reason, lastTransitionTime }
      : { type, status, lastTransitionTime };
  // An unchanged condition is the stored (frozen) one: the store keeps it instead of a copy.
  if (prev !== undefined && deepEqual(prev, next)) return prev;
  return shared.condition(2 * place + (ok ? 1 : 0), next); // the call's place, and True or False
}

function podDesc(pod: Pod): PodDesc {
  const mtuText = pod.metadata.annotations?.[MTU_ANNOTATION];
  const mtu = mtuText === undefined ? undefined : Number(mtuText);
  return {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? 'default',
    containers: pod.spec.containers, // the store's frozen containers: the kubelet reads only their names
    hostNetwork: pod.spec.hostNetwork === true,
    ...(mtu !== undefined && Number.isInteger(mtu) ? { mtu } : {}),
  };
}
