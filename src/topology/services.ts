/**
 * Checks of the Service documents — the rules the API server's `ValidateService` applies between the
 * fields of one Service, and what the ClusterIP and NodePort allocators refuse between Services (an
 * address outside serviceCIDR or already taken, a nodePort already allocated) — and their conversion to
 * `ServiceSpec`s. The Service `default/kubernetes` is podwire's own, made as the API server makes it.
 */

import { type Cidr, contains, formatCidr, formatIp4, lastOf, parseCidr } from './addr.js';
import { kubeDnsClusterIP } from './coredns-manifests.js';
import * as D from './defaults.js';
import type { IssueDraft } from './from-zod.js';
import { formatPath, type IssueDetail, type PathKey, type ServiceRule } from './issues.js';
import type { ServiceDocument } from './schema-service.js';
import { sortedMap } from './semantic.js';
import type { PortProtocol, ServicePortSpec, ServiceSpec, ServiceType } from './types.js';

/** A schema-valid Service document and its index in the file. */
export interface FoundService {
  readonly doc: number;
  readonly service: ServiceDocument;
}

/** An issue draft and the document it belongs to. */
export interface ServiceIssue {
  readonly doc: number;
  readonly draft: IssueDraft;
}

/** What a `svc/NAME[:PORT]` reference may name: a Service, whether it has an address, and its ports. */
export interface ServiceFact {
  readonly namespace: string;
  readonly name: string;
  readonly type: ServiceType;
  /** `clusterIP: None`. */
  readonly headless: boolean;
  readonly ports: readonly {
    readonly name: string;
    readonly port: number;
    readonly protocol: PortProtocol;
  }[];
}

/** The result of checking the Service documents. */
export interface ServiceCheck {
  /** Every Service whose document is free of issues, in file order. */
  readonly services: readonly ServiceSpec[];
  /** Every schema-valid Service and `default/kubernetes`, for the Scenario's references. */
  readonly facts: readonly ServiceFact[];
  readonly issues: readonly ServiceIssue[];
}

const SPEC = ['spec'] as const;

function defaultServiceCidr(): Cidr {
  const parsed = parseCidr(D.DEFAULT_SERVICE_CIDR);
  if (parsed.kind !== 'ok') throw new Error('DEFAULT_SERVICE_CIDR is not a CIDR');
  return parsed.cidr;
}

/**
 * `default/kubernetes` as the API server makes it at start-up (`reconcilers.go`): the first address of
 * the service CIDR, one port `https` 443/TCP to the apiserver's 6443, no selector (its endpoints are the
 * apiservers), ClusterIP type.
 */
export function kubernetesService(serviceCIDR: Cidr): ServiceSpec {
  return {
    name: D.KUBERNETES_SERVICE,
    namespace: D.DEFAULT_NAMESPACE,
    labels: new Map([
      ['component', 'apiserver'],
      ['provider', 'kubernetes'],
    ]),
    annotations: new Map(),
    type: 'ClusterIP',
    selector: undefined,
    ports: [
      {
        name: D.KUBERNETES_SERVICE_PORT_NAME,
        protocol: 'TCP',
        port: D.KUBERNETES_SERVICE_PORT,
        targetPort: D.KUBE_APISERVER_PORT,
      },
    ],
    clusterIP: serviceCIDR.network + 1,
    externalIPs: [],
    sessionAffinity: 'None',
    affinityTimeoutSeconds: D.DEFAULT_AFFINITY_TIMEOUT_SECONDS,
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    loadBalancerSourceRanges: [],
    allocateLoadBalancerNodePorts: true,
    publishNotReadyAddresses: false,
  };
}

type Spec = ServiceDocument['spec'];

/** `apiservice.ExternallyAccessible`: NodePort, LoadBalancer, or a ClusterIP Service with externalIPs. */
function externallyAccessible(spec: Spec): boolean {
  return (
    spec.type === 'NodePort' ||
    spec.type === 'LoadBalancer' ||
    (spec.type === 'ClusterIP' && spec.externalIPs.length > 0)
  );
}

