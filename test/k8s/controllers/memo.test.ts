/**
 * The controllers' remembered answers (memo.ts and the memos of the Deployment helpers) against the
 * plain computations they stand for: remembered or not, frozen or not, asked once or many times over,
 * every answer is the one computed afresh. The references here are written out independently.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Deployment,
  isPodReady,
  POD_TEMPLATE_HASH_LABEL,
  type Pod,
  type PodTemplate,
  type ReplicaSet,
} from '../../../src/k8s/api/index.js';
import { newRSAnnotations } from '../../../src/k8s/controllers/deployment-annotations.js';
import { conditionsOf, makeStatus } from '../../../src/k8s/controllers/deployment-status.js';
import { equalIgnoreHash, REVISION_ANNOTATION } from '../../../src/k8s/controllers/deployment-util.js';
import { canonicalJson } from '../../../src/k8s/controllers/hash.js';
import { deepEqualJson } from '../../../src/k8s/controllers/json.js';
import { selectorMatches } from '../../../src/k8s/controllers/memo.js';
import { controllerRefOf, isPodAvailable } from '../../../src/k8s/controllers/pods.js';
import { replicaSetStatus } from '../../../src/k8s/controllers/replicaset.js';
import { compileSelector, frozenCopy, type LabelSelector } from '../../../src/k8s/store/index.js';

/** Semantic.DeepEqual as first written: the union of both sides' keys, empty equal to absent. */
function refDeepEqual(a: unknown, b: unknown): boolean {
  const empty = (v: unknown): boolean =>
    v === undefined ||
    (Array.isArray(v) ? v.length === 0 : v !== null && typeof v === 'object' && Object.keys(v).length === 0);
  if (a === b) return true;
  if (empty(a) && empty(b)) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => refDeepEqual(x, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return [...new Set([...Object.keys(ra), ...Object.keys(rb)])].every((k) => refDeepEqual(ra[k], rb[k]));
}

/** EqualIgnoreHash computed afresh: both templates without the pod-template-hash label. */
function refEqualIgnoreHash(a: PodTemplate, b: PodTemplate): boolean {
  const strip = (t: PodTemplate): unknown => {
    const labels = Object.fromEntries(
      Object.entries(t.metadata?.labels ?? {}).filter(([k]) => k !== POD_TEMPLATE_HASH_LABEL),
    );
    return { ...t, metadata: { ...t.metadata, labels: Object.keys(labels).length > 0 ? labels : undefined } };
  };
  return refDeepEqual(strip(a), strip(b));
}

const small = fc.constantFrom('a', 'b', 'c');
const labelsArb = fc.dictionary(fc.constantFrom('app', 'tier', POD_TEMPLATE_HASH_LABEL), small, {
  maxKeys: 3,
});
const jsonLeaf = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.integer({ min: 0, max: 2 }),
  small,
);
const jsonArb = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, jsonLeaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom('x', 'y', 'z'), tie('value'), { maxKeys: 3 }),
})).value;
const templateArb: fc.Arbitrary<PodTemplate> = fc.record(
  {
    metadata: fc.record(
      { labels: labelsArb, annotations: fc.dictionary(small, small, { maxKeys: 1 }) },
      {
        requiredKeys: [],
      },
    ),
    spec: fc.record({
      containers: fc.array(fc.record({ name: small, image: small }), { minLength: 1, maxLength: 2 }),
      extra: jsonArb,
    }),
  },
  { requiredKeys: ['spec'] },
) as unknown as fc.Arbitrary<PodTemplate>;

describe('deepEqualJson', () => {
  it('answers as the union-of-keys definition on random JSON-like values', () => {
    fc.assert(
      fc.property(jsonArb, jsonArb, (a, b) => {
        expect(deepEqualJson(a, b)).toBe(refDeepEqual(a, b));
        expect(deepEqualJson(a, a)).toBe(refDeepEqual(a, a));
      }),
      { numRuns: 500 },
    );
  });
});

