/**
 * Cross-field checks of the Cluster document and the resolution of what it leaves implicit: segment
 * gateways, the implicit router, node and host addresses. Works on the schema's output (types and formats
 * are already right) and reports each problem at the field that causes it.
 */

import type { Timings } from '../k8s/index.js';
import { type Cidr, contains, formatCidr, formatIp4, lastOf, overlaps, sizeOf } from './addr.js';
import { FIRST_NODE_HOST, IMPLICIT_ROUTER } from './defaults.js';
import type { IssueDraft } from './from-zod.js';
import { formatPath, type IssueDetail, type MachineKind, type PathKey } from './issues.js';
import type { ClusterDocument } from './schema.js';
import type { HostSpec, NodeSpec, RouterSpec, SegmentSpec, Topology } from './types.js';

/** What the Scenario checks need to know about the cluster, even when the cluster has issues. */
export interface ClusterFacts {
  readonly nodes: readonly string[];
  readonly routers: readonly string[];
  readonly hosts: readonly string[];
  readonly segments: readonly string[];
  /** Addresses held by nodes, routers and hosts (only when the cluster resolved without issues). */
  readonly addresses: ReadonlySet<number>;
}

/** The cluster part of a topology. */
export type ResolvedCluster = Omit<Topology, 'scenario' | 'pods' | 'services' | 'objects'>;

/** Result of checking a Cluster document. */
export interface ClusterCheck {
  readonly cluster: ResolvedCluster | undefined;
  readonly facts: ClusterFacts;
  readonly issues: readonly IssueDraft[];
}

type Spec = ClusterDocument['spec'];
type NameKind = MachineKind;

const SPEC = ['spec'] as const;

class Checker {
  readonly issues: IssueDraft[] = [];
  private readonly names = new Map<string, { kind: NameKind; path: readonly PathKey[] | null }>();

  report(path: readonly PathKey[], detail: IssueDetail): void {
    this.issues.push({ detail, path, anchor: 'value' });
  }

  /** Nodes, segments, routers and hosts share one namespace: capture points are named `OWNER/IFACE`. */
  claimName(name: string, kind: NameKind, path: readonly PathKey[] | null): void {
    const first = this.names.get(name);
    if (first === undefined) {
      this.names.set(name, { kind, path });
    } else if (path !== null) {
      const firstPath = first.path === null ? null : formatPath(first.path);
      this.report(path, { code: 'duplicate_name', name, kind, firstKind: first.kind, firstPath });
    } else if (first.path !== null) {
      // The implicit router (no path of its own) came second: point at the name it collides with.
      this.report(first.path, {
        code: 'duplicate_name',
        name,
        kind: first.kind,
        firstKind: kind,
        firstPath: null,
      });
    }
  }
}

/** A record as a map in sorted key order (the topology never holds plain objects as maps). */
export function sortedMap(record: Readonly<Record<string, string>>): ReadonlyMap<string, string> {
  const keys = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(keys.map((k) => [k, record[k] ?? '']));
}

