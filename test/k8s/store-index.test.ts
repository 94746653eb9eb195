/**
 * Field selectors (a kubelet's `spec.nodeName=…` watch) and informer indexes: examples, and properties
 * that after any sequence of writes a node-confined informer holds exactly the store's pods of that
 * node, and every index lookup equals a scan of the cache.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApiStore,
  Informer,
  type KubeObject,
  type ObjectInput,
  StatusError,
  type WatchEvent,
} from '../../src/k8s/store/index.js';
import { Sim } from '../../src/sim/index.js';

const pod = (
  name: string,
  nodeName: string | undefined,
  labels: Record<string, string> = {},
): ObjectInput => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...(nodeName !== undefined ? { nodeName } : {}) },
});

const nodeOf = (o: KubeObject) => (o as unknown as { spec: { nodeName?: string } }).spec.nodeName;

/** A random write to one of four pods. */
const op = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    name: fc.constantFrom('a', 'b', 'c', 'd'),
    node: fc.constantFrom(undefined, 'n1', 'n2'),
    app: fc.constantFrom('web', 'db'),
  }),
  fc.record({ kind: fc.constant('delete' as const), name: fc.constantFrom('a', 'b', 'c', 'd') }),
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Applies one random write: create, update or delete the named pod. */
function write(store: ApiStore, o: Op): void {
  const existing = store.tryGet('Pod', 'default', o.name);
  if (o.kind === 'delete') {
    if (existing !== undefined) store.delete('Pod', 'default', o.name);
  } else if (existing === undefined) store.create(pod(o.name, o.node, { app: o.app }));
  else store.update({ ...pod(o.name, o.node, { app: o.app }) });
}

describe('field selectors', () => {
  it('a spec.nodeName watch sees only that node: binding arrives as ADDED, moving away as DELETED', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    const seen: string[] = [];
    store.watch('Pod', { fieldSelector: 'spec.nodeName=node1' }, (e: WatchEvent) =>
      seen.push(`${e.type} ${e.object.metadata.name}`),
    );
    store.create(pod('a', undefined));
    store.create(pod('b', 'node2'));
    const a = store.get('Pod', 'default', 'a');
    store.update({ ...a, spec: { ...(a as unknown as { spec: object }).spec, nodeName: 'node1' } });
    store.create(pod('c', 'node1'));
    store.delete('Pod', 'default', 'c');
    sim.run();
    expect(seen).toEqual(['ADDED a', 'ADDED c', 'DELETED c']);
  });

  it('list filters by field; an unknown field is refused as the API server refuses it', () => {
    const store = new ApiStore(new Sim());
    store.create(pod('a', 'node1'));
    store.create(pod('b', 'node2'));
    const names = (sel: string) =>
      store.list('Pod', { fieldSelector: sel }).items.map((p) => p.metadata.name);
    expect(names('spec.nodeName=node2')).toEqual(['b']);
    expect(names('spec.nodeName!=node2')).toEqual(['a']);
    expect(names('metadata.name=a,spec.nodeName=node1')).toEqual(['a']);
    expect(() => store.list('Pod', { fieldSelector: 'spec.hostname=x' })).toThrow(StatusError);
    expect(() => store.list('Pod', { fieldSelector: 'spec.hostname=x' })).toThrow(
      'field label not supported: spec.hostname',
    );
  });
});

