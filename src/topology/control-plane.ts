/**
 * Starting the control plane of a built fabric: every node registered (Node object, kubelet,
 * kube-proxy), the API server's own objects (`default/kubernetes` and its endpoints, CoreDNS when the
 * Cluster asks for it), then the file's objects in order — and the whole brought to its steady state at
 * t=0, because a topology file describes a cluster that is already up. The scenario's operations then
 * play against it with the configured delays.
 */

import { startDnsServer } from '../apps/index.js';
import {
  ControlPlane,
  CoreDnsZone,
  defaultProxyConfig,
  type Kubelet,
  localAddresses,
  type ObjectInput,
  type PodRecord,
  type ServicePort,
  type ServiceSpecApi,
} from '../k8s/index.js';
import type { NetNs } from '../net/index.js';
import type { IpSets, Netfilter } from '../netfilter/index.js';
import type { Sim } from '../sim/index.js';
import { formatIp4, parseIp4 } from '../wire/index.js';
import { formatCidr } from './addr.js';
import { coreDnsObjects } from './coredns-manifests.js';
import * as D from './defaults.js';
import type { Topology } from './types.js';

/** What the control plane needs of a built node. */
export interface NodeMachine {
  readonly ns: NetNs;
  readonly kubelet?: Kubelet | undefined;
  readonly netfilter?: Netfilter | undefined;
  readonly ipsets?: IpSets | undefined;
}

export function startControlPlane(
  sim: Sim,
  topology: Topology,
  nodes: ReadonlyMap<string, NodeMachine>,
  pods: Map<string, PodRecord>,
): ControlPlane {
  const net = topology.network;
  const cp = new ControlPlane(sim, { serviceCIDR: net.serviceCIDR, timings: topology.timings }, pods);
  for (const spec of topology.nodes) {
    const host = nodes.get(spec.name);
    if (host?.kubelet === undefined || host.netfilter === undefined || host.ipsets === undefined) continue;
    const ns = host.ns;
    cp.addNode({
      name: spec.name,
      ip: spec.ip,
      ns,
      kubelet: host.kubelet,
      netfilter: host.netfilter,
      ipsets: host.ipsets,
      role: spec.role,
      labels: Object.fromEntries(spec.labels),
      taints: spec.taints.map((t) => ({
        key: t.key,
        ...(t.value !== '' ? { value: t.value } : {}),
        effect: t.effect,
      })),
      capacity: spec.capacity,
      podCIDR: formatCidr(spec.podCIDR),
      proxy: {
        ...defaultProxyConfig(spec.name, [spec.ip], formatCidr(net.clusterCIDR)),
        mode: net.kubeProxyMode,
        ipvsScheduler: net.ipvsScheduler,
      },
      nodeIPs: () => {
        const ips = localAddresses(ns);
        return ips.length > 0 ? ips : [spec.ip];
      },
    });
  }
  if (net.dns === 'coredns') runCoreDns(cp);
  const dns = net.dns === 'coredns' ? coreDnsObjects(net) : [];
  const objects = [...apiserverObjects(topology), ...dns, ...topology.objects];
  reserveStaticAllocations(cp, objects);
  cp.start();
  for (const o of objects) cp.store.create(o);
  cp.settle();
  return cp;
}

/**
 * CoreDNS: one zone (the kubernetes plugin's view of Services, EndpointSlices and Pods, through its own
 * informers) answering in every pod whose container runs the CoreDNS image, on UDP 53.
 */
function runCoreDns(cp: ControlPlane): void {
  const zone = new CoreDnsZone(cp.ctx);
  cp.use(zone);
  cp.runtime.register(
    (image) => image.includes('/coredns/coredns:'),
    (_pod, netns) => {
      const server = startDnsServer(netns, (q) => zone.answer(q));
      return typeof server === 'string' ? [] : [server];
    },
  );
}

/** ClusterIPs and NodePorts the file names are taken before any dynamic allocation (as old files expect). */
function reserveStaticAllocations(cp: ControlPlane, objects: readonly ObjectInput[]): void {
  const a = cp.allocators;
  for (const o of objects) {
    if (o.kind !== 'Service') continue;
    const spec = (o.spec ?? {}) as ServiceSpecApi;
    const ip =
      spec.clusterIP === undefined || spec.clusterIP === 'None' ? undefined : parseIp4(spec.clusterIP);
    if (ip !== undefined && a.ips.take(ip)) a.reservedIps.add(ip);
    for (const p of spec.ports ?? [])
      if (p.nodePort !== undefined && a.ports.take(p.nodePort)) a.reservedPorts.add(p.nodePort);
    const hc = spec.healthCheckNodePort;
    if (hc !== undefined && a.ports.take(hc)) a.reservedPorts.add(hc);
  }
}

/**
 * What the API server makes for itself: the `kubernetes` Service at the first address of serviceCIDR and,
 * from its endpoint reconciler, the Endpoints and EndpointSlice naming the control-plane node's 6443.
 */
function apiserverObjects(topology: Topology): ObjectInput[] {
  const cidr = topology.network.serviceCIDR;
  const cp = topology.nodes.find((n) => n.role === 'control-plane') ?? topology.nodes[0];
  const port: ServicePort = {
    name: D.KUBERNETES_SERVICE_PORT_NAME,
    protocol: 'TCP',
    port: D.KUBERNETES_SERVICE_PORT,
    targetPort: D.KUBE_APISERVER_PORT,
  };
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  const name = D.KUBERNETES_SERVICE;
  const namespace = D.DEFAULT_NAMESPACE;
  const out: ObjectInput[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        clusterIP: formatIp4(cidr.network + 1),
        ports: [port],
        sessionAffinity: 'None',
      },
    },
  ];
  if (cp !== undefined) {
    const ip = formatIp4(cp.ip);
    const epPort = { name: port.name, port: D.KUBE_APISERVER_PORT, protocol: 'TCP' as const };
    out.push(
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, namespace, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
        subsets: [{ addresses: [{ ip }], ports: [epPort] }],
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name, namespace, labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [ip], conditions: { ready: true } }],
        ports: [epPort],
      },
    );
  }
  return out;
}