function checkSegments(spec: Spec, c: Checker): SegmentSpec[] {
  const { clusterCIDR, serviceCIDR } = spec.network;
  const segments: SegmentSpec[] = [];
  spec.underlay.forEach((seg, i) => {
    const path = [...SPEC, 'underlay', i];
    const cidrPath = [...path, 'cidr'];
    c.claimName(seg.name, 'segment', [...path, 'name']);
    const text = formatCidr(seg.cidr);
    if (seg.cidr.prefixLen > 30) {
      c.report(cidrPath, { code: 'segment_too_small', cidr: text });
      return;
    }
    spec.underlay.slice(0, i).forEach((other) => {
      if (overlaps(seg.cidr, other.cidr)) {
        c.report(cidrPath, {
          code: 'overlap',
          cidr: text,
          other: formatCidr(other.cidr),
          otherKind: 'segment',
          otherName: other.name,
        });
      }
    });
    for (const [otherKind, other] of [
      ['clusterCIDR', clusterCIDR],
      ['serviceCIDR', serviceCIDR],
    ] as const) {
      if (overlaps(seg.cidr, other)) {
        c.report(cidrPath, {
          code: 'overlap',
          cidr: text,
          other: formatCidr(other),
          otherKind,
          otherName: otherKind,
        });
      }
    }
    let gateway = seg.cidr.network + 1;
    if (seg.gateway !== undefined) {
      gateway = seg.gateway;
      const gwPath = [...path, 'gateway'];
      const ip = formatIp4(gateway);
      if (!contains(seg.cidr, gateway)) {
        c.report(gwPath, { code: 'address_outside', ip, segment: seg.name, cidr: text });
      } else if (gateway === seg.cidr.network || gateway === lastOf(seg.cidr)) {
        const role = gateway === seg.cidr.network ? 'network' : 'broadcast';
        c.report(gwPath, { code: 'reserved_address', ip, segment: seg.name, role });
      }
    }
    segments.push({
      name: seg.name,
      network: seg.cidr.network,
      prefixLen: seg.cidr.prefixLen,
      mtu: seg.mtu,
      latencyNs: seg.latency,
      bandwidthBps: seg.bandwidth,
      gateway,
    });
  });
  return segments;
}

function checkNetwork(spec: Spec, c: Checker): void {
  const { clusterCIDR, serviceCIDR, nodeCIDRMaskSize } = spec.network;
  const net = [...SPEC, 'network'];
  if (overlaps(clusterCIDR, serviceCIDR)) {
    c.report([...net, 'serviceCIDR'], {
      code: 'overlap',
      cidr: formatCidr(serviceCIDR),
      other: formatCidr(clusterCIDR),
      otherKind: 'clusterCIDR',
      otherName: 'clusterCIDR',
    });
  }
  if (nodeCIDRMaskSize <= clusterCIDR.prefixLen) {
    c.report([...net, 'nodeCIDRMaskSize'], {
      code: 'node_cidr_mask',
      maskSize: nodeCIDRMaskSize,
      clusterCIDR: formatCidr(clusterCIDR),
    });
    return;
  }
  const room = 2 ** (nodeCIDRMaskSize - clusterCIDR.prefixLen);
  if (room < spec.nodes.length) {
    c.report([...net, 'clusterCIDR'], {
      code: 'cluster_too_small',
      clusterCIDR: formatCidr(clusterCIDR),
      maskSize: nodeCIDRMaskSize,
      room,
      nodes: spec.nodes.length,
    });
  }
}

/** Segments by name (the first of a duplicated name wins) and the distinct declared names. */
function segmentIndex(spec: Spec, segments: readonly SegmentSpec[]): [Map<string, SegmentSpec>, string[]] {
  const byName = new Map<string, SegmentSpec>();
  for (const s of segments) if (!byName.has(s.name)) byName.set(s.name, s);
  return [byName, [...new Set(spec.underlay.map((s) => s.name))]];
}

function checkRouters(spec: Spec, segments: readonly SegmentSpec[], c: Checker): RouterSpec[] {
  const [byName, known] = segmentIndex(spec, segments);
  if (spec.routers === undefined) {
    if (segments.length < 2) return [];
    c.claimName(IMPLICIT_ROUTER, 'router', null);
    const interfaces = segments.map((s) => ({ segment: s.name, ip: s.gateway }));
    return [{ name: IMPLICIT_ROUTER, interfaces, implicit: true }];
  }
  const joinedBy = new Map<string, string>();
  return spec.routers.map((router, i) => {
    const path = [...SPEC, 'routers', i];
    c.claimName(router.name, 'router', [...path, 'name']);
    const interfaces: { segment: string; ip: number }[] = [];
    router.segments.forEach((name, k) => {
      const segPath = [...path, 'segments', k];
      const seg = byName.get(name);
      const firstK = router.segments.indexOf(name);
      if (firstK < k) {
        c.report(segPath, {
          code: 'duplicate_entry',
          value: name,
          firstPath: formatPath([...path, 'segments', firstK]),
        });
        return;
      }
      if (seg === undefined) {
        if (!known.includes(name))
          c.report(segPath, { code: 'unknown_reference', kind: 'segment', name, known });
        return;
      }
      const other = joinedBy.get(name);
      if (other !== undefined) {
        c.report(segPath, {
          code: 'router_conflict',
          segment: name,
          router: other,
          ip: formatIp4(seg.gateway),
        });
        return;
      }
      joinedBy.set(name, router.name);
      interfaces.push({ segment: name, ip: seg.gateway });
    });
    return { name: router.name, interfaces, implicit: false };
  });
}

