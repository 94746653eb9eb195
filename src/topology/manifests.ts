/**
 * The Kubernetes documents of a file (and of a Scenario's `apply`) as the API objects a client sends:
 * the shapes of src/k8s/api/types.ts, with the API server's defaults the schemas applied, addresses as
 * dotted strings, and the fields the API server omits when empty (`omitempty`) left out. The loader
 * hands these to the control plane; nothing here checks anything.
 */

import type { ObjectInput } from '../k8s/index.js';
import { formatCidr, formatIp4, parseIp4 } from './addr.js';
import type { EndpointSliceDocument, EndpointsDocument } from './schema-endpoints.js';
import type { PodDocument, PodSpecDocument, PodTemplateDocument } from './schema-pod.js';
import type { ServiceDocument } from './schema-service.js';
import type { WorkloadDocument } from './schema-workloads.js';
import type { ContainerPortSpec } from './types.js';

/** Any parsed Kubernetes document. */
export type ManifestDocument =
  | PodDocument
  | ServiceDocument
  | WorkloadDocument
  | EndpointsDocument
  | EndpointSliceDocument;

/** A container port as the fabric takes it (the schema has checked `hostIP` is an address). */
export function containerPort(p: PodSpecDocument['containers'][number]['ports'][number]): ContainerPortSpec {
  const hostIP = p.hostIP === undefined ? undefined : parseIp4(p.hostIP);
  return {
    containerPort: p.containerPort,
    protocol: p.protocol,
    ...(p.name !== undefined ? { name: p.name } : {}),
    ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
    ...(hostIP !== undefined ? { hostIP } : {}),
  };
}

type Meta = Readonly<Record<string, string>>;

/** Labels and annotations when they have entries (the API server drops empty maps: `omitempty`). */
function labelsAndAnnotations(m: { labels: Meta; annotations: Meta }): { labels?: Meta; annotations?: Meta } {
  return {
    ...(Object.keys(m.labels).length > 0 ? { labels: { ...m.labels } } : {}),
    ...(Object.keys(m.annotations).length > 0 ? { annotations: { ...m.annotations } } : {}),
  };
}

function objectMeta(m: { name: string; namespace: string; labels: Meta; annotations: Meta }) {
  return { name: m.name, namespace: m.namespace, ...labelsAndAnnotations(m) };
}

/** A pod spec as stored: containers without an empty `ports`, `hostNetwork` only when true. */
function podSpecObject(spec: PodSpecDocument): Record<string, unknown> {
  const { hostNetwork, containers, initContainers, ...rest } = spec;
  const container = ({ ports, ...c }: PodSpecDocument['containers'][number]) => ({
    ...c,
    ...(ports.length > 0 ? { ports } : {}),
  });
  return {
    ...rest,
    containers: containers.map(container),
    ...(initContainers !== undefined ? { initContainers: initContainers.map(container) } : {}),
    ...(hostNetwork ? { hostNetwork } : {}),
  };
}

function templateObject(t: PodTemplateDocument) {
  return {
    metadata: labelsAndAnnotations(t.metadata),
    spec: podSpecObject(t.spec),
  };
}

function serviceSpecObject(spec: ServiceDocument['spec']): Record<string, unknown> {
  const {
    clusterIP,
    clusterIPs,
    externalIPs,
    loadBalancerIP,
    loadBalancerSourceRanges,
    ports,
    sessionAffinityConfig,
    ...rest
  } = spec;
  const ip = (v: number | 'None' | undefined) => (typeof v === 'number' ? formatIp4(v) : v);
  const asked = ip(clusterIP ?? clusterIPs?.[0]);
  const ips = (clusterIPs ?? []).map(ip).filter((v) => v !== undefined);
  const externallyAccessible = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  return {
    ...rest,
    ports: ports.map((p) => ({ ...p, targetPort: p.targetPort ?? p.port })),
    ...(asked !== undefined ? { clusterIP: asked } : {}),
    ...(ips.length > 0 ? { clusterIPs: ips } : {}),
    ...(externalIPs.length > 0 ? { externalIPs: externalIPs.map(formatIp4) } : {}),
    ...(loadBalancerIP !== undefined ? { loadBalancerIP: formatIp4(loadBalancerIP) } : {}),
    ...(loadBalancerSourceRanges !== undefined
      ? { loadBalancerSourceRanges: loadBalancerSourceRanges.map(formatCidr) }
      : {}),
    // SetDefaults_Service: ClientIP affinity gets the 10800 s timeout; NodePort and LoadBalancer get
    // externalTrafficPolicy Cluster; a LoadBalancer allocates node ports unless told otherwise.
    ...(spec.sessionAffinity === 'ClientIP'
      ? { sessionAffinityConfig: sessionAffinityConfig ?? { clientIP: { timeoutSeconds: 10800 } } }
      : {}),
    ...(externallyAccessible && spec.externalTrafficPolicy === undefined
      ? { externalTrafficPolicy: 'Cluster' }
      : {}),
    ...(spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined
      ? { allocateLoadBalancerNodePorts: true }
      : {}),
  };
}

/** One parsed Kubernetes document as the API object a client sends to create it. */
export function toObjectInput(d: ManifestDocument): ObjectInput {
  const head = { apiVersion: d.apiVersion, kind: d.kind, metadata: objectMeta(d.metadata) };
  switch (d.kind) {
    case 'Pod':
      return { ...head, spec: podSpecObject(d.spec) };
    case 'Service':
      return { ...head, spec: serviceSpecObject(d.spec) };
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
    case 'StatefulSet':
      return { ...head, spec: { ...d.spec, template: templateObject(d.spec.template) } };
    case 'Endpoints':
      return { ...head, ...(d.subsets !== undefined ? { subsets: d.subsets } : {}) };
    case 'EndpointSlice':
      return {
        ...head,
        addressType: d.addressType,
        endpoints: d.endpoints,
        ...(d.ports !== undefined ? { ports: d.ports } : {}),
      };
  }
}
