import { describe, expect, it } from 'vitest';
import { ControlPlaneContext, type Deployment, type Node, type Pod } from '../../../src/k8s/api/index.js';
import {
  apply,
  cordon,
  deleteObject,
  drain,
  type KubectlLine,
  label,
  scale,
  setImage,
  taint,
  uncordon,
} from '../../../src/k8s/kubectl/index.js';
import { ApiStore } from '../../../src/k8s/store/index.js';
import { Sim } from '../../../src/sim/index.js';

const S = 1_000_000_000;

function cluster() {
  const sim = new Sim();
  const store = new ApiStore(sim);
  const ctx = new ControlPlaneContext(sim, store);
  ctx.settling = false;
  for (const name of ['node1', 'node2'])
    store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} });
  return { sim, store, ctx };
}

const deployment = (image = 'nginx:1.25') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } },
  },
});

function podOn(
  store: ApiStore,
  name: string,
  node: string,
  owner?: { kind: string; name: string },
  ns = 'default',
): Pod {
  return store.create<Pod>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      ...(owner === undefined
        ? {}
        : { ownerReferences: [{ apiVersion: 'apps/v1', ...owner, uid: 'u', controller: true }] }),
    },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx' }] },
  });
}

describe('cordon / uncordon', () => {
  it('prints what kubectl prints and sets spec.unschedulable', () => {
    const { store } = cluster();
    expect(cordon(store, 'node2')).toEqual({ stdout: ['node/node2 cordoned'], stderr: [] });
    expect(store.get<Node>('Node', undefined, 'node2').spec.unschedulable).toBe(true);
    expect(cordon(store, 'node2').stdout).toEqual(['node/node2 already cordoned']);
    expect(uncordon(store, 'node2').stdout).toEqual(['node/node2 uncordoned']);
    expect(store.get<Node>('Node', undefined, 'node2').spec.unschedulable).toBeUndefined();
    expect(uncordon(store, 'node2').stdout).toEqual(['node/node2 already uncordoned']);
    expect(cordon(store, 'node9').stderr).toEqual(['Error from server (NotFound): nodes "node9" not found']);
  });
});