/**
 * The i-th node's podCIDR: block i of `/nodeCIDRMaskSize` in clusterCIDR. kube-controller-manager's
 * range allocator (`cidrset.AllocateNext`) scans its bitmap from index 0, so nodes created in declared
 * order get 10.244.0.0/24, 10.244.1.0/24, …; `checkNetwork` has made sure every node has a block.
 */
function podCidrOf(spec: Spec, index: number): Cidr {
  const { clusterCIDR, nodeCIDRMaskSize } = spec.network;
  return { network: clusterCIDR.network + index * sizeOf(nodeCIDRMaskSize), prefixLen: nodeCIDRMaskSize };
}

/** A machine that takes an address on a segment: a node or a host. */
interface Machine {
  readonly kind: 'node' | 'host';
  readonly name: string;
  readonly subnet: string;
  readonly ip?: number | undefined;
  readonly path: readonly PathKey[];
}

/**
 * The address of every machine, or undefined where its segment is unknown or full. Explicit addresses
 * are checked and taken first, so allocation skips them wherever they appear; the others get the next
 * free host numbers of their segment from .11 up, in the order given (nodes before hosts, so adding a
 * host never moves a node).
 */
function placeMachines(
  spec: Spec,
  segments: readonly SegmentSpec[],
  machines: readonly Machine[],
  c: Checker,
): (number | undefined)[] {
  const [byName, known] = segmentIndex(spec, segments);
  const taken = new Map<number, string>(segments.map((s) => [s.gateway, '']));
  const ips = machines.map((m): number | undefined => {
    c.claimName(m.name, m.kind, [...m.path, 'name']);
    const seg = byName.get(m.subnet);
    if (seg === undefined) {
      if (!known.includes(m.subnet)) {
        c.report([...m.path, 'subnet'], {
          code: 'unknown_reference',
          kind: 'segment',
          name: m.subnet,
          known,
        });
      }
      return undefined;
    }
    if (m.ip === undefined) return undefined;
    const ipPath = [...m.path, 'ip'];
    const cidr: Cidr = { network: seg.network, prefixLen: seg.prefixLen };
    const ip = formatIp4(m.ip);
    const first = taken.get(m.ip);
    if (!contains(cidr, m.ip)) {
      c.report(ipPath, { code: 'address_outside', ip, segment: seg.name, cidr: formatCidr(cidr) });
    } else if (m.ip === seg.network || m.ip === lastOf(cidr) || m.ip === seg.gateway) {
      const role = m.ip === seg.network ? 'network' : m.ip === seg.gateway ? 'gateway' : 'broadcast';
      c.report(ipPath, { code: 'reserved_address', ip, segment: seg.name, role });
    } else if (first !== undefined) {
      c.report(ipPath, { code: 'duplicate_address', ip, firstPath: first });
    } else {
      taken.set(m.ip, formatPath(ipPath));
    }
    return m.ip;
  });
  const cursor = new Map<string, number>();
  return machines.map((m, i) => {
    const seg = byName.get(m.subnet);
    const explicit = ips[i];
    if (seg === undefined || explicit !== undefined) return explicit;
    const cidr: Cidr = { network: seg.network, prefixLen: seg.prefixLen };
    // From .11 up; a segment too small for that (/29 and /30) allocates from its first host.
    const start = sizeOf(seg.prefixLen) - 1 > FIRST_NODE_HOST ? FIRST_NODE_HOST : 1;
    let next = cursor.get(seg.name) ?? seg.network + start;
    while (taken.has(next)) next += 1;
    if (next >= lastOf(cidr)) {
      c.report([...m.path, 'subnet'], {
        code: 'segment_full',
        segment: seg.name,
        cidr: formatCidr(cidr),
        kind: m.kind,
        name: m.name,
      });
      return undefined;
    }
    cursor.set(seg.name, next + 1);
    taken.set(next, formatPath(m.path));
    return next;
  });
}