/** The ClusterIP a Service asks for (`clusterIP`, else `clusterIPs[0]`) and the field that says it. */
function askedClusterIP(spec: Spec): { ip: number | 'None' | undefined; path: readonly PathKey[] } {
  if (spec.clusterIP !== undefined) return { ip: spec.clusterIP, path: [...SPEC, 'clusterIP'] };
  return { ip: spec.clusterIPs?.[0], path: [...SPEC, 'clusterIPs', 0] };
}

/** The rules of `ValidateService` between the fields of one Service. */
function checkFields(
  spec: Spec,
  rule: (path: readonly PathKey[], r: ServiceRule) => void,
  report: Report,
): void {
  const { type, ports } = spec;
  const asked = askedClusterIP(spec);
  const headless = asked.ip === 'None';
  if (ports.length === 0 && !headless && type !== 'ExternalName') rule([...SPEC, 'ports'], 'ports_required');

  const names = new Map<string, number>();
  const keys = new Map<string, number>();
  const nodePorts = new Map<string, number>();
  ports.forEach((p, i) => {
    const path = [...SPEC, 'ports', i];
    if (p.name === undefined) {
      if (ports.length > 1) rule([...path, 'name'], 'port_name_required');
    } else {
      duplicate(names, p.name, i, [...path, 'name'], 'name', report);
    }
    duplicate(keys, `${p.port}/${p.protocol}`, i, [...path, 'port'], 'port', report);
    if (p.nodePort === undefined) return;
    if (type === 'ClusterIP' || type === 'ExternalName') rule([...path, 'nodePort'], 'node_port_type');
    else duplicate(nodePorts, `${p.nodePort}/${p.protocol}`, i, [...path, 'nodePort'], 'nodePort', report);
  });

  if (type === 'ExternalName') {
    for (const field of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy'] as const) {
      if (spec[field] !== undefined) rule([...SPEC, field], 'external_name_forbidden');
    }
    if (spec.externalName === undefined) rule([...SPEC, 'externalName'], 'external_name_required');
  } else {
    const ips = spec.clusterIPs ?? [];
    if (ips.length > 1) rule([...SPEC, 'clusterIPs'], ips.includes('None') ? 'none_alone' : 'single_stack');
    else if (spec.clusterIP !== undefined && ips.length === 1 && ips[0] !== spec.clusterIP)
      rule([...SPEC, 'clusterIPs', 0], 'cluster_ips_match');
    if (headless && (type === 'NodePort' || type === 'LoadBalancer')) rule(asked.path, 'headless_type');
  }
  if (spec.ipFamilyPolicy === 'RequireDualStack') rule([...SPEC, 'ipFamilyPolicy'], 'single_stack');
  if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig !== undefined)
    rule([...SPEC, 'sessionAffinityConfig'], 'affinity_config_none');
  if (spec.externalTrafficPolicy !== undefined && !externallyAccessible(spec))
    rule([...SPEC, 'externalTrafficPolicy'], 'external_traffic_policy');
  const local = type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  if (spec.healthCheckNodePort !== undefined && !local)
    rule([...SPEC, 'healthCheckNodePort'], 'health_check_node_port');
  if (type !== 'LoadBalancer') {
    for (const field of [
      'allocateLoadBalancerNodePorts',
      'loadBalancerClass',
      'loadBalancerSourceRanges',
    ] as const) {
      if (spec[field] !== undefined) rule([...SPEC, field], 'load_balancer_only');
    }
  }
}

type Report = (path: readonly PathKey[], detail: IssueDetail) => void;

/** Reports `key` at `path` if an earlier entry `i` of the same list had it; remembers it otherwise. */
function duplicate(
  seen: Map<string, number>,
  key: string,
  i: number,
  path: readonly PathKey[],
  field: string,
  report: Report,
): void {
  const first = seen.get(key);
  if (first === undefined) seen.set(key, i);
  else
    report(path, {
      code: 'duplicate_entry',
      value: key,
      firstPath: formatPath([...SPEC, 'ports', first, field]),
    });
}

