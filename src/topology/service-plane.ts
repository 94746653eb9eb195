/**
 * The Services of a built cluster as the inspection commands ask for them: read from the API store the
 * control plane keeps (ClusterIPs and NodePorts allocated by the registry), and each node's kube-proxy.
 */

import type { ControlPlane, KubeProxyNode, Service } from '../k8s/index.js';
import { type Ip4, parseIp4 } from '../wire/index.js';

export class ServicePlane {
  constructor(private readonly cp: ControlPlane) {}

  /** Services by `namespace/name`, in the store's (namespace, name) order. */
  get services(): ReadonlyMap<string, Service> {
    const out = new Map<string, Service>();
    for (const s of this.cp.store.list<Service>('Service').items)
      out.set(`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, s);
    return out;
  }

  /** kube-proxy per node. */
  get proxies(): ReadonlyMap<string, KubeProxyNode> {
    const out = new Map<string, KubeProxyNode>();
    for (const [name, runner] of this.cp.proxies) out.set(name, runner.node);
    return out;
  }

  /** The ClusterIP of `namespace/name`, if it has one. */
  clusterIP(namespace: string, name: string): Ip4 | undefined {
    const ip = this.cp.store.tryGet<Service>('Service', namespace, name)?.spec.clusterIP;
    return ip === undefined || ip === 'None' ? undefined : parseIp4(ip);
  }
}
