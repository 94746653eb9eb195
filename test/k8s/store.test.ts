import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApiStore,
  compileSelector,
  Informer,
  type KubeObject,
  type ObjectInput,
  StatusError,
  setSelects,
  type WatchEvent,
} from '../../src/k8s/store/index.js';
import { Sim } from '../../src/sim/index.js';

const pod = (name: string, labels: Record<string, string> = {}, ns = 'default'): ObjectInput => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

function caught(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
}

describe('ApiStore errors as kubectl prints them', () => {
  it('NotFound', () => {
    const store = new ApiStore(new Sim());
    const e = caught(() => store.get('Pod', 'default', 'x'));
    expect(e.message).toBe('Error from server (NotFound): pods "x" not found');
    expect(e.code).toBe(404);
    expect(caught(() => store.delete('Pod', 'default', 'x')).reason).toBe('NotFound');
    expect(caught(() => store.update(pod('x'))).reason).toBe('NotFound');
  });

  it('AlreadyExists', () => {
    const store = new ApiStore(new Sim());
    store.create(pod('x'));
    const e = caught(() => store.create(pod('x')));
    expect(e.message).toBe('Error from server (AlreadyExists): pods "x" already exists');
    expect(e.code).toBe(409);
    // Same name in another namespace is another object.
    expect(store.create(pod('x', {}, 'kube-system')).metadata.namespace).toBe('kube-system');
  });

  it('Conflict on a stale resourceVersion, with the API server message', () => {
    const store = new ApiStore(new Sim());
    const v1 = store.create(pod('x'));
    store.update({ ...v1, metadata: { ...v1.metadata, labels: { a: '1' } } });
    const e = caught(() => store.update({ ...v1, metadata: { ...v1.metadata, labels: { a: '2' } } }));
    expect(e.statusMessage).toBe(
      'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(e.message).toBe(`Error from server (Conflict): ${e.statusMessage}`);
    expect(e.code).toBe(409);
    expect(caught(() => store.updateStatus({ ...v1, status: { phase: 'Running' } })).reason).toBe('Conflict');
  });

  it('qualifies non-core resources by group', () => {
    const store = new ApiStore(new Sim());
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1 } };
    store.create(d);
    expect(caught(() => store.create(d)).message).toBe(
      'Error from server (AlreadyExists): deployments.apps "web" already exists',
    );
    store.create({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np' } });
    expect(caught(() => store.get('NetworkPolicy', 'default', 'none')).message).toBe(
      'Error from server (NotFound): networkpolicies.networking.k8s.io "none" not found',
    );
  });

  it('requires a name or generateName', () => {
    const store = new ApiStore(new Sim());
    const e = caught(() => store.create({ apiVersion: 'v1', kind: 'Pod', metadata: {} }));
    expect(e.reason).toBe('Invalid');
    expect(e.statusMessage).toBe(
      'Pod "" is invalid: metadata.name: Required value: name or generateName is required',
    );
  });
});

describe('ApiStore objects', () => {
  it('fills server metadata: uid, resourceVersion, generation, creationTimestamp at sim time', () => {
    const sim = new Sim({ seed: 7 });
    const store = new ApiStore(sim);
    sim.at(5_000, () => store.create(pod('a')), undefined);
    sim.run();
    const a = store.get('Pod', 'default', 'a');
    expect(a.metadata.creationTimestamp).toBe(5_000);
    expect(a.metadata.generation).toBe(1);
    expect(a.metadata.resourceVersion).toBe(String(store.revision));
    expect(a.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Object.isFrozen(a.metadata)).toBe(true);
    // Same seed, same uids.
    const again = new ApiStore(new Sim({ seed: 7 }));
    expect(again.create(pod('a')).metadata.uid).toBe(a.metadata.uid);
    expect(new ApiStore(new Sim({ seed: 8 })).create(pod('a')).metadata.uid).not.toBe(a.metadata.uid);
  });

  it('generates names from generateName with the API server alphabet', () => {
    const store = new ApiStore(new Sim());
    const p = store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-7d4b9c8f5-' } });
    expect(p.metadata.name).toMatch(/^web-7d4b9c8f5-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('defaults the namespace; cluster-scoped kinds have none', () => {
    const store = new ApiStore(new Sim());
    expect(store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }).metadata.namespace).toBe(
      'default',
    );
    const n = store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', namespace: 'x' } });
    expect(n.metadata.namespace).toBeUndefined();
    expect(store.get('Node', undefined, 'n1')).toBe(n);
  });

  it('bumps generation on spec changes only; update keeps status; updateStatus keeps spec', () => {
    const store = new ApiStore(new Sim());
    const d0 = store.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'w' },
      spec: { replicas: 1 },
    });
    const d1 = store.updateStatus({ ...d0, status: { replicas: 1 } });
    expect(d1.metadata.generation).toBe(1);
    expect(Number(d1.metadata.resourceVersion)).toBeGreaterThan(Number(d0.metadata.resourceVersion));
    const d2 = store.update({ ...d1, spec: { replicas: 3 }, status: { replicas: 99 } });
    expect(d2.metadata.generation).toBe(2);
    expect(d2.status).toEqual({ replicas: 1 });
    const d3 = store.update({ ...d2, metadata: { ...d2.metadata, labels: { x: 'y' } } });
    expect(d3.metadata.generation).toBe(2);
    const d4 = store.updateStatus({ ...d3, spec: { replicas: 0 }, status: { replicas: 3 } });
    expect(d4.spec).toEqual({ replicas: 3 });
    // A no-op update commits nothing.
    const rev = store.revision;
    expect(store.update(d4)).toBe(d4);
    expect(store.revision).toBe(rev);
  });

  it('lists by kind, namespace and label selector, sorted by key', () => {
    const store = new ApiStore(new Sim());
    store.create(pod('b', { app: 'web', tier: 'fe' }));
    store.create(pod('a', { app: 'web' }));
    store.create(pod('c', { app: 'db' }));
    store.create(pod('d', { app: 'web' }, 'other'));
    const names = (items: readonly KubeObject[]): string[] => items.map((o) => o.metadata.name);
    expect(names(store.list('Pod').items)).toEqual(['a', 'b', 'c', 'd']);
    expect(names(store.list('Pod', { namespace: 'default', selector: 'app=web' }).items)).toEqual(['a', 'b']);
    expect(names(store.list('Pod', { selector: { matchLabels: { app: 'web' } } }).items)).toEqual([
      'a',
      'b',
      'd',
    ]);
    expect(names(store.list('Pod', { selector: 'app in (db, web),!tier' }).items)).toEqual(['a', 'c', 'd']);
    expect(names(store.list('Service').items)).toEqual([]);
    expect(store.list('Pod').resourceVersion).toBe(String(store.revision));
  });

  it('deletes gracefully: deletionTimestamp first, removal on the grace-0 delete', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    store.create(pod('p'));
    const marked = store.delete('Pod', 'default', 'p', { gracePeriodSeconds: 30 });
    expect(marked.metadata.deletionTimestamp).toBe(30_000_000_000);
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(store.tryGet('Pod', 'default', 'p')).toBe(marked);
    store.delete('Pod', 'default', 'p', { gracePeriodSeconds: 0 });
    expect(store.tryGet('Pod', 'default', 'p')).toBeUndefined();
  });

  it('holds an object with finalizers until the last one is removed', () => {
    const store = new ApiStore(new Sim());
    store.create({ ...pod('p'), metadata: { name: 'p', finalizers: ['example.com/hold'] } });
    const marked = store.delete('Pod', 'default', 'p');
    expect(marked.metadata.deletionTimestamp).toBe(0);
    const gone = store.update({ ...marked, metadata: { ...marked.metadata, finalizers: [] } });
    expect(gone.metadata.name).toBe('p');
    expect(store.tryGet('Pod', 'default', 'p')).toBeUndefined();
  });
});