/** What the allocators have handed out so far, to refuse a second Service the same address or port. */
interface Allocations {
  readonly clusterIPs: Map<number, { service: string; line: number }>;
  readonly nodePorts: Map<number, { service: string; line: number }>;
}

/** An explicit ClusterIP must be one the allocator could hand out, and only once. */
function checkClusterIP(
  spec: Spec,
  serviceCIDR: Cidr,
  coreDns: boolean,
  owner: { service: string; line: number },
  taken: Allocations,
  report: Report,
): void {
  const { ip, path } = askedClusterIP(spec);
  if (ip === undefined || ip === 'None' || spec.type === 'ExternalName') return;
  const text = formatIp4(ip);
  const cidrText = formatCidr(serviceCIDR);
  if (!contains(serviceCIDR, ip)) {
    report(path, { code: 'cluster_ip_outside', ip: text, serviceCIDR: cidrText });
    return;
  }
  const role =
    ip === serviceCIDR.network
      ? 'network'
      : ip === lastOf(serviceCIDR)
        ? 'broadcast'
        : ip === serviceCIDR.network + 1
          ? 'kubernetes'
          : coreDns && ip === kubeDnsClusterIP(serviceCIDR)
            ? 'kube-dns'
            : undefined;
  if (role !== undefined) {
    report(path, { code: 'cluster_ip_reserved', ip: text, serviceCIDR: cidrText, role });
    return;
  }
  const first = taken.clusterIPs.get(ip);
  if (first !== undefined) {
    report(path, { code: 'cluster_ip_taken', ip: text, service: first.service, firstLine: first.line });
  } else {
    taken.clusterIPs.set(ip, owner);
  }
}

/** NodePorts (and health-check node ports) come from one range shared by every Service and protocol. */
function checkNodePorts(
  spec: Spec,
  owner: { service: string; line: number },
  taken: Allocations,
  report: Report,
): void {
  const mine = new Set<number>();
  const claim = (port: number, path: readonly PathKey[]): void => {
    const first = taken.nodePorts.get(port);
    if (first !== undefined && !mine.has(port)) {
      report(path, { code: 'node_port_taken', port, service: first.service, firstLine: first.line });
      return;
    }
    mine.add(port);
    taken.nodePorts.set(port, owner);
  };
  if (spec.type === 'ClusterIP' || spec.type === 'ExternalName') return;
  spec.ports.forEach((p, i) => {
    if (p.nodePort !== undefined) claim(p.nodePort, [...SPEC, 'ports', i, 'nodePort']);
  });
  if (spec.healthCheckNodePort !== undefined)
    claim(spec.healthCheckNodePort, [...SPEC, 'healthCheckNodePort']);
}

/** kubeadm's kube-dns ports (`coreDnsObjects`). */
const KUBE_DNS_PORTS: ServiceFact['ports'] = [
  { name: 'dns', port: 53, protocol: 'UDP' },
  { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  { name: 'metrics', port: 9153, protocol: 'TCP' },
];

function toServiceSpec(d: ServiceDocument): ServiceSpec {
  const { spec, metadata } = d;
  const ports = spec.ports.map(
    (p): ServicePortSpec => ({
      name: p.name ?? '',
      protocol: p.protocol,
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
      ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}),
    }),
  );
  return {
    name: metadata.name,
    namespace: metadata.namespace,
    labels: sortedMap(metadata.labels),
    annotations: sortedMap(metadata.annotations),
    type: spec.type,
    // An empty selector does not survive the API server's storage: it reads back as none.
    selector:
      spec.selector === undefined || Object.keys(spec.selector).length === 0
        ? undefined
        : sortedMap(spec.selector),
    ports,
    clusterIP: askedClusterIP(spec).ip,
    externalIPs: [...spec.externalIPs],
    sessionAffinity: spec.sessionAffinity,
    affinityTimeoutSeconds:
      spec.sessionAffinityConfig?.clientIP.timeoutSeconds ?? D.DEFAULT_AFFINITY_TIMEOUT_SECONDS,
    externalTrafficPolicy: spec.externalTrafficPolicy ?? 'Cluster',
    internalTrafficPolicy: spec.internalTrafficPolicy,
    ...(spec.healthCheckNodePort !== undefined ? { healthCheckNodePort: spec.healthCheckNodePort } : {}),
    ...(spec.loadBalancerIP !== undefined ? { loadBalancerIP: spec.loadBalancerIP } : {}),
    loadBalancerSourceRanges: [...(spec.loadBalancerSourceRanges ?? [])],
    ...(spec.loadBalancerClass !== undefined ? { loadBalancerClass: spec.loadBalancerClass } : {}),
    allocateLoadBalancerNodePorts: spec.allocateLoadBalancerNodePorts ?? true,
    ...(spec.externalName !== undefined ? { externalName: spec.externalName } : {}),
    publishNotReadyAddresses: spec.publishNotReadyAddresses,
    ...(spec.trafficDistribution !== undefined ? { trafficDistribution: spec.trafficDistribution } : {}),
  };
}

