/**
 * What building kube-proxy's state for a large cluster costs: loading the Services and endpoints into
 * KubeProxyRules (the informers' part), then syncing kube-proxy (KubeProxyNode) on one node, or on every
 * node of the cluster. Nodes whose rules cannot differ get the same chain
 * records (KubeProxyRules caches per node signature) and the engine holds them without copying, so 100
 * nodes cost far less than 100 × one node. Wall time and the growth of the V8 heap (after a full GC)
 * are reported; the namespaces themselves are built before the clock starts.
 */
import { heapUsedMb } from './gc.js';
import { benchNode, nodeConfig, serviceSet } from './services-cluster.js';
import { kubeProxyInstaller } from './services-install.js';

/** Sizes of the build benchmark (defaults: 10,000 Services × 3 endpoints on 100 nodes). */
export interface BuildOptions {
  readonly services?: number;
  readonly nodes?: number;
  readonly seed?: number;
}

/** One timed step: wall milliseconds and heap growth in MB (after a full GC on both sides). */
export interface Step {
  readonly ms: number;
  readonly heapMb: number;
}

export interface BuildResult {
  readonly services: number;
  readonly nodes: number;
  /** setService + setEndpoints for every Service. */
  readonly load: Step;
  /** node1's kube-proxy in iptables mode: generating its rules, then syncing them into its netfilter. */
  readonly oneNode: Step & { readonly generateMs: number; readonly installMs: number };
  /**
   * Every node's kube-proxy in iptables mode, synced from a fresh KubeProxyRules (loaded again,
   * untimed), and the mean time of each node after the first.
   */
  readonly allNodes: Step & { readonly furtherNodeMs: number };
  /** Generating the IPVS proxier's state for node1 (virtual servers, ipsets, remaining rules). */
  readonly ipvsOneNode: Step;
  /** Generating the IPVS state of every node. */
  readonly ipvsAllNodes: Step;
  /** node1's kube-proxy in IPVS mode synced: kube-ipvs0, ipsets, virtual servers, rules (per node). */
  readonly ipvsInstallOneNode: Step;
}

/** Runs the build benchmark. */
export function buildBench(options: BuildOptions = {}): BuildResult {
  const services = options.services ?? 10_000;
  const nodes = options.nodes ?? 100;
  const seed = options.seed ?? 1;
  const ks = Array.from({ length: nodes }, (_, i) => i + 1);
  const iptables = kubeProxyInstaller('iptables');

  // A first, unreported round (a fifth of the size) warms the JIT for everything timed below.
  const warm = serviceSet(Math.ceil(services / 5), nodes, seed);
  iptables(benchNode(1), warm);
  const [load, set] = step(() => serviceSet(services, nodes, seed));
  const one = benchNode(1);
  const [oneStep, split] = step(() => {
    const t0 = performance.now();
    set.rules.iptables(nodeConfig(1));
    const t1 = performance.now();
    iptables(one, set); // KubeProxyNode.sync: the rules generated above, from KubeProxyRules' cache
    return { generateMs: t1 - t0, installMs: performance.now() - t1 };
  });
  const oneNode = { ...oneStep, ...split };
  const [ipvsOneNode] = step(() => set.rules.ipvs(nodeConfig(1, 'ipvs')));
  const [ipvsAllNodes] = step(() => ks.map((k) => set.rules.ipvs(nodeConfig(k, 'ipvs'))));
  const ipvsNode = benchNode(1);
  const [ipvsInstallOneNode] = step(() => kubeProxyInstaller('ipvs')(ipvsNode, set));

  // Every node from a fresh KubeProxyRules, so nothing node1 made is reused.
  const fresh = serviceSet(services, nodes, seed);
  const all = ks.map((k) => benchNode(k));
  const [allStep, further] = step(() => {
    let firstDone = 0;
    for (const node of all) {
      iptables(node, fresh);
      if (firstDone === 0) firstDone = performance.now();
    }
    return nodes > 1 ? (performance.now() - firstDone) / (nodes - 1) : 0;
  });
  const allNodes = { ...allStep, furtherNodeMs: further };
  return { services, nodes, load, oneNode, allNodes, ipvsOneNode, ipvsAllNodes, ipvsInstallOneNode };
}

/** Times `f` and measures what it left on the heap (its result is kept reachable while measuring). */
function step<T>(f: () => T): [Step, T] {
  const before = heapUsedMb();
  const t0 = performance.now();
  const result = f();
  const ms = performance.now() - t0;
  return [{ ms, heapMb: heapUsedMb() - before }, result];
}
