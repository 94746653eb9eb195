import { ControlPlaneContext, type Node, type Pod, type Toleration } from '../../../src/k8s/api/index.js';
import {
  NodeHeartbeat,
  NodeLifecycleController,
  TaintEvictionController,
} from '../../../src/k8s/node-lifecycle/index.js';
import { ApiStore } from '../../../src/k8s/store/index.js';
import { Sim } from '../../../src/sim/index.js';

export const S = 1_000_000_000;

export const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

export interface Lab {
  sim: Sim;
  ctx: ControlPlaneContext;
  beats: Map<string, NodeHeartbeat>;
  lifecycle: NodeLifecycleController;
  eviction: TaintEvictionController;
  node(name: string): Node;
  pod(name: string): Pod | undefined;
}

export function makeLab(nodes: string[], seed = 1): Lab {
  const sim = new Sim({ seed });
  const store = new ApiStore(sim);
  const ctx = new ControlPlaneContext(sim, store);
  for (const name of nodes) {
    store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} });
  }
  const beats = new Map<string, NodeHeartbeat>();
  for (const name of nodes) {
    const hb = new NodeHeartbeat(ctx, name);
    hb.start();
    beats.set(name, hb);
  }
  const lifecycle = new NodeLifecycleController(ctx).start();
  const eviction = new TaintEvictionController(ctx).start();
  sim.run({ until: 0 });
  ctx.settling = false;
  return {
    sim,
    ctx,
    beats,
    lifecycle,
    eviction,
    node: (name) => store.get<Node>('Node', undefined, name),
    pod: (name) => store.tryGet<Pod>('Pod', 'default', name),
  };
}

/** A running, ready pod bound to `node`, as the kubelet would leave it. */
export function addPod(lab: Lab, name: string, node: string, tolerations?: Toleration[], extra = {}): Pod {
  const store = lab.ctx.store;
  const created = store.create<Pod>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...extra },
    spec: {
      nodeName: node,
      containers: [{ name: 'c', image: 'nginx' }],
      ...(tolerations === undefined ? {} : { tolerations }),
    },
  });
  return store.updateStatus<Pod>({
    ...created,
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: 0 },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: 0 },
      ],
    },
  });
}