describe('drain', () => {
  function run(ctx: ControlPlaneContext, opts: Parameters<typeof drain>[2]) {
    const lines: KubectlLine[] = [];
    const r = drain(ctx, 'node2', opts, (l) => lines.push(l));
    return { r, lines };
  }

  it('refuses a bare pod without --force, with kubectl error lines; the node stays cordoned', () => {
    const { ctx, store } = cluster();
    podOn(store, 'bare', 'node2');
    const { r, lines } = run(ctx, {});
    expect(r.exitCode).toBe(1);
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['node/node2 cordoned']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual([
      'error: unable to drain node "node2" due to error: cannot delete Pods that declare no controller (use --force to override): default/bare, continuing command...',
      'There are pending nodes to be drained:',
      ' node2',
      'cannot delete Pods that declare no controller (use --force to override): default/bare',
    ]);
    expect(store.tryGet<Pod>('Pod', 'default', 'bare')?.metadata.deletionTimestamp).toBeUndefined();
    expect(store.get<Node>('Node', undefined, 'node2').spec.unschedulable).toBe(true);
  });

  it('refuses DaemonSet pods without --ignore-daemonsets, listing both refusals', () => {
    const { ctx, store } = cluster();
    store.create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kube-proxy', namespace: 'kube-system' },
      spec: {},
    });
    podOn(store, 'kube-proxy-x', 'node2', { kind: 'DaemonSet', name: 'kube-proxy' }, 'kube-system');
    podOn(store, 'bare', 'node2');
    const { lines } = run(ctx, {});
    const err = lines.filter((l) => l.stream === 'stderr').map((l) => l.text);
    expect(err[0]).toBe(
      'error: unable to drain node "node2" due to error: [cannot delete Pods that declare no controller (use --force to override): default/bare, cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/kube-proxy-x], continuing command...',
    );
    expect(err.slice(3)).toEqual([
      'cannot delete Pods that declare no controller (use --force to override): default/bare',
      'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/kube-proxy-x',
    ]);
  });

  it('with the flags: warns, evicts in order, waits for each pod to be gone, node ends cordoned', () => {
    const { ctx, store, sim } = cluster();
    store.create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kube-proxy', namespace: 'kube-system' },
      spec: {},
    });
    podOn(store, 'kube-proxy-x', 'node2', { kind: 'DaemonSet', name: 'kube-proxy' }, 'kube-system');
    podOn(store, 'bare', 'node2');
    podOn(store, 'web-1', 'node2', { kind: 'ReplicaSet', name: 'web' });
    podOn(store, 'other', 'node1', { kind: 'ReplicaSet', name: 'web' });
    const { r, lines } = run(ctx, { ignoreDaemonsets: true, force: true });
    // The kubelet finishes termination: bare after 3 s, web-1 after 5 s.
    sim.after(3 * S + 1, () => store.delete('Pod', 'default', 'bare'), undefined);
    sim.after(5 * S + 1, () => store.delete('Pod', 'default', 'web-1'), undefined);
    sim.run();
    expect(r.exitCode).toBe(0);
    expect(lines.map((l) => `${l.at / S} ${l.stream} ${l.text}`)).toEqual([
      '0 stdout node/node2 cordoned',
      '0 stderr Warning: deleting Pods that declare no controller: default/bare; ignoring DaemonSet-managed Pods: kube-system/kube-proxy-x',
      '0 stdout evicting pod default/bare',
      '0 stdout evicting pod default/web-1',
      '4 stdout pod/bare evicted',
      '6 stdout pod/web-1 evicted',
      '6 stdout node/node2 drained',
    ]);
    expect(store.tryGet('Pod', 'kube-system', 'kube-proxy-x')).toBeDefined();
    expect(store.get<Pod>('Pod', 'default', 'other').metadata.deletionTimestamp).toBeUndefined();
    expect(store.get<Node>('Node', undefined, 'node2').spec.unschedulable).toBe(true);
  });

  it('evicts with the pod grace period (30 s default) or --grace-period', () => {
    const { ctx, store } = cluster();
    podOn(store, 'web-1', 'node2', { kind: 'ReplicaSet', name: 'web' });
    run(ctx, {});
    expect(store.get<Pod>('Pod', 'default', 'web-1').metadata.deletionGracePeriodSeconds).toBe(30);
    const c2 = cluster();
    podOn(c2.store, 'web-1', 'node2', { kind: 'ReplicaSet', name: 'web' });
    const { lines } = run(c2.ctx, { gracePeriodSeconds: 0 });
    expect(lines.map((l) => l.text)).toEqual([
      'node/node2 cordoned',
      'evicting pod default/web-1',
      'pod/web-1 evicted',
      'node/node2 drained',
    ]);
  });

  it('--timeout gives up with kubectl lines', () => {
    const { ctx, store, sim } = cluster();
    podOn(store, 'web-1', 'node2', { kind: 'ReplicaSet', name: 'web' });
    const { r, lines } = run(ctx, { timeoutNs: 10 * S });
    sim.run({ until: 20 * S });
    expect(r.exitCode).toBe(1);
    const err = lines.filter((l) => l.stream === 'stderr');
    expect(err[0]?.at).toBe(10 * S);
    expect(err.map((l) => l.text)).toContain('pod/web-1');
  });
});

describe('taint', () => {
  it('adds, refuses duplicates, removes, and reports kubectl errors', () => {
    const { store } = cluster();
    expect(taint(store, 'node1', ['dedicated=gpu:NoSchedule']).stdout).toEqual(['node/node1 tainted']);
    expect(store.get<Node>('Node', undefined, 'node1').spec.taints).toEqual([
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    ]);
    expect(taint(store, 'node1', ['dedicated=cpu:NoSchedule']).stderr).toEqual([
      'error: node node1 already has dedicated taint(s) with same effect(s) and --overwrite is false',
    ]);
    expect(taint(store, 'node1', ['dedicated=cpu:NoSchedule'], true).stdout).toEqual(['node/node1 modified']);
    expect(taint(store, 'node1', ['zone:NoExecute']).stdout).toEqual(['node/node1 tainted']);
    // New taints go first (reorganizeTaints).
    expect(store.get<Node>('Node', undefined, 'node1').spec.taints?.[0]?.key).toBe('zone');
    expect(taint(store, 'node1', ['dedicated:NoSchedule-']).stdout).toEqual(['node/node1 untainted']);
    expect(taint(store, 'node1', ['zone-']).stdout).toEqual(['node/node1 untainted']);
    expect(store.get<Node>('Node', undefined, 'node1').spec.taints).toBeUndefined();
    expect(taint(store, 'node1', ['zone-']).stderr).toEqual(['error: taint "zone" not found']);
    expect(taint(store, 'node1', ['a=b:Sometimes']).stderr).toEqual([
      'error: invalid taint effect: Sometimes, unsupported taint effect',
      "See 'kubectl taint -h' for help and examples",
    ]);
    // `a=b` has no effect: parseTaint takes it whole as a key, which is not a qualified name.
    expect(taint(store, 'node1', ['a=b']).stderr[0]).toMatch(
      /^error: invalid taint spec: a=b, name part must consist/,
    );
    expect(taint(store, 'node9', ['a=b:NoSchedule']).stderr).toEqual([
      'Error from server (NotFound): nodes "node9" not found',
    ]);
  });
});

