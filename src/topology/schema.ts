/**
 * The shape of the podwire documents as zod schemas: strict objects (unknown fields are issues), types,
 * enums, ranges, per-field formats and defaults. Cross-field rules (names that must exist, overlaps,
 * address allocation) live in `semantic.ts` and `scenario.ts`. The JSON Schema for editors is derived
 * from these with `z.toJSONSchema`.
 */

import { z } from 'zod';
import * as D from './defaults.js';
import {
  badFormat,
  checkDuration,
  cidr,
  dnsLabel,
  ipv4,
  isCapturePoint,
  nodeName,
  parseBandwidth,
  reject,
} from './formats.js';
import { parseRef } from './refs.js';
import { endpointSliceDocument, endpointsDocument } from './schema-endpoints.js';
import { podDocument, quantity } from './schema-pod.js';
import { serviceDocument } from './schema-service.js';
import {
  applyManifest,
  deletion,
  drain,
  exactlyOne,
  label,
  nodeOnly,
  rollout,
  scale,
  taint as taintStep,
  untaint,
} from './schema-steps.js';
import {
  daemonSetDocument,
  deploymentDocument,
  replicaSetDocument,
  statefulSetDocument,
} from './schema-workloads.js';

export { type PodDocument, podDocument } from './schema-pod.js';

export const API_VERSION = 'podwire/v1';

const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ns|us|µs|ms|s|m|h)$';

/** A duration string parsed to integer ns, at least `minNs`. */
function duration(minNs = 0, minText = '0s') {
  return z
    .string()
    .transform((s, ctx) => checkDuration(s, ctx, minNs, minText))
    .meta({ pattern: DURATION_PATTERN, description: 'duration: 50us, 250ms, 1s, 1.5s' });
}

const bandwidth = z
  .string()
  .transform((s, ctx) => parseBandwidth(s) ?? badFormat(ctx, 'bandwidth', s))
  .meta({ pattern: '^\\d+(\\.\\d+)?[kKMGT]?bps$', description: 'bits per second: 100Mbps, 1Gbps, 10Gbps' });

/** A string map; YAML numbers and booleans (`net.ipv4.ip_forward: 1`) are kept as their text. */
const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

const ref = z
  .string()
  .transform((s, ctx) => {
    const parsed = parseRef(s);
    return parsed.ok ? parsed.ref : reject(ctx, s, parsed.detail);
  })
  .meta({
    description:
      'node/NAME, router/NAME, host/NAME, pod/[NAMESPACE/]NAME, deploy/[NAMESPACE/]NAME, sts/[NAMESPACE/]NAME, svc/[NAMESPACE/]NAME, an IPv4 address or a DNS name (web, web.shop, db-0.db), with an optional :PORT (a number; pods, workloads and Services also take port names)',
  });

