/**
 * The API server's registry strategies and admission for the kinds whose stored form differs from what
 * a client sends: Services get their ClusterIP and NodePorts (pkg/registry/core/service/ipallocator and
 * portallocator, released when the Service goes), Pods get the defaults of the API's defaulting functions
 * and the DefaultTolerationSeconds admission plugin's tolerations.
 */

import type { Rng } from '../../sim/index.js';
import { formatIp4, type Ip4, parseIp4 } from '../../wire/index.js';
import type { PodSpec, Service, ServicePort, ServiceSpecApi, Toleration } from '../api/index.js';
import { ClusterIpAllocator, NodePortAllocator } from '../service-alloc.js';
import { type ApiStore, frozenCopy, type ObjectInput, StatusError } from '../store/index.js';

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

/** Installs the Service and Pod strategies; returns the allocators (the build reserves file-given values). */
export function installRegistry(
  store: ApiStore,
  serviceCIDR: { readonly network: Ip4; readonly prefixLen: number },
  rng: Rng,
  defaultTolerationSeconds: number,
): ServiceAllocators {
  const allocators: ServiceAllocators = {
    ips: new ClusterIpAllocator(serviceCIDR.network, serviceCIDR.prefixLen, rng),
    ports: new NodePortAllocator(rng),
    reservedIps: new Set(),
    reservedPorts: new Set(),
  };
  store.registerStrategy('Service', {
    prepareForCreate: (input) => allocateService(input, allocators),
    afterDelete: (obj) => releaseService(obj as Service, allocators),
  });
  // The pods of one ReplicaSet (or any controller) are created from the same stored, frozen template
  // spec: they get one defaulted spec, frozen, which every stored pod shares until its own spec changes.
  const defaulted = new WeakMap<object, PodSpec>();
  store.registerStrategy('Pod', {
    prepareForCreate: (input) => {
      const spec = input.spec as PodSpec | undefined;
      if (spec === undefined || !Object.isFrozen(spec)) return defaultPod(input, defaultTolerationSeconds);
      let out = defaulted.get(spec);
      if (out === undefined) {
        out = frozenCopy(defaultPod(input, defaultTolerationSeconds).spec as PodSpec);
        defaulted.set(spec, out);
      }
      return { ...input, spec: out, status: pendingStatus(out) };
    },
  });
  return allocators;
}

export interface ServiceAllocators {
  readonly ips: ClusterIpAllocator;
  readonly ports: NodePortAllocator;
  /**
   * Values taken ahead for the Services of the topology file, so a dynamic allocation made for an
   * earlier document never takes an address or port a later one names; each is handed to its Service.
   */
  readonly reservedIps: Set<Ip4>;
  readonly reservedPorts: Set<number>;
}

function invalidService(name: string, field: string, value: string, detail: string): StatusError {
  return new StatusError(
    'Invalid',
    `Service "${name}" is invalid: ${field}: Invalid value: ${value}: ${detail}`,
  );
}