describe('watch', () => {
  it('delivers after the watcher delay, through the event queue', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    const seen: Array<[number, string, string]> = [];
    store.watch('Pod', {}, (e) => seen.push([sim.now, e.type, e.object.metadata.name]), { delayNs: 1000 });
    sim.at(10, () => store.create(pod('a')), undefined);
    sim.at(20, () => store.delete('Pod', 'default', 'a'), undefined);
    sim.run();
    expect(seen).toEqual([
      [1010, 'ADDED', 'a'],
      [1020, 'DELETED', 'a'],
    ]);
  });

  it('turns label changes into ADDED/DELETED for a selector watch', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    const seen: string[] = [];
    store.watch('Pod', { selector: 'app=web' }, (e) => seen.push(`${e.type} ${e.object.metadata.name}`));
    const p = store.create(pod('a', { app: 'db' }));
    const q = store.update({ ...p, metadata: { ...p.metadata, labels: { app: 'web' } } });
    const r = store.update({ ...q, metadata: { ...q.metadata, annotations: { n: '1' } } });
    store.update({ ...r, metadata: { ...r.metadata, labels: { app: 'db' } } });
    sim.run();
    expect(seen).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
  });

  it('replays from a resourceVersion, and says Expired when the history is gone', () => {
    const sim = new Sim();
    const store = new ApiStore(sim, { historyLimit: 2 });
    store.create(pod('a'));
    const rv = store.list('Pod').resourceVersion;
    store.create(pod('b'));
    const seen: string[] = [];
    store.watch('Pod', { resourceVersion: rv }, (e: WatchEvent) => seen.push(e.object.metadata.name));
    sim.run();
    expect(seen).toEqual(['b']);
    for (const n of ['c', 'd', 'e', 'f', 'g']) store.create(pod(n));
    const e = caught(() => store.watch('Pod', { resourceVersion: rv }, () => {}));
    expect(e.reason).toBe('Expired');
    expect(e.code).toBe(410);
    expect(e.statusMessage).toMatch(/^too old resource version: 1 \(\d+\)$/);
  });

  it('without a resourceVersion starts with the current objects as ADDED', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    store.create(pod('a'));
    const seen: string[] = [];
    const w = store.watch('Pod', {}, (e) => seen.push(`${e.type} ${e.object.metadata.name}`));
    store.create(pod('b'));
    sim.run();
    expect(seen).toEqual(['ADDED a', 'ADDED b']);
    w.stop();
    store.create(pod('c'));
    sim.run();
    expect(seen).toHaveLength(2);
  });
});