const metadata = z.strictObject({
  name: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const network = z.strictObject({
  clusterCIDR: cidr.prefault(D.DEFAULT_CLUSTER_CIDR),
  nodeCIDRMaskSize: z.int().min(1).max(30).default(D.DEFAULT_NODE_CIDR_MASK_SIZE),
  serviceCIDR: cidr.prefault(D.DEFAULT_SERVICE_CIDR),
  backend: z.enum(['vxlan', 'host-gw', 'vxlan-directrouting', 'udp']).default(D.DEFAULT_BACKEND),
  ipMasq: z.boolean().default(D.DEFAULT_IP_MASQ),
  // false: the kube-flannel DaemonSet is not running — no flannel device, no routes to other nodes. The
  // subnet.env it would write is still in place (as in the CNI lab) so pods on each node get addresses.
  flanneld: z.boolean().default(true),
  kubeProxyMode: z.enum(['iptables', 'ipvs']).default(D.DEFAULT_KUBE_PROXY_MODE),
  ipvsScheduler: z
    .enum(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'sh', 'dh', 'sed', 'nq', 'mh'])
    .default(D.DEFAULT_IPVS_SCHEDULER),
});

const segment = z.strictObject({
  name: dnsLabel,
  cidr,
  mtu: z.int().min(68).max(65535).default(D.DEFAULT_MTU),
  latency: duration().prefault(D.DEFAULT_LATENCY),
  bandwidth: bandwidth.prefault(D.DEFAULT_BANDWIDTH),
  gateway: ipv4.optional(),
});

const router = z.strictObject({
  name: dnsLabel,
  segments: z.array(z.string()).min(1),
});

const taint = z.strictObject({
  key: z.string().min(1),
  value: z.string().default(''),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

const node = z.strictObject({
  name: nodeName,
  subnet: z.string(),
  ip: ipv4.optional(),
  role: z.enum(['control-plane', 'worker']).default('worker'),
  labels: stringMap.default({}),
  taints: z.array(taint).default([]),
  capacity: z
    .strictObject({
      cpu: quantity.prefault(D.DEFAULT_NODE_CPU),
      memory: quantity.prefault(D.DEFAULT_NODE_MEMORY),
    })
    .prefault({}),
  sysctls: stringMap.default({}),
});

/** A plain Linux machine on a segment, outside the cluster (a client reaching NodePorts). */
const host = z.strictObject({
  name: dnsLabel,
  subnet: z.string(),
  ip: ipv4.optional(),
});

/**
 * The control plane's delays and periods (`Timings` in src/k8s/api/context.ts); what is not given keeps
 * the Kubernetes default.
 */
const controlPlane = z.strictObject({
  watchDelay: duration().optional(),
  podStartDelay: duration().optional(),
  kubeProxyMinSyncPeriod: duration().optional(),
  kubeProxySyncPeriod: duration(1, '1ns').optional(),
  nodeMonitorGracePeriod: duration(1, '1ns').optional(),
  nodeMonitorPeriod: duration(1, '1ns').optional(),
  nodeLeaseRenewInterval: duration(1, '1ns').optional(),
  defaultTolerationSeconds: z.int().min(0).optional(),
});

const clusterSpec = z.strictObject({
  seed: z.int().min(0).default(D.DEFAULT_SEED),
  // coredns: kubeadm's CoreDNS Deployment and the kube-dns Service at the 10th serviceCIDR address.
  dns: z.enum(['coredns', 'none']).default(D.DEFAULT_CLUSTER_DNS),
  controlPlane: controlPlane.optional(),
  network: network.prefault({}),
  underlay: z.array(segment).min(1),
  routers: z.array(router).optional(),
  nodes: z.array(node).min(1),
  hosts: z.array(host).default([]),
});

/** A `kind: Cluster` document. */
export const clusterDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Cluster'),
  metadata: metadata.optional(),
  spec: clusterSpec,
});

const ping = z.strictObject({
  from: ref,
  to: ref,
  count: z.int().min(1).max(1_000_000).default(D.DEFAULT_PING_COUNT),
  interval: duration(1, '1ns').prefault(D.DEFAULT_PING_INTERVAL),
  size: z.int().min(0).max(65507).default(D.DEFAULT_PING_SIZE),
  ttl: z.int().min(1).max(255).default(D.DEFAULT_PING_TTL),
  // Absent: ping's own default (IP_PMTUDISC_WANT — DF when the packet fits the route MTU, else
  // fragment locally); true = `-M do`, false = `-M dont`.
  df: z.boolean().optional(),
  wait: duration(1, '1ns').prefault(D.DEFAULT_PING_WAIT),
});

const traceroute = z.strictObject({
  from: ref,
  to: ref,
  queries: z.int().min(1).max(10).default(D.DEFAULT_TRACEROUTE_QUERIES),
  maxHops: z.int().min(1).max(255).default(D.DEFAULT_TRACEROUTE_MAX_HOPS),
  proto: z.enum(['udp', 'icmp']).default(D.DEFAULT_TRACEROUTE_PROTO),
  wait: duration(1, '1ns').prefault(D.DEFAULT_TRACEROUTE_WAIT),
});

/**
 * `http`, `tcp`, `udp`: requests `interval` apart, each given up after `timeout`. `to` carries the port
 * (a single-port Service may leave it out); which ports fit is checked in `scenario.ts`.
 */
const connect = z.strictObject({
  from: ref,
  to: ref,
  count: z.int().min(1).max(1_000_000).default(D.DEFAULT_CONNECT_COUNT),
  interval: duration(1, '1ns').prefault(D.DEFAULT_CONNECT_INTERVAL),
  timeout: duration(1, '1ns').prefault(D.DEFAULT_CONNECT_TIMEOUT),
});

const link = z.strictObject({ node: z.string() });

/** `kubeadm join` on a node that was deleted: its Node object and flannel lease come back. */
const join = z.strictObject({ node: z.string() });

const STEP_ACTIONS = [
  'ping',
  'traceroute',
  'http',
  'tcp',
  'udp',
  'linkDown',
  'linkUp',
  'delete',
  'join',
  'apply',
  'scale',
  'rollout',
  'cordon',
  'uncordon',
  'drain',
  'taint',
  'untaint',
  'label',
  'fail',
  'recover',
] as const;

const step = z
  .strictObject({
    at: duration(),
    ping: ping.optional(),
    traceroute: traceroute.optional(),
    http: connect.optional(),
    tcp: connect.optional(),
    udp: connect.optional(),
    linkDown: link.optional(),
    linkUp: link.optional(),
    delete: deletion.optional(),
    join: join.optional(),
    apply: applyManifest.optional(),
    scale: scale.optional(),
    rollout: rollout.optional(),
    cordon: nodeOnly.optional(),
    uncordon: nodeOnly.optional(),
    drain: drain.optional(),
    taint: taintStep.optional(),
    untaint: untaint.optional(),
    label: label.optional(),
    fail: nodeOnly.optional(),
    recover: nodeOnly.optional(),
  })
  .superRefine(exactlyOne(STEP_ACTIONS));

const pair = z.strictObject({ from: ref, to: ref });

const expectation = z
  .strictObject({ reachable: pair.optional(), unreachable: pair.optional() })
  .superRefine(exactlyOne(['reachable', 'unreachable']));

const capturePoint = z.string().superRefine((s, ctx) => {
  if (!isCapturePoint(s)) badFormat(ctx, 'capture_point', s);
});

const scenarioSpec = z.strictObject({
  capture: z.union([z.enum(['all', 'none']), z.array(capturePoint)]).default('all'),
  steps: z.array(step).default([]),
  expect: z.array(expectation).default([]),
});

/** A `kind: Scenario` document. */
export const scenarioDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Scenario'),
  metadata: metadata.optional(),
  spec: scenarioSpec.prefault({}),
});