/** The Service as stored: defaults, a ClusterIP (unless headless/ExternalName), NodePorts where due. */
function allocateService(input: ObjectInput, a: ServiceAllocators): ObjectInput {
  const name = input.metadata.name ?? '';
  const spec = (input.spec ?? {}) as ServiceSpecApi;
  const type = spec.type ?? 'ClusterIP';
  const out: Record<string, unknown> = { ...spec, type };
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    ...p,
    protocol: p.protocol ?? 'TCP',
    targetPort: p.targetPort ?? p.port,
  }));
  if (type !== 'ExternalName') {
    let ip: string;
    if (spec.clusterIP === 'None') ip = 'None';
    else if (spec.clusterIP !== undefined && spec.clusterIP !== '') {
      const want = parseIp4(spec.clusterIP);
      if (want === undefined || !(a.reservedIps.delete(want) || a.ips.take(want)))
        throw invalidService(
          name,
          'spec.clusterIPs',
          `[]string{"${spec.clusterIP}"}`,
          `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`,
        );
      ip = spec.clusterIP;
    } else {
      const next = a.ips.next();
      if (next === undefined)
        throw new StatusError(
          'InternalError',
          'Internal error occurred: failed to allocate a serviceIP: range is full',
        );
      ip = formatIp4(next);
    }
    out['clusterIP'] = ip;
    out['clusterIPs'] = [ip];
    out['ipFamilies'] = ['IPv4'];
    out['ipFamilyPolicy'] = 'SingleStack';
    out['internalTrafficPolicy'] = spec.internalTrafficPolicy ?? 'Cluster';
  }
  out['sessionAffinity'] = spec.sessionAffinity ?? 'None';
  const external = type === 'NodePort' || type === 'LoadBalancer';
  if (external) out['externalTrafficPolicy'] = spec.externalTrafficPolicy ?? 'Cluster';
  const wantsNodePorts =
    type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i] as ServicePort;
    if (p.nodePort !== undefined) {
      if (!(a.reservedPorts.delete(p.nodePort) || a.ports.take(p.nodePort)))
        throw invalidService(
          name,
          `spec.ports[${i}].nodePort`,
          String(p.nodePort),
          'provided port is already allocated',
        );
    } else if (wantsNodePorts) {
      const port = a.ports.next();
      if (port === undefined)
        throw new StatusError(
          'InternalError',
          'Internal error occurred: failed to allocate a nodePort: range is full',
        );
      ports[i] = { ...p, nodePort: port };
    }
  }
  out['ports'] = ports;
  if (
    type === 'LoadBalancer' &&
    out['externalTrafficPolicy'] === 'Local' &&
    spec.healthCheckNodePort === undefined
  ) {
    const port = a.ports.next();
    if (port !== undefined) out['healthCheckNodePort'] = port;
  } else if (spec.healthCheckNodePort !== undefined && !a.reservedPorts.delete(spec.healthCheckNodePort))
    a.ports.take(spec.healthCheckNodePort);
  return { ...input, spec: out, status: input.status ?? { loadBalancer: {} } };
}

function releaseService(svc: Service, a: ServiceAllocators): void {
  const ip = svc.spec.clusterIP;
  const parsed = ip === undefined || ip === 'None' ? undefined : parseIp4(ip);
  if (parsed !== undefined) a.ips.release(parsed);
  for (const p of svc.spec.ports ?? []) if (p.nodePort !== undefined) a.ports.release(p.nodePort);
  if (svc.spec.healthCheckNodePort !== undefined) a.ports.release(svc.spec.healthCheckNodePort);
}

/** SetDefaults_PodSpec and friends, then DefaultTolerationSeconds; the status starts Pending. */
function defaultPod(input: ObjectInput, tolerationSeconds: number): ObjectInput {
  const spec = input.spec as PodSpec;
  const tolerations = [...(spec.tolerations ?? [])];
  // plugin/pkg/admission/defaulttolerationseconds: added unless some toleration already covers the taint.
  const covers = (key: string) =>
    tolerations.some(
      (t) => (t.key === key || (t.key ?? '') === '') && (t.effect === 'NoExecute' || (t.effect ?? '') === ''),
    );
  const add = (key: string): Toleration => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds,
  });
  const extra: Toleration[] = [];
  if (!covers(NOT_READY)) extra.push(add(NOT_READY));
  if (!covers(UNREACHABLE)) extra.push(add(UNREACHABLE));
  const containers = spec.containers.map((c) => ({
    ...c,
    ...(c.ports !== undefined
      ? { ports: c.ports.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) }
      : {}),
    imagePullPolicy:
      c['imagePullPolicy'] ??
      (c.image.endsWith(':latest') || !c.image.includes(':') ? 'Always' : 'IfNotPresent'),
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  }));
  const out: PodSpec = {
    ...spec,
    containers,
    restartPolicy: spec.restartPolicy ?? 'Always',
    dnsPolicy: spec.dnsPolicy ?? 'ClusterFirst',
    schedulerName: spec.schedulerName ?? 'default-scheduler',
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
    priority: spec.priority ?? 0,
    enableServiceLinks: spec['enableServiceLinks'] ?? true,
    preemptionPolicy: spec['preemptionPolicy'] ?? 'PreemptLowerPriority',
    tolerations: [...tolerations, ...extra],
  };
  return { ...input, spec: out, status: pendingStatus(spec) };
}

/** A new pod's status: Pending, with its QoS class (the same for the defaulted spec). */
function pendingStatus(spec: PodSpec): Record<string, unknown> {
  return { phase: 'Pending', qosClass: qosClass(spec) };
}

/** The pod's QoS class (pkg/apis/core/helper/qos): BestEffort without requests or limits, Burstable else. */
function qosClass(spec: PodSpec): string {
  let any = false;
  let guaranteed = true;
  for (const c of spec.containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory'])
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
