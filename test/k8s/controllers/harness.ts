/**
 * A small cluster for the workload controller tests: the API store, the controllers, nodes, and a fake
 * kubelet + binder standing in for kube-scheduler and the kubelets. It binds an unbound pod after
 * `bindNs` (to the node a DaemonSet pod is pinned to, else round-robin), marks a bound pod Running and
 * Ready after `readyNs`, and removes a terminating pod (delete with grace 0) after `killNs`.
 */

import { ControlPlaneContext, type Node, type Pod } from '../../../src/k8s/api/index.js';
import { startWorkloadControllers, type WorkloadControllers } from '../../../src/k8s/controllers/index.js';
import { ApiStore, Informer, type ObjectInput } from '../../../src/k8s/store/index.js';
import { Sim } from '../../../src/sim/index.js';

export const MS = 1_000_000;
export const S = 1_000_000_000;

export interface HarnessOptions {
  readonly seed?: number;
  readonly nodes?: readonly (
    | string
    | { name: string; taints?: Node['spec']['taints']; labels?: Record<string, string> }
  )[];
  readonly bindNs?: number;
  readonly readyNs?: number;
  readonly killNs?: number;
  /** Pods the fake kubelet never marks ready (by name prefix). */
  readonly neverReady?: string;
  /** Keep the context settling (every delay 0) instead of switching it off. */
  readonly settling?: boolean;
}

export class Harness {
  readonly sim: Sim;
  readonly store: ApiStore;
  readonly ctx: ControlPlaneContext;
  readonly controllers: WorkloadControllers;
  /** Pod name → time it was created / became ready / was removed (last occurrence). */
  readonly created = new Map<string, number>();
  readonly readyAt = new Map<string, number>();
  readonly removedAt = new Map<string, number>();
  readonly deletingAt = new Map<string, number>();
  private next = 0;
  private readonly bindNs: number;
  private readonly readyNs: number;
  private readonly killNs: number;
  private readonly pending = new Set<string>();
  private readonly neverReady: string | undefined;

  constructor(o: HarnessOptions = {}) {
    this.sim = new Sim({ seed: o.seed ?? 1 });
    this.store = new ApiStore(this.sim);
    this.ctx = new ControlPlaneContext(this.sim, this.store);
    this.ctx.settling = o.settling ?? false;
    this.bindNs = o.bindNs ?? 50 * MS;
    this.readyNs = o.readyNs ?? 200 * MS;
    this.killNs = o.killNs ?? 100 * MS;
    this.neverReady = o.neverReady;
    for (const n of o.nodes ?? ['node1', 'node2', 'node3']) this.addNode(n);
    new Informer<Pod>(this.store, this.sim, 'Pod', {
      delayNs: this.ctx.watchDelay,
      handlers: { onAdd: (p) => this.observe(p), onUpdate: (_o, p) => this.observe(p) },
    }).start();
    this.store.watch<Pod>('Pod', {}, (e) => {
      const name = e.object.metadata.name;
      if (e.type === 'ADDED') this.created.set(name, this.sim.now);
      if (e.type === 'DELETED') this.removedAt.set(name, this.sim.now);
      if (
        e.type === 'MODIFIED' &&
        e.object.metadata.deletionTimestamp !== undefined &&
        !this.deletingAt.has(name)
      ) {
        this.deletingAt.set(name, this.sim.now);
      }
    });
    this.controllers = startWorkloadControllers(this.ctx);
  }