/** The parsed (defaults applied, formats converted) Cluster document. */
export type ClusterDocument = z.output<typeof clusterDocument>;
/** The parsed Scenario document. */
export type ScenarioDocument = z.output<typeof scenarioDocument>;

/** The Kubernetes documents a file (and a Scenario's `apply`) may hold, by kind. */
export const MANIFEST_SCHEMAS = {
  Pod: podDocument,
  Service: serviceDocument,
  Deployment: deploymentDocument,
  ReplicaSet: replicaSetDocument,
  DaemonSet: daemonSetDocument,
  StatefulSet: statefulSetDocument,
  Endpoints: endpointsDocument,
  EndpointSlice: endpointSliceDocument,
} as const;

/** A kind the file accepts as a Kubernetes manifest. */
export type ManifestKind = keyof typeof MANIFEST_SCHEMAS;

/** Whether `kind` is one of the accepted Kubernetes kinds. */
export function isManifestKind(kind: string): kind is ManifestKind {
  return Object.hasOwn(MANIFEST_SCHEMAS, kind);
}

const JSON_SCHEMA_OPTIONS = { io: 'input', unrepresentable: 'any' } as const;

/** JSON Schema (draft 2020-12) of one document of a topology file, for editors (`podwire schema`). */
export function topologyJsonSchema(): object {
  const manifests = Object.values(MANIFEST_SCHEMAS);
  const document = z.union([clusterDocument, scenarioDocument, ...manifests]).meta({
    title: 'podwire topology document',
    description:
      'One YAML document of a podwire topology file: a Cluster (exactly one), a Scenario (at most one), or a Kubernetes manifest (Pod, Service, Deployment, ReplicaSet, DaemonSet, StatefulSet, Endpoints, EndpointSlice).',
  });
  // A step's `apply` holds one manifest: describe it as the union of the manifest documents.
  const { $schema: _, ...manifest } = z.toJSONSchema(z.union(manifests), JSON_SCHEMA_OPTIONS);
  return z.toJSONSchema(document, {
    ...JSON_SCHEMA_OPTIONS,
    override: (ctx) => {
      if (ctx.zodSchema === applyManifest) {
        for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
        Object.assign(ctx.jsonSchema, manifest);
      }
    },
  });
}
