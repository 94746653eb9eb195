/**
 * What makes Services work on a built cluster: the API server's allocations, the endpoints controller,
 * one kube-proxy per node fed by one shared rule generator, and the built-in responders serving every
 * declared container port. `resync()` is the control loop in one step: endpoints from the running pods,
 * then every kube-proxy's syncProxyRules. (Propagation delays arrive with the orchestration layer.)
 */

import { type Responder, startResponder } from '../apps/index.js';
import {
  defaultProxyConfig,
  KubeProxyNode,
  KubeProxyRules,
  type PodRecord,
  type ProxyEndpoint,
} from '../k8s/index.js';
import type { NetNs } from '../net/index.js';
import type { IpSets, Netfilter } from '../netfilter/index.js';
import type { Sim } from '../sim/index.js';
import type { Ip4 } from '../wire/index.js';
import { formatCidr } from './addr.js';
import {
  allocateServices,
  endpointsOf,
  type LiveService,
  type PodView,
  proxyService,
  serviceKey,
} from './service-state.js';
import type { PodSpec, Topology } from './types.js';

/** A node as the service plane sees it. */
export interface ProxiedNode {
  readonly name: string;
  readonly ns: NetNs;
  readonly ip: Ip4;
  readonly netfilter: Netfilter;
  readonly ipsets: IpSets;
}

export class ServicePlane {
  /** Services by `namespace/name`, `default/kubernetes` first. */
  readonly services: ReadonlyMap<string, LiveService>;
  readonly rules = new KubeProxyRules();
  /** kube-proxy per node, created at the first sync. */
  readonly proxies = new Map<string, KubeProxyNode>();
  /** Each Service's endpoints as the endpoints controller last wrote them. */
  readonly endpoints = new Map<string, readonly ProxyEndpoint[]>();
  private readonly responders = new Map<string, Responder[]>();
  private readonly podSpecs: ReadonlyMap<string, PodSpec>;

  constructor(
    private readonly topology: Topology,
    sim: Sim,
    private readonly nodes: readonly ProxiedNode[],
    private readonly pods: ReadonlyMap<string, PodRecord>,
  ) {
    this.services = allocateServices(topology, sim.rng('apiserver/service-alloc'));
    this.podSpecs = new Map(topology.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
    for (const live of this.services.values()) {
      const svc = proxyService(live);
      if (svc !== undefined) this.rules.setService(svc);
    }
  }

  /** The ClusterIP of `namespace/name`, if it has one. */
  clusterIP(namespace: string, name: string): Ip4 | undefined {
    return this.services.get(serviceKey(namespace, name))?.clusterIP;
  }

  /** The responders of a pod's declared container ports (the pod's "containers" listening). */
  startPod(key: string): void {
    const spec = this.podSpecs.get(key);
    const record = this.pods.get(key);
    if (spec === undefined || record === undefined || record.status.phase !== 'Running') return;
    const started: Responder[] = [];
    for (const c of spec.containers) {
      for (const p of c.ports) {
        const r = startResponder(record.netns, {
          pod: spec.name,
          port: p.containerPort,
          protocol: p.protocol,
        });
        if (typeof r !== 'string') started.push(r);
      }
    }
    this.responders.set(key, started);
  }

  /** The pod's processes stop (its sandbox is going). */
  stopPod(key: string): void {
    for (const r of this.responders.get(key) ?? []) r.close();
    this.responders.delete(key);
  }

  /** Endpoints from the pods running now, then syncProxyRules on every node. */
  resync(): void {
    const views: PodView[] = [];
    for (const [key, record] of this.pods) {
      const spec = this.podSpecs.get(key);
      if (spec !== undefined) views.push({ spec, record });
    }
    const nodeIp = (name: string) => this.nodes.find((n) => n.name === name)?.ip;
    for (const live of this.services.values()) {
      const s = live.spec;
      if (s.type === 'ExternalName') continue;
      // The `kubernetes` Service's endpoint is the API server: the control-plane node's 6443.
      const eps =
        s.name === 'kubernetes' && s.namespace === 'default'
          ? this.apiserverEndpoints()
          : endpointsOf(s, views, nodeIp);
      this.endpoints.set(serviceKey(s.namespace, s.name), eps);
      this.rules.setEndpoints(s.namespace, s.name, eps);
    }
    for (const node of this.nodes) this.proxyOf(node).sync(this.rules);
  }

  private apiserverEndpoints() {
    const cp = this.topology.nodes.find((n) => n.role === 'control-plane') ?? this.topology.nodes[0];
    if (cp === undefined) return [];
    return [
      {
        ip: cp.ip,
        nodeName: cp.name,
        ready: true,
        serving: true,
        terminating: false,
        ports: [{ name: 'https', port: 6443, protocol: 'TCP' as const }],
      },
    ];
  }

  private proxyOf(node: ProxiedNode): KubeProxyNode {
    let p = this.proxies.get(node.name);
    if (p === undefined) {
      const net = this.topology.network;
      const config = {
        ...defaultProxyConfig(node.name, nodeAddresses(node), formatCidr(net.clusterCIDR)),
        mode: net.kubeProxyMode,
        ipvsScheduler: net.ipvsScheduler,
      };
      p = new KubeProxyNode({ ns: node.ns, nf: node.netfilter, sets: node.ipsets, config });
      this.proxies.set(node.name, p);
    }
    return p;
  }
}

/**
 * The node's addresses as kube-proxy's GetAllLocalAddressesExcept(kube-ipvs0) finds them: every address
 * but loopback's and kube-ipvs0's, device by device (eth0, then flannel.1, cni0 as they were created).
 */
function nodeAddresses(node: ProxiedNode): Ip4[] {
  const out: Ip4[] = [];
  for (const dev of node.ns.devices()) {
    if (dev.kind === 'loopback' || dev.name === 'kube-ipvs0') continue;
    for (const a of node.ns.addresses(dev.ifindex)) out.push(a.ip);
  }
  return out.length > 0 ? out : [node.ip];
}
