/**
 * Installing kube-proxy on a bench node through KubeProxyNode (src/k8s/kube-proxy/node.ts), which runs
 * syncProxyRules as the node's kube-proxy would. iptables mode: kube-proxy's chains restored into the
 * node's tables (nodes given the same output share the chain records) and the jumps from the built-in
 * chains. IPVS mode: kube-ipvs0 with the ClusterIPs bound to it, the ipsets, the virtual and real
 * servers, the remaining iptables rules, and the node's Ipvs set as the engine's `nf.ipvs` so that it
 * sits at its hooks (LOCAL_IN for requests, FORWARD for replies).
 */
import { KubeProxyNode } from '../src/k8s/index.js';
import { type BenchNode, nodeConfig, type ServiceSet } from './services-cluster.js';

/** Installs kube-proxy's state for `set` on `node`. */
export type ProxyInstaller = (node: BenchNode, set: ServiceSet) => void;

/** kube-proxy in `mode` on the node: a KubeProxyNode with the node's default configuration, synced once. */
export function kubeProxyInstaller(mode: 'iptables' | 'ipvs'): ProxyInstaller {
  return (node, set) => {
    const proxy = new KubeProxyNode({
      ns: node.ns,
      nf: node.nf,
      sets: node.sets,
      config: nodeConfig(node.k, mode),
    });
    proxy.sync(set.rules);
    if (mode === 'ipvs' && node.nf.ipvs === undefined)
      throw new Error('services bench: KubeProxyNode in IPVS mode left the engine without IPVS');
  };
}
