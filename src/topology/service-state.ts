/**
 * The Services of a cluster as the API server and the endpoints controller keep them: ClusterIPs and
 * NodePorts allocated where the file gave none (the `kubernetes` Service first, as the API server creates
 * it at start-up), and each Service's endpoints computed from the running pods its selector picks, with
 * named target ports resolved per pod. The result is the snapshot kube-proxy watches.
 */

import {
  ClusterIpAllocator,
  NodePortAllocator,
  type PodRecord,
  type ProxyEndpoint,
  type ProxyService,
} from '../k8s/index.js';
import type { Rng } from '../sim/index.js';
import type { Ip4 } from '../wire/index.js';
import { kubernetesService } from './services.js';
import type { PodSpec, ServiceSpec, Topology } from './types.js';

/** A Service with what the API server filled in. */
export interface LiveService {
  readonly spec: ServiceSpec;
  /** The allocated or given ClusterIP; undefined for headless and ExternalName Services. */
  readonly clusterIP: Ip4 | undefined;
  /** NodePorts by the index of the Service port (NodePort and LoadBalancer Services only). */
  readonly nodePorts: readonly (number | undefined)[];
  readonly healthCheckNodePort: number | undefined;
}

/** `namespace/name`. */
export function serviceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Allocates every Service of the topology, `default/kubernetes` first, then the file's in order. */
export function allocateServices(topology: Topology, rng: Rng): Map<string, LiveService> {
  const cidr = topology.network.serviceCIDR;
  const ips = new ClusterIpAllocator(cidr.network, cidr.prefixLen, rng);
  const ports = new NodePortAllocator(rng);
  const all = [kubernetesService(cidr), ...topology.services];
  // Values the file asks for are reserved first, so a dynamic allocation never takes them.
  for (const s of all) {
    if (typeof s.clusterIP === 'number') ips.take(s.clusterIP);
    for (const p of s.ports) if (p.nodePort !== undefined) ports.take(p.nodePort);
    if (s.healthCheckNodePort !== undefined) ports.take(s.healthCheckNodePort);
  }
  const out = new Map<string, LiveService>();
  for (const s of all) {
    const clusterIP =
      s.type === 'ExternalName' || s.clusterIP === 'None' ? undefined : (s.clusterIP ?? ips.next());
    const wantsNodePorts =
      s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts);
    const nodePorts = s.ports.map((p) => p.nodePort ?? (wantsNodePorts ? ports.next() : undefined));
    const healthCheckNodePort =
      s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local'
        ? (s.healthCheckNodePort ?? ports.next())
        : undefined;
    out.set(serviceKey(s.namespace, s.name), { spec: s, clusterIP, nodePorts, healthCheckNodePort });
  }
  return out;
}

/** The Service as kube-proxy's snapshot; undefined for ExternalName (kube-proxy ignores those). */
export function proxyService(live: LiveService): ProxyService | undefined {
  const s = live.spec;
  if (s.type === 'ExternalName') return undefined;
  return {
    namespace: s.namespace,
    name: s.name,
    type: s.type,
    clusterIP: live.clusterIP,
    ports: s.ports.map((p, i) => {
      const nodePort = live.nodePorts[i];
      return {
        name: p.name,
        protocol: p.protocol,
        port: p.port,
        ...(nodePort !== undefined ? { nodePort } : {}),
      };
    }),
    externalIPs: s.externalIPs,
    // podwire has no cloud load balancer: `loadBalancerIP` stands in for the ingress IP it would report.
    loadBalancerIPs: s.type === 'LoadBalancer' && s.loadBalancerIP !== undefined ? [s.loadBalancerIP] : [],
    sessionAffinity: s.sessionAffinity,
    affinityTimeoutSeconds: s.affinityTimeoutSeconds,
    externalTrafficPolicy: s.externalTrafficPolicy,
    internalTrafficPolicy: s.internalTrafficPolicy,
    ...(live.healthCheckNodePort !== undefined ? { healthCheckNodePort: live.healthCheckNodePort } : {}),
  };
}

/** A running pod with the labels its manifest gave. */
export interface PodView {
  readonly spec: PodSpec;
  readonly record: PodRecord;
}

/**
 * The endpoints controller: every running pod with an IP in the Service's namespace whose labels match
 * its selector, each Service port's target port resolved on that pod (a named target port the pod does
 * not declare leaves the pod out of that port). Pods are taken in name order. A Service without a
 * selector gets no endpoints from here (its Endpoints object would be written by hand).
 */
export function endpointsOf(
  service: ServiceSpec,
  pods: Iterable<PodView>,
  nodeIp: (node: string) => Ip4 | undefined,
): ProxyEndpoint[] {
  const selector = service.selector;
  if (selector === undefined) return [];
  const out: ProxyEndpoint[] = [];
  const chosen = [...pods]
    .filter(({ spec, record }) => spec.namespace === service.namespace && record.status.phase === 'Running')
    .filter(({ spec }) => [...selector].every(([k, v]) => spec.labels.get(k) === v))
    .sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0));
  for (const { spec, record } of chosen) {
    const ip = spec.hostNetwork ? nodeIp(record.node) : record.status.podIP;
    if (ip === undefined) continue;
    const ports = service.ports.flatMap((p) => {
      const port = targetPortOn(spec, p.targetPort, p.protocol);
      return port === undefined ? [] : [{ name: p.name, port, protocol: p.protocol }];
    });
    if (ports.length === 0) continue;
    out.push({ ip, nodeName: record.node, ready: true, serving: true, terminating: false, ports });
  }
  return out;
}

/** A numeric target port as is; a named one looked up in the pod's container ports of that protocol. */
function targetPortOn(pod: PodSpec, target: number | string, protocol: string): number | undefined {
  if (typeof target === 'number') return target;
  for (const c of pod.containers)
    for (const p of c.ports) if (p.name === target && p.protocol === protocol) return p.containerPort;
  return undefined;
}
