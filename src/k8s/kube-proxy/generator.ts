/**
 * The kube-proxy rule generator shared by every node of a cluster. It keeps the Services and endpoints
 * kube-proxy watches, and builds each node's iptables or IPVS state from them. Rules that cannot differ
 * between nodes (KUBE-SVC, KUBE-SEP, the cluster-IP rules, Cluster-policy KUBE-EXT) are built once per
 * service-port version and shared as frozen records; only Local-policy ports are built per set of local
 * endpoints, and nodes with the same local endpoints for those ports get the very same output object.
 */

import type { IptablesContext } from './chains-nat.js';
import type { PortEndpoint } from './endpoints.js';
import {
  assembleIptables,
  iptablesContext,
  LARGE_CLUSTER_ENDPOINTS,
  type StaticChains,
  staticChains,
} from './iptables-proxier.js';
import { IpvsShared } from './ipvs-proxier.js';
import { type PortRules, PortRulesCache } from './port-rules.js';
import { type ServicePortInfo, servicePorts } from './service-port.js';
import type {
  IptablesProxyRules,
  IpvsProxyState,
  ProxyConfig,
  ProxyEndpoint,
  ProxyService,
} from './types.js';

/** Per-configuration caches (configurations differing in CIDR, mark or flags share nothing). */
interface Variant {
  readonly ctx: IptablesContext;
  readonly statics: StaticChains;
  readonly ports: WeakMap<ServicePortInfo, PortRulesCache>;
  outputs: Map<string, IptablesProxyRules>;
  outputsRevision: number;
}

const NO_ENDPOINTS: readonly ProxyEndpoint[] = Object.freeze([]);

/** Holds kube-proxy's view of the cluster and builds per-node rules from it, sharing what it can. */
export class KubeProxyRules {
  private readonly services = new Map<string, ProxyService>();
  private readonly endpoints = new Map<string, readonly ProxyEndpoint[]>();
  private readonly portsByService = new Map<string, readonly ServicePortInfo[]>();
  private sorted: readonly ServicePortInfo[] | undefined;
  /** Positions in `sorted` of the ports with a Local traffic policy: the only ones a node's rules vary by. */
  private localPorts: readonly number[] = [];
  private largeCluster = false;
  private revision = 0;
  private readonly variants = new Map<string, Variant>();
  private ipvsShared: { readonly revision: number; readonly shared: IpvsShared } | undefined;

  /** Adds or replaces a Service (an informer add/update). */
  setService(svc: ProxyService): void {
    const key = `${svc.namespace}/${svc.name}`;
    this.services.set(key, svc);
    this.changed(key);
  }

  /** Removes a Service. */
  deleteService(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.services.delete(key)) this.changed(key);
  }

  /** Replaces the endpoints of a Service (the merged EndpointSlices of namespace/name). */
  setEndpoints(namespace: string, name: string, endpoints: readonly ProxyEndpoint[]): void {
    const key = `${namespace}/${name}`;
    this.endpoints.set(key, endpoints);
    this.changed(key);
  }

  /** Removes the endpoints of a Service. */
  deleteEndpoints(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.endpoints.delete(key)) this.changed(key);
  }

  /** The service ports kube-proxy proxies, in the order rules are written (Services by namespace/name). */
  servicePorts(): readonly ServicePortInfo[] {
    if (this.sorted === undefined) {
      const keys = [...this.services.keys()].sort();
      const all: ServicePortInfo[] = [];
      let total = 0;
      const local: number[] = [];
      for (const key of keys) {
        let ports = this.portsByService.get(key);
        if (ports === undefined) {
          const svc = this.services.get(key);
          ports = svc === undefined ? [] : servicePorts(svc, this.endpoints.get(key) ?? NO_ENDPOINTS);
          this.portsByService.set(key, ports);
        }
        for (const p of ports) {
          if (p.use.usesLocal) local.push(all.length);
          all.push(p);
          total += p.endpoints.length;
        }
      }
      this.sorted = all;
      this.localPorts = local;
      this.largeCluster = total > LARGE_CLUSTER_ENDPOINTS;
    }
    return this.sorted;
  }

  /** The iptables proxier's chains and jumps for the node `config` describes. */
  iptables(config: ProxyConfig): IptablesProxyRules {
    const ports = this.servicePorts();
    const v = this.variant(config);
    const isLocal = (e: PortEndpoint) => e.nodeName === config.nodeName;
    // Every node asks (5,000 nodes × 10,000 ports at scale): only the Local-policy ports are looked at.
    let keys: string[] | undefined;
    let signature = '';
    for (const i of this.localPorts) {
      const key = localKey((ports[i] as ServicePortInfo).endpoints, isLocal);
      keys ??= new Array(ports.length).fill('');
      keys[i] = key;
      signature += `${i}:${key};`;
    }
    if (v.outputsRevision !== this.revision) {
      v.outputs = new Map();
      v.outputsRevision = this.revision;
    }
    const cached = v.outputs.get(signature);
    if (cached !== undefined) return cached;
    const rules: PortRules[] = ports.map((info, i) => {
      let cache = v.ports.get(info);
      if (cache === undefined) {
        cache = new PortRulesCache(v.ctx, info);
        v.ports.set(info, cache);
      }
      return cache.rules(keys?.[i] ?? '', isLocal);
    });
    const out = assembleIptables(v.statics, rules);
    v.outputs.set(signature, out);
    return out;
  }

  /** The IPVS proxier's state for the node `config` describes. */
  ipvs(config: ProxyConfig): IpvsProxyState {
    const ports = this.servicePorts();
    const scheduler = config.ipvsScheduler === '' ? 'rr' : config.ipvsScheduler;
    let cached = this.ipvsShared;
    if (cached === undefined || cached.revision !== this.revision || cached.shared.scheduler !== scheduler) {
      cached = { revision: this.revision, shared: new IpvsShared(ports, scheduler) };
      this.ipvsShared = cached;
    }
    return cached.shared.node(config, this.variant(config).ctx.notPodSource);
  }

  private changed(key: string): void {
    this.portsByService.delete(key);
    this.sorted = undefined;
    this.revision++;
  }

  private variant(config: ProxyConfig): Variant {
    this.servicePorts();
    const key = [
      config.clusterCIDR ?? '',
      config.masqueradeBit,
      config.masqueradeAll,
      config.localhostNodePorts,
      config.randomFully,
      config.conntrackTcpBeLiberal,
      this.largeCluster,
    ].join('|');
    let v = this.variants.get(key);
    if (v === undefined) {
      v = {
        ctx: iptablesContext(config, this.largeCluster),
        statics: staticChains(config),
        ports: new WeakMap(),
        outputs: new Map(),
        outputsRevision: this.revision,
      };
      this.variants.set(key, v);
    }
    return v;
  }
}

/** Names a node's local endpoints of a port by their positions: nodes with equal keys share rules. */
function localKey(eps: readonly PortEndpoint[], isLocal: (e: PortEndpoint) => boolean): string {
  let key = '';
  for (let i = 0; i < eps.length; i++) {
    const e = eps[i];
    if (e !== undefined && isLocal(e)) key += `${i},`;
  }
  return key;
}
