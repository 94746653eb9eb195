/**
 * The `kind: Service` document as zod schemas, with the fields of the core/v1 Service as real manifests
 * write them (strict: a field Kubernetes does not have is an issue; `status` is ignored). Defaults are the
 * API server's (`SetDefaults_Service`). Rules between fields — which type allows which field, unique
 * names and ports, ClusterIPs inside serviceCIDR — are in `services.ts`, as `ValidateService` keeps
 * them apart from the types.
 */

import { z } from 'zod';
import * as D from './defaults.js';
import {
  badFormat,
  cidr,
  dnsLabel,
  ipv4,
  isNodeName,
  isPortName,
  isServiceName,
  k8sStringMap,
  objectMeta,
  portNumber,
  reject,
} from './formats.js';

/** Service names are DNS-1035 labels: they become DNS names and environment variable names. */
const serviceName = z
  .string()
  .superRefine((s, ctx) => {
    if (!isServiceName(s)) badFormat(ctx, 'service_name', s);
  })
  .meta({ pattern: '^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$' });

/** `targetPort`: an IntOrString — a container port number or the name of a container port. */
const targetPort = z
  .union([z.int(), z.string()])
  .transform((v, ctx): number | string => {
    if (typeof v === 'string') return isPortName(v) ? v : badFormat(ctx, 'port_name', v);
    if (v >= 1 && v <= 65535) return v;
    return reject(ctx, v, { code: 'out_of_range', origin: 'number', received: v, min: 1, max: 65535 });
  })
  .meta({ description: 'a container port number, or the name of a container port' });

const nodePort = z.int().min(D.NODE_PORT_MIN).max(D.NODE_PORT_MAX);

const servicePort = z.strictObject({
  // Service port names are DNS-1123 labels (container port names are the stricter IANA_SVC_NAME).
  name: dnsLabel.optional(),
  protocol: z.enum(['TCP', 'UDP']).default(D.DEFAULT_PORT_PROTOCOL),
  appProtocol: z.string().min(1).optional(),
  port: portNumber,
  targetPort: targetPort.optional(),
  nodePort: nodePort.optional(),
});

/** A ClusterIP as written: an address, `None` (headless), or `""` (allocate one, as if absent). */
const clusterIP = z
  .string()
  .transform((s, ctx): number | 'None' | undefined => {
    if (s === 'None') return 'None';
    if (s === '') return undefined;
    const ip = ipv4.safeParse(s);
    return ip.success ? ip.data : badFormat(ctx, 'ipv4', s);
  })
  .meta({
    description: 'an IPv4 address in serviceCIDR, "None" for a headless Service, or "" to allocate one',
  });

/** An ExternalName is a DNS name; a trailing dot marks it fully qualified. */
const externalName = z.string().superRefine((s, ctx) => {
  if (!isNodeName(s.endsWith('.') ? s.slice(0, -1) : s)) badFormat(ctx, 'node_name', s);
});

const sessionAffinityConfig = z.strictObject({
  clientIP: z
    .strictObject({
      timeoutSeconds: z
        .int()
        .min(1)
        .max(D.MAX_AFFINITY_TIMEOUT_SECONDS)
        .default(D.DEFAULT_AFFINITY_TIMEOUT_SECONDS),
    })
    .prefault({}),
});

const trafficPolicy = z.enum(['Cluster', 'Local']);

const serviceSpec = z.strictObject({
  type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).default(D.DEFAULT_SERVICE_TYPE),
  selector: k8sStringMap.optional(),
  ports: z.array(servicePort).default([]),
  clusterIP: clusterIP.optional(),
  clusterIPs: z.array(clusterIP).optional(),
  externalIPs: z.array(ipv4).default([]),
  sessionAffinity: z.enum(['None', 'ClientIP']).default(D.DEFAULT_SESSION_AFFINITY),
  sessionAffinityConfig: sessionAffinityConfig.optional(),
  externalTrafficPolicy: trafficPolicy.optional(),
  internalTrafficPolicy: trafficPolicy.default('Cluster'),
  healthCheckNodePort: nodePort.optional(),
  loadBalancerIP: ipv4.optional(),
  loadBalancerSourceRanges: z.array(cidr).optional(),
  loadBalancerClass: z.string().min(1).optional(),
  allocateLoadBalancerNodePorts: z.boolean().optional(),
  externalName: externalName.optional(),
  publishNotReadyAddresses: z.boolean().default(false),
  // The cluster is IPv4 only: IPv6 is refused here, dual-stack policies in services.ts.
  ipFamilies: z
    .array(z.enum(['IPv4']))
    .max(1)
    .optional(),
  ipFamilyPolicy: z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
  trafficDistribution: z.enum(['PreferClose', 'PreferSameZone', 'PreferSameNode']).optional(),
});

/** A `kind: Service` document as Kubernetes writes it (`status`, if present, is ignored). */
export const serviceDocument = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: objectMeta(serviceName),
  spec: serviceSpec.prefault({}),
  status: z.unknown().optional(),
});

/** The parsed Service document. */
export type ServiceDocument = z.output<typeof serviceDocument>;