describe('informer indexes', () => {
  it('byIndex follows adds, label changes and deletes', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    const inf = new Informer(store, sim, 'Pod', {
      indexers: { app: (o) => (o.metadata.labels?.['app'] === undefined ? [] : [o.metadata.labels['app']]) },
    }).start();
    store.create(pod('a', 'n', { app: 'web' }));
    store.create(pod('b', 'n', { app: 'web' }));
    store.create(pod('c', 'n', { app: 'db' }));
    sim.run();
    const names = (v: string) => inf.byIndex('app', v).map((p) => p.metadata.name);
    expect(names('web')).toEqual(['a', 'b']);
    store.update({
      ...store.get('Pod', 'default', 'b'),
      metadata: { name: 'b', namespace: 'default', labels: { app: 'db' } },
    });
    store.delete('Pod', 'default', 'a');
    sim.run();
    expect(names('web')).toEqual([]);
    expect(names('db')).toEqual(['b', 'c']);
    expect(() => inf.byIndex('nope', 'x')).toThrow('no index');
  });

  it('after any writes: a node-confined informer holds the node’s pods, and byIndex equals a scan', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.integer({ min: 0, max: 3 }), (ops, delay) => {
        const sim = new Sim();
        const store = new ApiStore(sim);
        const onNode = new Informer(store, sim, 'Pod', {
          fieldSelector: 'spec.nodeName=n1',
          delayNs: delay,
        }).start();
        const byApp = new Informer(store, sim, 'Pod', {
          delayNs: delay,
          indexers: { app: (o) => [o.metadata.labels?.['app'] ?? ''], node: (o) => [nodeOf(o) ?? ''] },
        }).start();
        for (const o of ops) {
          write(store, o);
          sim.run({ until: sim.now + 1 });
          // Read between writes too: a bucket's sorted list is patched, not rebuilt, on an update.
          for (const app of ['web', 'db'])
            for (const p of byApp.byIndex('app', app)) expect(p).toBe(byApp.get('default', p.metadata.name));
        }
        sim.run();
        const names = (xs: readonly KubeObject[]) => xs.map((p) => p.metadata.name);
        const all = store.list('Pod').items;
        expect(names(onNode.list())).toEqual(names(all.filter((p) => nodeOf(p) === 'n1')));
        const rv = (p: KubeObject) => Number(p.metadata.resourceVersion);
        for (const app of ['web', 'db']) {
          const filed = byApp.byIndex('app', app);
          expect(names(filed)).toEqual(names(byApp.list().filter((p) => p.metadata.labels?.['app'] === app)));
          // Every entry is the cached version, and `indexed` lists them in the order of their last write.
          for (const p of filed) expect(p).toBe(byApp.get('default', p.metadata.name));
          const arrival = byApp.indexed('app', app);
          expect(names(arrival)).toEqual(names([...filed].sort((a, b) => rv(a) - rv(b))));
        }
        for (const node of ['', 'n1', 'n2'])
          expect(names(byApp.byIndex('node', node))).toEqual(
            names(all.filter((p) => (nodeOf(p) ?? '') === node)),
          );
      }),
      { numRuns: 200 },
    );
  });
});

describe('shared informer handlers', () => {
  /** A component's view built from handler calls alone: name → resourceVersion. */
  const mirror = (into: Map<string, string>) => ({
    onAdd: (o: KubeObject) => {
      expect(into.has(o.metadata.name)).toBe(false);
      into.set(o.metadata.name, o.metadata.resourceVersion ?? '');
    },
    onUpdate: (a: KubeObject, b: KubeObject) => {
      expect(into.get(a.metadata.name)).toBe(a.metadata.resourceVersion);
      into.set(b.metadata.name, b.metadata.resourceVersion ?? '');
    },
    onDelete: (o: KubeObject) => {
      expect(into.delete(o.metadata.name)).toBe(true);
    },
  });

  it('every handler sees each event once, in the order added; a late one starts from the cache', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    const calls: string[] = [];
    const inf = new Informer(store, sim, 'Pod', { delayNs: 1 });
    inf.addHandlers({ onAdd: (o) => calls.push(`first ${o.metadata.name}`) });
    inf.addHandlers({ onAdd: (o) => calls.push(`second ${o.metadata.name}`) });
    inf.start();
    store.create(pod('a', undefined));
    sim.run();
    expect(calls).toEqual(['first a', 'second a']);
    const late = new Map<string, string>();
    const handlers = mirror(late);
    inf.addHandlers(handlers);
    store.create(pod('b', undefined));
    sim.run();
    expect([...late.keys()]).toEqual(['a', 'b']);
    inf.removeHandlers(handlers);
    store.delete('Pod', 'default', 'a');
    sim.run();
    expect([...late.keys()]).toEqual(['a', 'b']);
    expect(() => inf.addIndexers({ app: () => [] })).toThrow(/after start/);
  });

  it('after any writes, handlers added before start and after any prefix mirror the cache', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 30 }),
        fc.nat(30),
        fc.integer({ min: 0, max: 3 }),
        (ops, at, delay) => {
          const sim = new Sim();
          const store = new ApiStore(sim);
          const inf = new Informer(store, sim, 'Pod', { delayNs: delay });
          const early = new Map<string, string>();
          const late = new Map<string, string>();
          inf.addHandlers(mirror(early));
          inf.start();
          ops.forEach((o, i) => {
            if (i === at) inf.addHandlers(mirror(late));
            write(store, o);
            sim.run({ until: sim.now + 1 });
          });
          if (at >= ops.length) inf.addHandlers(mirror(late));
          sim.run();
          const cached = new Map(inf.list().map((p) => [p.metadata.name, p.metadata.resourceVersion ?? '']));
          expect(early).toEqual(cached);
          expect(late).toEqual(cached);
        },
      ),
      { numRuns: 200 },
    );
  });
});