  addNode(
    n: string | { name: string; taints?: Node['spec']['taints']; labels?: Record<string, string> },
  ): void {
    const spec = typeof n === 'string' ? { name: n } : n;
    this.store.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: spec.name, labels: { 'kubernetes.io/hostname': spec.name, ...spec.labels } },
      spec: { taints: spec.taints },
    });
  }

  apply(input: ObjectInput): void {
    const found = this.store.tryGet(input.kind, input.metadata.namespace, input.metadata.name ?? '');
    if (found === undefined) this.store.create(input);
    else
      this.store.update({
        ...input,
        metadata: { ...found.metadata, ...input.metadata, resourceVersion: '' },
      });
  }

  /** Runs until idle or `until` (absolute ns), calling `check` after every event. */
  run(untilNs: number, check?: () => void): void {
    for (;;) {
      const r = this.sim.run({
        until: untilNs,
        maxEvents: check === undefined ? Number.POSITIVE_INFINITY : 1,
      });
      check?.();
      if (r.outcome !== 'event-limit') return;
    }
  }

  pods(): Pod[] {
    return [...this.store.list<Pod>('Pod').items];
  }

  private observe(p: Pod): void {
    const uid = p.metadata.uid;
    if (p.metadata.deletionTimestamp !== undefined) {
      this.once(`kill/${uid}`, this.killNs, () => {
        const live = this.store.tryGet<Pod>('Pod', p.metadata.namespace, p.metadata.name);
        if (live?.metadata.uid === uid) this.store.delete('Pod', p.metadata.namespace, p.metadata.name);
      });
      return;
    }
    if ((p.spec.nodeName ?? '') === '') {
      this.once(`bind/${uid}`, this.bindNs, () => this.bind(p));
    } else if (p.status?.phase !== 'Running') {
      if (this.neverReady !== undefined && p.metadata.name.startsWith(this.neverReady)) return;
      this.once(`ready/${uid}`, this.readyNs, () => {
        const live = this.store.tryGet<Pod>('Pod', p.metadata.namespace, p.metadata.name);
        if (live === undefined || live.metadata.uid !== uid || live.metadata.deletionTimestamp !== undefined)
          return;
        const now = this.sim.now;
        this.readyAt.set(p.metadata.name, now);
        this.store.updateStatus({
          ...live,
          status: {
            phase: 'Running',
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
          },
        });
      });
    }
  }

  private once(key: string, delay: number, fn: () => void): void {
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.sim.after(this.ctx.delay(delay), fn, undefined);
  }

  private bind(p: Pod): void {
    const live = this.store.tryGet<Pod>('Pod', p.metadata.namespace, p.metadata.name);
    if (
      live === undefined ||
      live.metadata.uid !== p.metadata.uid ||
      live.metadata.deletionTimestamp !== undefined
    ) {
      return;
    }
    const nodes = this.store.list<Node>('Node').items.map((n) => n.metadata.name);
    const pinned =
      live.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]
        ?.matchFields?.[0]?.values?.[0];
    let node: string | undefined;
    if (pinned !== undefined) node = nodes.includes(pinned) ? pinned : undefined;
    else node = nodes[this.next++ % Math.max(1, nodes.length)];
    if (node === undefined) return;
    this.store.update({
      ...live,
      metadata: { ...live.metadata, resourceVersion: '' },
      spec: { ...live.spec, nodeName: node },
    });
  }
}

export const container = (image = 'nginx:1.25') => ({ containers: [{ name: 'app', image }] });

export function deployment(
  name: string,
  replicas: number,
  extra: { image?: string; strategy?: unknown; revisionHistoryLimit?: number; minReadySeconds?: number } = {},
): ObjectInput {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: container(extra.image) },
      ...(extra.strategy === undefined ? {} : { strategy: extra.strategy }),
      ...(extra.revisionHistoryLimit === undefined
        ? {}
        : { revisionHistoryLimit: extra.revisionHistoryLimit }),
      ...(extra.minReadySeconds === undefined ? {} : { minReadySeconds: extra.minReadySeconds }),
    },
  };
}

export function replicaSet(name: string, replicas: number, minReadySeconds?: number): ObjectInput {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: container() },
      ...(minReadySeconds === undefined ? {} : { minReadySeconds }),
    },
  };
}

export const active = (pods: readonly Pod[]): Pod[] =>
  pods.filter((p) => p.metadata.deletionTimestamp === undefined && p.status?.phase !== 'Failed');
export const ready = (p: Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