describe('label', () => {
  it('labels, refuses a different value without --overwrite, unlabels', () => {
    const { store } = cluster();
    podOn(store, 'x', 'node1');
    expect(label(store, 'Node', 'node1', undefined, { disktype: 'ssd' }).stdout).toEqual([
      'node/node1 labeled',
    ]);
    expect(label(store, 'Pod', 'x', 'default', { tier: 'db' }).stdout).toEqual(['pod/x labeled']);
    expect(label(store, 'Node', 'node1', undefined, { disktype: 'hdd' }).stderr).toEqual([
      "error: 'disktype' already has a value (ssd), and --overwrite is false",
    ]);
    expect(label(store, 'Node', 'node1', undefined, { disktype: 'hdd' }, true).stdout).toEqual([
      'node/node1 labeled',
    ]);
    expect(label(store, 'Node', 'node1', undefined, { disktype: 'hdd' }).stdout).toEqual([
      'node/node1 not labeled',
    ]);
    expect(label(store, 'Node', 'node1', undefined, { disktype: null }).stdout).toEqual([
      'node/node1 unlabeled',
    ]);
    expect(store.get<Node>('Node', undefined, 'node1').metadata.labels).toBeUndefined();
  });
});

describe('scale, set image, delete, apply', () => {
  it('prints the name-printer lines', () => {
    const { store } = cluster();
    expect(apply(store, deployment()).stdout).toEqual(['deployment.apps/web created']);
    expect(apply(store, deployment()).stdout).toEqual(['deployment.apps/web unchanged']);
    expect(apply(store, deployment('nginx:1.26')).stdout).toEqual(['deployment.apps/web configured']);
    expect(scale(store, 'deployment', 'web', 'default', 5).stdout).toEqual(['deployment.apps/web scaled']);
    expect(store.get<Deployment>('Deployment', 'default', 'web').spec.replicas).toBe(5);
    expect(scale(store, 'statefulset', 'db', 'default', 1).stderr).toEqual([
      'Error from server (NotFound): statefulsets.apps "db" not found',
    ]);
    expect(setImage(store, 'web', 'default', 'nginx', 'nginx:1.27').stdout).toEqual([
      'deployment.apps/web image updated',
    ]);
    expect(setImage(store, 'web', 'default', 'nginx', 'nginx:1.27')).toEqual({ stdout: [], stderr: [] });
    expect(setImage(store, 'web', 'default', 'app', 'x').stderr).toEqual([
      'error: unable to find container named "app"',
    ]);
    // A re-apply of the same file after scale/set image restores the file's fields.
    expect(apply(store, deployment('nginx:1.26')).stdout).toEqual(['deployment.apps/web configured']);
    expect(store.get<Deployment>('Deployment', 'default', 'web').spec.replicas).toBe(2);
  });

  it('delete uses the current wording and the pod grace period', () => {
    const { store } = cluster();
    podOn(store, 'x', 'node1');
    expect(deleteObject(store, 'Pod', 'default', 'x').stdout).toEqual([
      'pod "x" deleted from default namespace',
    ]);
    expect(store.get<Pod>('Pod', 'default', 'x').metadata.deletionGracePeriodSeconds).toBe(30);
    expect(deleteObject(store, 'Pod', 'default', 'y').stderr).toEqual([
      'Error from server (NotFound): pods "y" not found',
    ]);
    expect(deleteObject(store, 'Node', undefined, 'node2').stdout).toEqual(['node "node2" deleted']);
    apply(store, deployment());
    expect(deleteObject(store, 'Deployment', 'default', 'web').stdout).toEqual([
      'deployment.apps "web" deleted from default namespace',
    ]);
  });
});