describe('Informer', () => {
  it('lags the store by its delay, then matches it', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    store.create(pod('a', { app: 'web' }));
    const updates: string[] = [];
    const inf = new Informer(store, sim, 'Pod', {
      selector: 'app=web',
      delayNs: 500,
      handlers: {
        onUpdate: (o, n) => updates.push(`${o.metadata.resourceVersion}->${n.metadata.resourceVersion}`),
      },
    }).start();
    expect(inf.hasSynced).toBe(false);
    sim.run({ until: 499 });
    expect(inf.size).toBe(0);
    sim.run({ until: 500 });
    expect(inf.hasSynced).toBe(true);
    expect(inf.get('default', 'a')?.metadata.name).toBe('a');
    const a = store.get('Pod', 'default', 'a');
    const a2 = store.update({ ...a, metadata: { ...a.metadata, annotations: { x: '1' } } });
    store.create(pod('b', { app: 'db' }));
    sim.run();
    expect(updates).toEqual([`${a.metadata.resourceVersion}->${a2.metadata.resourceVersion}`]);
    expect(inf.list()).toEqual(store.list('Pod', { selector: 'app=web' }).items);
  });
});

describe('label selectors', () => {
  it('matches as labels.Parse and LabelSelectorAsSelector do', () => {
    const m = compileSelector('env notin (prod), tier, app!=db');
    expect(m({ tier: 'fe', app: 'web' })).toBe(true);
    expect(m({ tier: 'fe', app: 'db' })).toBe(false);
    expect(m({ tier: 'fe', env: 'prod' })).toBe(false);
    expect(m({ env: 'dev' })).toBe(false);
    expect(compileSelector({})(undefined)).toBe(true);
    const ex = compileSelector({ matchExpressions: [{ key: 'k', operator: 'DoesNotExist' }] });
    expect(ex({ k: '' })).toBe(false);
    expect(() => compileSelector('a b c')).toThrow(RangeError);
  });

  it('setSelects answers as the compiled matchLabels selector does, for any set and labels', () => {
    const map = fc.dictionary(
      fc.constantFrom('app', 'tier', 'toString', ''),
      fc.constantFrom('web', 'db', ''),
    );
    fc.assert(
      fc.property(map, fc.option(map, { nil: undefined }), (set, labels) => {
        expect(setSelects(set, labels)).toBe(compileSelector({ matchLabels: set })(labels));
      }),
      { numRuns: 500 },
    );
  });
});