describe('canonicalJson and makeStatus, written as loops and named stores', () => {
  /** Sorted-key JSON as first written, with entry lists. */
  function refCanonical(value: unknown): string {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    if (Array.isArray(value)) return `[${value.map(refCanonical).join(',')}]`;
    const entries = Object.entries(value)
      .filter((e) => e[1] !== undefined)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${refCanonical(v)}`).join(',')}}`;
  }

  it('canonicalJson prints what the entry-list version prints', () => {
    const keyed = fc.dictionary(fc.constantFrom('b', 'a', 'B', 'é', '10', '9', 'a b'), jsonArb, {
      maxKeys: 5,
    });
    fc.assert(
      fc.property(fc.oneof(jsonArb, keyed, fc.array(keyed, { maxLength: 3 })), (v) => {
        expect(canonicalJson(v)).toBe(refCanonical(v));
      }),
      { numRuns: 500 },
    );
  });

  it('makeStatus leaves out zero counters and keeps DeploymentStatus field order', () => {
    const n = fc.constantFrom(0, 1, 7);
    fc.assert(
      fc.property(
        fc.tuple(n, n, n, n, n, n),
        fc.option(fc.constantFrom(0, 2), { nil: undefined }),
        fc.boolean(),
        ([observedGeneration, replicas, updated, ready, available, unavailable], collisionCount, conds) => {
          const conditions = conds
            ? conditionsOf(frozenCopy({ conditions: [{ type: 'Available', status: 'True' }] }))
            : [];
          const s = makeStatus({
            observedGeneration,
            replicas,
            updatedReplicas: updated,
            readyReplicas: ready,
            availableReplicas: available,
            unavailableReplicas: unavailable,
            collisionCount,
            conditions,
          });
          const expected: [string, unknown][] = [
            ['observedGeneration', observedGeneration],
            ['replicas', replicas],
            ['updatedReplicas', updated],
            ['readyReplicas', ready],
            ['availableReplicas', available],
            ['unavailableReplicas', unavailable],
          ];
          const want = expected.filter(([, v]) => v !== 0);
          if (conds) want.push(['conditions', conditions]);
          if (collisionCount !== undefined) want.push(['collisionCount', collisionCount]);
          expect(Object.entries(s)).toEqual(want);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('equalIgnoreHash (remembered per pair of frozen templates)', () => {
  it('equals the fresh computation, frozen or not, asked repeatedly in either order', () => {
    fc.assert(
      fc.property(fc.array(templateArb, { minLength: 1, maxLength: 4 }), fc.boolean(), (ts, freeze) => {
        // Equal-content copies too, so that equal answers are exercised, not only unequal ones.
        const all = [...ts, ...ts.map((t) => structuredClone(t))].map((t) => (freeze ? frozenCopy(t) : t));
        for (let round = 0; round < 2; round++) {
          for (const a of all) {
            for (const b of all) expect(equalIgnoreHash(a, b)).toBe(refEqualIgnoreHash(a, b));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('ignores only the pod-template-hash label', () => {
    const t = frozenCopy<PodTemplate>({ metadata: { labels: { app: 'web' } }, spec: { containers: [] } });
    const hashed = frozenCopy<PodTemplate>({
      metadata: { labels: { app: 'web', [POD_TEMPLATE_HASH_LABEL]: 'x' } },
      spec: { containers: [] },
    });
    const other = frozenCopy<PodTemplate>({ metadata: { labels: { app: 'db' } }, spec: { containers: [] } });
    expect(equalIgnoreHash(t, hashed)).toBe(true);
    expect(equalIgnoreHash(hashed, t)).toBe(true);
    expect(equalIgnoreHash(t, other)).toBe(false);
  });
});

describe('selectorMatches (remembered per frozen selector and labels)', () => {
  const selectorArb: fc.Arbitrary<LabelSelector> = fc.record(
    {
      matchLabels: fc.dictionary(fc.constantFrom('app', 'tier'), small, { maxKeys: 2 }),
      matchExpressions: fc.array(
        fc.record({
          key: fc.constantFrom('app', 'tier', 'zone'),
          operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'),
          values: fc.array(small, { maxLength: 2 }),
        }),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<LabelSelector>;

  it('equals compileSelector on random selectors and label sets, asked repeatedly', () => {
    fc.assert(
      fc.property(
        fc.array(selectorArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.option(labelsArb, { nil: undefined }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (selectors, labelSets, freeze) => {
          const sels = selectors.map((s) => (freeze ? frozenCopy(s) : s));
          const labels = labelSets.map((l) => (freeze && l !== undefined ? frozenCopy(l) : l));
          for (let round = 0; round < 2; round++) {
            for (const s of sels) {
              for (const l of labels) expect(selectorMatches(s, l)).toBe(compileSelector(s)(l));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('conditionsOf (the last stored status remembered)', () => {
  it('reads each status as a fresh read would, whichever status was read before', () => {
    const status = (reason: string, t?: number) =>
      frozenCopy({
        replicas: 1,
        conditions: [
          { type: 'Available', status: 'True', reason, message: 'm', lastUpdateTime: t },
          { type: 'Progressing', status: 'Maybe', lastTransitionTime: 5 },
        ],
      }) as unknown as Deployment['status'];
    const a = status('A', 3);
    const b = status('B');
    for (const s of [a, a, b, a, b, b, undefined, a]) {
      const expected = (s?.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status === 'True' ? 'True' : 'Unknown',
        lastUpdateTime: 'lastUpdateTime' in c && typeof c.lastUpdateTime === 'number' ? c.lastUpdateTime : 0,
        lastTransitionTime:
          'lastTransitionTime' in c && typeof c.lastTransitionTime === 'number' ? c.lastTransitionTime : 0,
        reason: c.reason ?? '',
        message: c.message ?? '',
      }));
      expect(conditionsOf(s)).toEqual(expected);
    }
  });
});

describe('newRSAnnotations (up-to-date check before building)', () => {
  /** SetNewReplicaSetAnnotations for an existing ReplicaSet, built in full every time. */
  function reference(d: Deployment, current: Record<string, string> | undefined, rev: number) {
    const out: Record<string, string> = { ...current };
    let changed = false;
    const skip = (k: string) => k.startsWith('deployment.kubernetes.io/');
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
      if (skip(k) || out[k] === v) continue;
      out[k] = v;
      changed = true;
    }
    const old = current?.[REVISION_ANNOTATION];
    const oldInt = old === undefined || old === '' ? 0 : Number(old);
    if (Number.isInteger(oldInt) && oldInt < rev) {
      out[REVISION_ANNOTATION] = String(rev);
      changed = true;
      if (old !== undefined) {
        const h = current?.['deployment.kubernetes.io/revision-history'];
        out['deployment.kubernetes.io/revision-history'] = h === undefined || h === '' ? old : `${h},${old}`;
      }
    }
    if (!changed) return undefined;
    return Object.fromEntries(Object.entries(out).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  }

  it('returns what the full computation returns for an existing ReplicaSet', () => {
    const keys = fc.constantFrom(
      'team',
      'note',
      REVISION_ANNOTATION,
      'deployment.kubernetes.io/revision-history',
    );
    const values = fc.constantFrom('1', '2', '3', 'x', '');
    fc.assert(
      fc.property(
        fc.dictionary(keys, values, { maxKeys: 3 }),
        fc.option(fc.dictionary(keys, values, { maxKeys: 3 }), { nil: undefined }),
        fc.integer({ min: 1, max: 4 }),
        (own, current, rev) => {
          const d = { metadata: { name: 'd', annotations: own }, spec: {} } as unknown as Deployment;
          expect(newRSAnnotations(d, current, rev, true)).toEqual(reference(d, current, rev));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('pod checks written as loops', () => {
  const condArb = fc.record({
    type: fc.constantFrom('Ready', 'ContainersReady', 'PodScheduled'),
    status: fc.constantFrom('True', 'False'),
    lastTransitionTime: fc.option(fc.integer({ min: 0, max: 10_000_000_000 }), { nil: undefined }),
  });
  const templateLabels = frozenCopy({ app: 'web', tier: 'a' });
  const podArb = fc.record({
    labels: fc.oneof(fc.constant(templateLabels), fc.option(labelsArb, { nil: undefined })),
    conditions: fc.option(fc.array(condArb, { maxLength: 3 }), { nil: undefined }),
    controller: fc.constantFrom(undefined, true, false),
  });
  const toPod = (p: {
    labels: Record<string, string> | undefined;
    conditions: unknown;
    controller: boolean | undefined;
  }): Pod =>
    frozenCopy({
      metadata: {
        name: 'p',
        labels: p.labels,
        ownerReferences: [
          { kind: 'X', name: 'other', uid: 'u0' },
          { kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: p.controller },
        ],
      },
      spec: {},
      status: { conditions: p.conditions },
    }) as unknown as Pod;

  it('replicaSetStatus counts as the per-pod definitions do', () => {
    fc.assert(
      fc.property(
        fc.array(podArb, { maxLength: 6 }),
        fc.constantFrom(0, 1, 3),
        fc.integer({ min: 0, max: 12_000_000_000 }),
        (specs, minReady, now) => {
          const pods = specs.map(toPod);
          const rs = {
            metadata: { name: 'rs', generation: 2 },
            spec: { template: { metadata: { labels: templateLabels } } },
          } as unknown as ReplicaSet;
          const fully = pods.filter((p) =>
            Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
          ).length;
          const ready = pods.filter(isPodReady).length;
          const available = pods.filter((p) => isPodAvailable(p, minReady, now)).length;
          const s = replicaSetStatus(rs, pods, now, minReady);
          expect(s.replicas).toBe(pods.length);
          expect(s.fullyLabeledReplicas ?? 0).toBe(fully);
          expect(s.readyReplicas ?? 0).toBe(ready);
          expect(s.availableReplicas ?? 0).toBe(available);
          for (const p of pods) {
            const c = p.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'True');
            const t = c?.lastTransitionTime;
            const avail =
              c !== undefined && (minReady === 0 || (t !== undefined && t + minReady * 1e9 < now));
            expect(isPodAvailable(p, minReady, now)).toBe(avail);
            expect(controllerRefOf(p)).toBe(p.metadata.ownerReferences?.find((r) => r.controller === true));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