function checkMachines(
  spec: Spec,
  segments: readonly SegmentSpec[],
  c: Checker,
): { nodes: NodeSpec[]; hosts: HostSpec[] } {
  const machines: Machine[] = [
    ...spec.nodes.map((n, i): Machine => ({ kind: 'node', ...n, path: [...SPEC, 'nodes', i] })),
    ...spec.hosts.map((h, i): Machine => ({ kind: 'host', ...h, path: [...SPEC, 'hosts', i] })),
  ];
  const ips = placeMachines(spec, segments, machines, c);
  const segmentOf = (name: string): string | undefined => segments.find((s) => s.name === name)?.name;
  const nodes = spec.nodes.flatMap((node, i): NodeSpec[] => {
    const ip = ips[i];
    const segment = segmentOf(node.subnet);
    if (ip === undefined || segment === undefined) return [];
    return [
      {
        name: node.name,
        segment,
        ip,
        role: node.role,
        labels: sortedMap(node.labels),
        taints: node.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
        capacity: { cpu: node.capacity.cpu, memory: node.capacity.memory },
        sysctls: sortedMap(node.sysctls),
        podCIDR: podCidrOf(spec, i),
      },
    ];
  });
  const hosts = spec.hosts.flatMap((host, j): HostSpec[] => {
    const ip = ips[spec.nodes.length + j];
    const segment = segmentOf(host.subnet);
    return ip === undefined || segment === undefined ? [] : [{ name: host.name, segment, ip }];
  });
  return { nodes, hosts };
}

/** Checks a schema-valid Cluster document and resolves it, or reports every cross-field problem. */
export function checkCluster(doc: ClusterDocument): ClusterCheck {
  const { spec } = doc;
  const c = new Checker();
  checkNetwork(spec, c);
  const segments = checkSegments(spec, c);
  const routers = checkRouters(spec, segments, c);
  const { nodes, hosts } = checkMachines(spec, segments, c);
  const ok = c.issues.length === 0;
  const routerIps = routers.flatMap((r) => r.interfaces.map((i) => i.ip));
  const addresses = new Set<number>(
    ok ? [...nodes.map((n) => n.ip), ...routerIps, ...hosts.map((h) => h.ip)] : [],
  );
  const facts: ClusterFacts = {
    nodes: spec.nodes.map((n) => n.name),
    routers: routers.map((r) => r.name),
    hosts: spec.hosts.map((h) => h.name),
    segments: spec.underlay.map((s) => s.name),
    addresses,
  };
  if (!ok) return { cluster: undefined, facts, issues: c.issues };
  const cluster: ResolvedCluster = {
    name: doc.metadata?.name ?? null,
    seed: spec.seed,
    network: { ...spec.network, dns: spec.dns },
    segments,
    routers,
    nodes,
    hosts,
    timings: timingsOf(spec.controlPlane),
  };
  return { cluster, facts, issues: [] };
}

/** `spec.controlPlane` as the control plane's `Timings` (ns); fields not given are left out. */
function timingsOf(cp: Spec['controlPlane']): Partial<Timings> {
  if (cp === undefined) return {};
  const pairs: [keyof Timings, number | undefined][] = [
    ['watchDelayNs', cp.watchDelay],
    ['podStartNs', cp.podStartDelay],
    ['kubeProxyMinSyncNs', cp.kubeProxyMinSyncPeriod],
    ['kubeProxySyncPeriodNs', cp.kubeProxySyncPeriod],
    ['nodeMonitorGraceNs', cp.nodeMonitorGracePeriod],
    ['nodeMonitorPeriodNs', cp.nodeMonitorPeriod],
    ['nodeLeaseRenewNs', cp.nodeLeaseRenewInterval],
    ['defaultTolerationSeconds', cp.defaultTolerationSeconds],
  ];
  return Object.fromEntries(pairs.filter(([, v]) => v !== undefined));
}
