import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiStore, Informer, type KubeObject, StatusError } from '../../src/k8s/store/index.js';
import { Sim } from '../../src/sim/index.js';

type Op =
  | { readonly t: 'create'; readonly name: string; readonly ns: string; readonly app: string }
  | {
      readonly t: 'relabel';
      readonly name: string;
      readonly ns: string;
      readonly app: string;
      readonly stale: boolean;
    }
  | { readonly t: 'spec'; readonly name: string; readonly ns: string; readonly image: string }
  | { readonly t: 'status'; readonly name: string; readonly ns: string; readonly phase: string }
  | { readonly t: 'delete'; readonly name: string; readonly ns: string; readonly grace: number };

const name = fc.constantFrom('a', 'b', 'c', 'd');
const ns = fc.constantFrom('default', 'kube-system');
const app = fc.constantFrom('web', 'db');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('create' as const), name, ns, app }),
  fc.record({ t: fc.constant('relabel' as const), name, ns, app, stale: fc.boolean() }),
  fc.record({ t: fc.constant('spec' as const), name, ns, image: fc.constantFrom('nginx:1', 'nginx:2') }),
  fc.record({ t: fc.constant('status' as const), name, ns, phase: fc.constantFrom('Pending', 'Running') }),
  fc.record({ t: fc.constant('delete' as const), name, ns, grace: fc.constantFrom(0, 0, 30) }),
);
/** An operation at a time offset (ns) from the previous one. */
const step = fc.tuple(fc.integer({ min: 0, max: 3000 }), op);
/** A watcher: delay, optional filters, and the step index it starts at (list-then-watch mid-run). */
const watcherSpec = fc.record({
  delayNs: fc.integer({ min: 0, max: 5000 }),
  namespace: fc.option(ns, { nil: undefined }),
  selector: fc.option(fc.constantFrom('app=web', 'app!=web', 'app in (db)'), { nil: undefined }),
  startAt: fc.integer({ min: 0, max: 6 }),
});

/** Applies one operation; API errors (NotFound, AlreadyExists, Conflict) are expected outcomes. */
function apply(
  store: ApiStore,
  o: Op,
  lastWritten: number[],
  committedAt: Map<number, number>,
  now: number,
): void {
  const before = store.revision;
  try {
    let out: KubeObject | undefined;
    if (o.t === 'create') {
      out = store.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: o.name, namespace: o.ns, labels: { app: o.app } },
        spec: { image: 'nginx:1' },
      });
    } else if (o.t === 'delete') {
      out = store.delete('Pod', o.ns, o.name, { gracePeriodSeconds: o.grace });
    } else {
      const cur = store.get('Pod', o.ns, o.name);
      if (o.t === 'relabel') {
        const rv = o.stale ? String(Number(cur.metadata.resourceVersion) - 1) : cur.metadata.resourceVersion;
        out = store.update({
          ...cur,
          metadata: { ...cur.metadata, resourceVersion: rv, labels: { app: o.app } },
        });
      } else if (o.t === 'spec') {
        out = store.update({ ...cur, spec: { image: o.image } });
      } else {
        out = store.updateStatus({ ...cur, status: { phase: o.phase } });
      }
    }
    if (o.t === 'relabel' && o.stale) throw new Error('an update with a stale resourceVersion was accepted');
    // A write that commits gets the next revision; a no-op returns the stored object unchanged.
    if (store.revision !== before) {
      expect(store.revision).toBe(before + 1);
      expect(Number(out.metadata.resourceVersion)).toBe(store.revision);
      expect(store.revision).toBeGreaterThan(lastWritten[lastWritten.length - 1] ?? 0);
      lastWritten.push(store.revision);
      committedAt.set(store.revision, now);
    }
  } catch (e) {
    if (!(e instanceof StatusError)) throw e;
  }
}

describe('ApiStore properties', () => {
  it('every informer converges on the store; events arrive in commit order; revisions increase', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 5, maxLength: 40 }),
        fc.array(watcherSpec, { minLength: 1, maxLength: 4 }),
        (steps, specs) => {
          const sim = new Sim({ seed: 3 });
          const store = new ApiStore(sim);
          const written: number[] = [];
          const committedAt = new Map<number, number>();
          const informers: Array<{
            inf: Informer;
            spec: (typeof specs)[number];
            got: Array<[number, number]>;
          }> = [];
          const start = (spec: (typeof specs)[number]): void => {
            const filter = {
              ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
              ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
            };
            const inf = new Informer(store, sim, 'Pod', { ...filter, delayNs: spec.delayNs });
            // A raw watch with the same filter and delay, from the current revision, records (rv, delivery time).
            const got: Array<[number, number]> = [];
            const from = String(store.revision);
            store.watch(
              'Pod',
              { ...filter, resourceVersion: from },
              (e) => got.push([Number(e.object.metadata.resourceVersion), sim.now]),
              {
                delayNs: spec.delayNs,
              },
            );
            informers.push({ inf: inf.start(), spec, got });
          };
          // An unfiltered zero-information watch records the full commit log.
          const log: number[] = [];
          store.watch(
            'Pod',
            { resourceVersion: '0' },
            (e) => log.push(Number(e.object.metadata.resourceVersion)),
            {
              delayNs: 777,
            },
          );
          let t = 0;
          steps.forEach(([dt, o], i) => {
            t += dt;
            sim.at(
              t,
              () => {
                for (const s of specs) if (s.startAt === i) start(s);
                apply(store, o, written, committedAt, sim.now);
              },
              undefined,
            );
          });
          sim.at(t + 1, () => specs.filter((s) => s.startAt >= steps.length).forEach(start), undefined);
          sim.run();

          // resourceVersions strictly increase across successful writes, and the log is every revision.
          for (let i = 1; i < written.length; i++) expect(written[i]).toBeGreaterThan(written[i - 1] ?? 0);
          expect(committedAt.size).toBe(store.revision);
          expect(log).toEqual(Array.from({ length: store.revision }, (_, i) => i + 1));
          for (const { inf, spec, got } of informers) {
            expect(inf.hasSynced).toBe(true);
            const want = store.list('Pod', {
              ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
              ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
            }).items;
            expect(inf.list()).toEqual(want);
            // Events come in commit order whatever the delays, each exactly delayNs after its commit.
            for (let k = 1; k < got.length; k++) expect(got[k]?.[0]).toBeGreaterThan(got[k - 1]?.[0] ?? 0);
            for (const [rv, at] of got) expect(at).toBe((committedAt.get(rv) ?? -1) + spec.delayNs);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
