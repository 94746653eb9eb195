/**
 * The shortcuts of the Deployment and ReplicaSet syncs against the plain computations they replace:
 * statusUnchanged against comparing the built status (deepEqualJson(stored, makeStatus(...))),
 * findNewReplicaSet's scan against sorting by creation, and the shared informers' owner and orphan
 * lists (remembered per controller reference, per namespace and per index version) against filtering
 * the store. The references are written out here, independently.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ControlPlaneContext,
  type Deployment,
  type DeploymentStatusApi,
  type Pod,
  type PodTemplate,
  type ReplicaSet,
} from '../../../src/k8s/api/index.js';
import {
  conditionsOf,
  type DeploymentCondition,
  makeStatus,
  type StatusCounters,
  statusUnchanged,
} from '../../../src/k8s/controllers/deployment-status.js';
import { DeploymentSync, type DeploymentSyncDeps } from '../../../src/k8s/controllers/deployment-sync.js';
import { byCreation, findNewReplicaSet } from '../../../src/k8s/controllers/deployment-util.js';
import { SharedInformer } from '../../../src/k8s/controllers/informers.js';
import { deepEqualJson } from '../../../src/k8s/controllers/json.js';
import { ApiStore, frozenCopy } from '../../../src/k8s/store/index.js';
import { Sim } from '../../../src/sim/index.js';

const counter = fc.constantFrom(0, 1, 3);
/** A stored counter: absent, a number, or one of the values deepEqualJson takes for empty. */
const storedCounter = fc.constantFrom<unknown>(undefined, 0, 1, 3, [], {});
const conditionArb = fc.record(
  {
    type: fc.constantFrom('Available', 'Progressing', 'Other'),
    status: fc.constantFrom('True', 'False', 'Unknown'),
    lastUpdateTime: fc.constantFrom(0, 5),
    lastTransitionTime: fc.constantFrom(0, 5),
    reason: fc.constantFrom('A', 'B'),
    message: fc.constantFrom('m', 'n'),
  },
  { requiredKeys: ['type', 'status'] },
);
const storedStatusArb = fc.record(
  {
    observedGeneration: storedCounter,
    replicas: storedCounter,
    updatedReplicas: storedCounter,
    readyReplicas: storedCounter,
    availableReplicas: storedCounter,
    unavailableReplicas: storedCounter,
    conditions: fc.array(conditionArb, { maxLength: 3 }),
    collisionCount: fc.constantFrom<unknown>(undefined, 0, 2),
    extra: fc.constantFrom<unknown>(undefined, [], 1),
  },
  { requiredKeys: [] },
);
const countersArb: fc.Arbitrary<StatusCounters> = fc.record({
  observedGeneration: counter,
  replicas: counter,
  updatedReplicas: counter,
  readyReplicas: counter,
  availableReplicas: counter,
  unavailableReplicas: counter,
  collisionCount: fc.constantFrom(undefined, 0, 2),
});