describe('ApiStore copies', () => {
  it('a status update keeps the stored spec and metadata parts; the caller cannot change what is stored', () => {
    const store = new ApiStore(new Sim());
    const input = pod('x', { app: 'web' });
    const v1 = store.create(input);
    // The store copied the input: changing it afterwards changes nothing stored.
    (input.spec as { containers: { image: string }[] }).containers[0]!.image = 'changed';
    expect(store.get<KubeObject & { spec: typeof input.spec }>('Pod', 'default', 'x').spec).toEqual({
      containers: [{ name: 'c', image: 'nginx' }],
    });
    expect(Object.isFrozen(v1.spec)).toBe(true);
    const v2 = store.updateStatus({ ...v1, status: { phase: 'Running' } });
    // Unchanged parts are the stored ones, shared by both versions rather than copied again.
    expect(v2.spec).toBe(v1.spec);
    expect(v2.metadata.labels).toBe(v1.metadata.labels);
    expect(v2.metadata.resourceVersion).not.toBe(v1.metadata.resourceVersion);
    // A new part given as a fresh object is copied and frozen.
    const status = { phase: 'Succeeded' };
    const v3 = store.updateStatus({ ...v2, status });
    expect(v3.status).not.toBe(status);
    expect(Object.isFrozen(v3.status)).toBe(true);
  });
});

describe('updateWithStatus (a subresource writing spec and status together)', () => {
  it('commits both in one revision, bumps generation for the spec, and commits nothing when neither changes', () => {
    const sim = new Sim();
    const store = new ApiStore(sim);
    const created = store.create(pod('web'));
    const events: string[] = [];
    store.watch('Pod', {}, (e: WatchEvent) => events.push(`${e.type} ${e.object.metadata.resourceVersion}`));
    sim.run();
    events.length = 0;
    const input = {
      ...created,
      spec: { ...(created as unknown as { spec: object }).spec, nodeName: 'node1' },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
    } as unknown as ObjectInput;
    const bound = store.updateWithStatus(input);
    expect(Number(bound.metadata.resourceVersion)).toBe(Number(created.metadata.resourceVersion) + 1);
    expect(bound.metadata.generation).toBe(created.metadata.generation + 1);
    expect(bound).toMatchObject({
      spec: { nodeName: 'node1' },
      status: { conditions: [{ status: 'True' }] },
    });
    expect(store.updateWithStatus({ ...bound } as unknown as ObjectInput)).toBe(bound);
    sim.run();
    expect(events).toEqual([`MODIFIED ${bound.metadata.resourceVersion}`]);
  });
});