/** What the Scenario needs to know about a schema-valid Service. */
export function serviceFact(d: ServiceDocument): ServiceFact {
  return {
    namespace: d.metadata.namespace,
    name: d.metadata.name,
    type: d.spec.type,
    headless: askedClusterIP(d.spec).ip === 'None',
    ports: d.spec.ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol })),
  };
}

/**
 * Checks schema-valid Service documents. `serviceCIDR` is the cluster's (undefined when the Cluster
 * document did not parse: the address checks are then skipped); `nameLine` gives the line of a
 * document's `metadata.name`, for messages that point at another Service.
 */
export function checkServices(
  found: readonly FoundService[],
  serviceCIDR: Cidr | undefined,
  nameLine: (doc: number) => number,
  coreDns = false,
): ServiceCheck {
  const issues: ServiceIssue[] = [];
  const services: ServiceSpec[] = [];
  const firstDoc = new Map<string, number>();
  const taken: Allocations = { clusterIPs: new Map(), nodePorts: new Map() };
  const cidr = serviceCIDR ?? defaultServiceCidr();
  for (const { doc, service } of found) {
    const before = issues.length;
    const report: Report = (path, detail) => issues.push({ doc, draft: { detail, path, anchor: 'value' } });
    const rule = (path: readonly PathKey[], r: ServiceRule): void =>
      report(path, { code: 'service_rule', rule: r, serviceType: service.spec.type });
    const { name, namespace } = service.metadata;
    const key = `${namespace}/${name}`;
    const first = firstDoc.get(key);
    if (namespace === D.DEFAULT_NAMESPACE && name === D.KUBERNETES_SERVICE) {
      report(['metadata', 'name'], { code: 'reserved_service', ip: formatIp4(cidr.network + 1) });
    } else if (coreDns && namespace === D.KUBE_SYSTEM_NAMESPACE && name === D.KUBE_DNS_SERVICE) {
      report(['metadata', 'name'], { code: 'reserved_object', kind: 'service', name, namespace });
    } else if (first !== undefined) {
      const firstLine = nameLine(first);
      report(['metadata', 'name'], { code: 'duplicate_object', kind: 'service', name, namespace, firstLine });
    } else {
      firstDoc.set(key, doc);
    }
    checkFields(service.spec, rule, report);
    const owner = { service: key, line: nameLine(doc) };
    if (serviceCIDR !== undefined) checkClusterIP(service.spec, serviceCIDR, coreDns, owner, taken, report);
    checkNodePorts(service.spec, owner, taken, report);
    if (issues.length === before) services.push(toServiceSpec(service));
  }
  const kubernetes = kubernetesService(cidr);
  const kubeDns: ServiceFact[] = coreDns
    ? [
        {
          namespace: D.KUBE_SYSTEM_NAMESPACE,
          name: D.KUBE_DNS_SERVICE,
          type: 'ClusterIP',
          headless: false,
          ports: KUBE_DNS_PORTS,
        },
      ]
    : [];
  const facts: ServiceFact[] = [
    { ...kubernetes, headless: false, ports: kubernetes.ports },
    ...kubeDns,
    ...found.map(({ service }) => serviceFact(service)),
  ];
  return { services, facts, issues };
}