describe('statusUnchanged', () => {
  it('says what comparing the built status says, for the stored conditions read back or others', () => {
    fc.assert(
      fc.property(
        fc.option(storedStatusArb, { nil: undefined }),
        countersArb,
        fc.boolean(),
        fc.boolean(),
        fc.array(conditionArb, { maxLength: 2 }),
        (raw, counters, frozen, readBack, other) => {
          const stored = (raw === undefined ? undefined : frozen ? frozenCopy(raw) : structuredClone(raw)) as
            | DeploymentStatusApi
            | undefined;
          const conds = (readBack ? conditionsOf(stored) : other) as readonly DeploymentCondition[];
          const expected = deepEqualJson(stored, makeStatus(counters, conds));
          expect(statusUnchanged(stored, counters, conds)).toBe(expected);
          // Asked again (the read-back answer now remembered), and after another status was read.
          expect(statusUnchanged(stored, counters, conds)).toBe(expected);
          conditionsOf(frozenCopy({ conditions: [{ type: 'Available', status: 'True' }] }));
          expect(statusUnchanged(stored, counters, conds)).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('does not take the answer for one stored status as that of another', () => {
    const counters: StatusCounters = {
      observedGeneration: 1,
      replicas: 0,
      updatedReplicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      unavailableReplicas: 0,
      collisionCount: undefined,
    };
    const full = { type: 'Available', status: 'True', lastUpdateTime: 0, lastTransitionTime: 0 };
    const equal = frozenCopy({ observedGeneration: 1, conditions: [{ ...full, reason: '', message: '' }] });
    // Read back, this one's conditions gain the times and reason it lacks: not equal to the stored ones.
    const lacking = frozenCopy({
      observedGeneration: 1,
      conditions: [{ type: 'Available', status: 'True' }],
    });
    expect(statusUnchanged(equal, counters, conditionsOf(equal))).toBe(true);
    expect(statusUnchanged(lacking, counters, conditionsOf(lacking))).toBe(false);
    expect(statusUnchanged(equal, counters, conditionsOf(equal))).toBe(true);
  });
});

describe('conditionsOf', () => {
  /** readConditions as written first: every member, absent times 0, unknown types ReplicaFailure. */
  const refRead = (status: Readonly<Record<string, unknown>>): unknown[] =>
    ((status['conditions'] as Record<string, unknown>[] | undefined) ?? []).map((c) => ({
      type: c['type'] === 'Available' || c['type'] === 'Progressing' ? c['type'] : 'ReplicaFailure',
      status: c['status'] === 'True' || c['status'] === 'False' ? c['status'] : 'Unknown',
      lastUpdateTime: typeof c['lastUpdateTime'] === 'number' ? c['lastUpdateTime'] : 0,
      lastTransitionTime: typeof c['lastTransitionTime'] === 'number' ? c['lastTransitionTime'] : 0,
      reason: c['reason'] ?? '',
      message: c['message'] ?? '',
    }));
  // Conditions as the controller writes them (all members, in order), or shuffled, partial, extended.
  const writtenArb = fc.record({
    type: fc.constantFrom('Available', 'Progressing', 'ReplicaFailure', 'Other'),
    status: fc.constantFrom('True', 'False', 'Maybe'),
    lastUpdateTime: fc.constantFrom<unknown>(0, 7, '7'),
    lastTransitionTime: fc.constantFrom<unknown>(0, 3),
    reason: fc.constantFrom('A', 'B'),
    message: fc.constantFrom('m', 'n'),
  });
  const condArb = fc.oneof(
    writtenArb,
    writtenArb.map(({ message, ...rest }) => ({ message, ...rest })),
    writtenArb.map(({ reason: _r, ...c }) => c),
    writtenArb.map((c) => ({ ...c, extra: 1 })),
  );

  it('reads what the plain mapping reads, member for member and in order', () => {
    fc.assert(
      fc.property(fc.array(condArb, { maxLength: 3 }), fc.boolean(), (conditions, frozen) => {
        const status = frozen ? frozenCopy({ conditions }) : { conditions };
        const expected = JSON.stringify(refRead(status));
        expect(JSON.stringify(conditionsOf(status as DeploymentStatusApi))).toBe(expected);
        expect(JSON.stringify(conditionsOf(status as DeploymentStatusApi))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('findNewReplicaSet', () => {
  const template = (image: string): PodTemplate =>
    frozenCopy({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
  const rsArb = fc.record({
    name: fc.constantFrom('a', 'b', 'c', 'd'),
    created: fc.integer({ min: 0, max: 3 }),
    image: fc.constantFrom('x', 'y'),
  });

  it('is the first matching ReplicaSet once sorted by creation', () => {
    fc.assert(
      fc.property(fc.array(rsArb, { maxLength: 6 }), fc.constantFrom('x', 'y'), (specs, image) => {
        const rsList = specs.map(
          (r, i) =>
            frozenCopy({
              metadata: { name: r.name, uid: `u${i}`, creationTimestamp: r.created },
              spec: { template: template(r.image) },
            }) as unknown as ReplicaSet,
        );
        const d = frozenCopy({ metadata: { name: 'web' }, spec: { template: template(image) } });
        const expected = [...rsList]
          .sort(byCreation)
          .find((rs) => rs.spec.template.spec.containers[0]?.image === image);
        expect(findNewReplicaSet(d as unknown as Deployment, rsList)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('SharedInformer ownedBy and orphansIn', () => {
  type Op =
    | { readonly op: 'create'; readonly pod: number; readonly ns: string; readonly owner: number | undefined }
    | { readonly op: 'own'; readonly pod: number; readonly owner: number | undefined }
    | { readonly op: 'label'; readonly pod: number; readonly value: string }
    | { readonly op: 'delete'; readonly pod: number };
  const pod = fc.integer({ min: 0, max: 5 });
  const owner = fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined });
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('create' as const), pod, ns: fc.constantFrom('a', 'b'), owner }),
    fc.record({ op: fc.constant('own' as const), pod, owner }),
    fc.record({ op: fc.constant('label' as const), pod, value: fc.constantFrom('x', 'y') }),
    fc.record({ op: fc.constant('delete' as const), pod }),
  );
  const refsOf = (o: number | undefined) =>
    o === undefined
      ? undefined
      : [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs${o}`, uid: `rs-${o}`, controller: true }];

  /** The store's pods of `ns` with no controller, or controlled by `uid`, by name. */
  function expected(store: ApiStore, pick: (p: Pod) => boolean): string[] {
    return store
      .list<Pod>('Pod')
      .items.filter(pick)
      .map((p) => p.metadata.name)
      .sort();
  }
  const names = (pods: readonly Pod[]): string[] => pods.map((p) => p.metadata.name).sort();

  it('list what filtering the store lists, after every step of random writes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
        const sim = new Sim({ seed: 1 });
        const store = new ApiStore(sim);
        const ctx = new ControlPlaneContext(sim, store);
        const pods = new SharedInformer<Pod>(ctx, 'Pod');
        pods.start();
        for (const o of ops) {
          const name = `p${o.pod}`;
          const live = store.list<Pod>('Pod').items.find((p) => p.metadata.name === name);
          if (o.op === 'create' && live === undefined) {
            const refs = refsOf(o.owner);
            store.create({
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name, namespace: o.ns, ...(refs === undefined ? {} : { ownerReferences: refs }) },
              spec: { containers: [{ name: 'c', image: 'i' }] },
            });
          } else if (o.op === 'own' && live !== undefined) {
            store.update({ ...live, metadata: { ...live.metadata, ownerReferences: refsOf(o.owner) } });
          } else if (o.op === 'label' && live !== undefined) {
            store.update({ ...live, metadata: { ...live.metadata, labels: { v: o.value } } });
          } else if (o.op === 'delete' && live !== undefined) {
            store.delete('Pod', live.metadata.namespace, name);
          }
          sim.run();
          for (const ns of ['a', 'b']) {
            const orphans = expected(
              store,
              (p) => p.metadata.namespace === ns && (p.metadata.ownerReferences ?? []).length === 0,
            );
            // Twice: the second answer comes from what the first remembered.
            expect(names(pods.orphansIn(ns))).toEqual(orphans);
            expect(names(pods.orphansIn(ns))).toEqual(orphans);
          }
          for (const o2 of [0, 1, 2]) {
            const uid = `rs-${o2}`;
            const owned = expected(store, (p) => p.metadata.ownerReferences?.[0]?.uid === uid);
            expect(names(pods.ownedBy(uid))).toEqual(owned);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('DeploymentSync.allReplicaSets asked twice', () => {
  /**
   * One store holding a Deployment and its ReplicaSets, whose new one may lack the Deployment's
   * annotations, revision or minReadySeconds, and a Deployment status with or without Progressing.
   */
  interface Case {
    readonly dAnnotation: string | undefined;
    readonly rsAnnotation: string | undefined;
    readonly rsRevision: string | undefined;
    readonly oldRevision: number;
    readonly dMinReady: number | undefined;
    readonly rsMinReady: number | undefined;
    readonly progressing: boolean;
  }
  const caseArb: fc.Arbitrary<Case> = fc.record({
    dAnnotation: fc.constantFrom(undefined, 'x', 'y'),
    rsAnnotation: fc.constantFrom(undefined, 'x'),
    rsRevision: fc.constantFrom(undefined, '1', '2', '3'),
    oldRevision: fc.constantFrom(0, 1, 2),
    dMinReady: fc.constantFrom(undefined, 0, 5),
    rsMinReady: fc.constantFrom(undefined, 5),
    progressing: fc.boolean(),
  });

  function setUp(c: Case): {
    store: ApiStore;
    ctx: ControlPlaneContext;
    d: Deployment;
    rsList: ReplicaSet[];
  } {
    const sim = new Sim({ seed: 1 });
    const store = new ApiStore(sim);
    const ctx = new ControlPlaneContext(sim, store);
    const template = {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    };
    let d = store.create<Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'default',
        ...(c.dAnnotation === undefined ? {} : { annotations: { note: c.dAnnotation } }),
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template,
        ...(c.dMinReady === undefined ? {} : { minReadySeconds: c.dMinReady }),
      },
    });
    if (c.progressing) {
      const cond = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'm' };
      d = store.updateStatus<Deployment>({ ...d, status: { conditions: [cond] } });
    }
    const ref = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      uid: d.metadata.uid,
      controller: true,
    };
    const rs = (name: string, image: string, annotations: Record<string, string>, minReady?: number) =>
      store.create<ReplicaSet>({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name, namespace: 'default', annotations, ownerReferences: [ref] },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: { ...template, spec: { containers: [{ name: 'c', image }] } },
          ...(minReady === undefined ? {} : { minReadySeconds: minReady }),
        },
      });
    const newAnnotations: Record<string, string> = {};
    if (c.rsAnnotation !== undefined) newAnnotations['note'] = c.rsAnnotation;
    if (c.rsRevision !== undefined) newAnnotations['deployment.kubernetes.io/revision'] = c.rsRevision;
    const rsList = [
      rs('web-old', 'old', { 'deployment.kubernetes.io/revision': String(c.oldRevision) }),
      rs('web-new', 'i', newAnnotations, c.rsMinReady),
    ];
    return { store, ctx, d, rsList };
  }

  /** Runs `f`, answering what it returned or the reason of the API error it threw. */
  function outcome<T>(f: () => T): T | string {
    try {
      return f();
    } catch (e) {
      return e instanceof Error ? `error: ${e.message}` : 'error';
    }
  }
  const deps = (ctx: ControlPlaneContext, rsList: readonly ReplicaSet[]): DeploymentSyncDeps => ({
    ctx,
    cachedReplicaSet: (_ns, name) => rsList.find((r) => r.metadata.name === name),
    requeueAfter: () => {},
  });
  const summary = (store: ApiStore, r: ReturnType<DeploymentSync['allReplicaSets']> | string) => ({
    r: typeof r === 'string' ? r : { newRS: r.newRS?.metadata.resourceVersion, old: r.oldRSs.length },
    objects: [...store.list('Deployment').items, ...store.list('ReplicaSet').items],
  });

  it('does and writes what a fresh sync of the updated Deployment does the second time', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        // Twice in one sync (with what it remembers from the first time)...
        const a = setUp(c);
        const s = new DeploymentSync(deps(a.ctx, a.rsList), a.d, a.rsList, () => new Map());
        s.allReplicaSets(false);
        const second = outcome(() => s.allReplicaSets(false));
        // ...and the second time by a sync of its own, remembering nothing, from the Deployment written.
        const b = setUp(c);
        const first = new DeploymentSync(deps(b.ctx, b.rsList), b.d, b.rsList, () => new Map());
        first.allReplicaSets(false);
        const fresh = new DeploymentSync(deps(b.ctx, b.rsList), first.d, b.rsList, () => new Map());
        const again = outcome(() => fresh.allReplicaSets(false));
        expect(summary(a.store, second)).toEqual(summary(b.store, again));
        expect(s.d).toEqual(fresh.d);
      }),
      { numRuns: 300 },
    );
  });
});
