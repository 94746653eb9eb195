/**
 * What the endpoints and EndpointSlice controllers compute for one Service from the pods they see
 * (pkg/controller/endpoint, pkg/controller/endpointslice and endpointslice/util): the selected pods with
 * an IP, each Service port's target port resolved on the pod (a named port the pod lacks leaves the pod
 * out), and the conditions ready / serving / terminating.
 */

import { parseIp4 } from '../../wire/index.js';
import {
  type EndpointAddress,
  type EndpointSubset,
  isPodReady,
  type Pod,
  type Protocol,
  type Service,
  type SliceEndpoint,
} from '../api/index.js';
import { compileSelector, frozenCopy } from '../store/index.js';

/** One selected pod with its resolved ports. */
export interface PodEndpoint {
  readonly pod: Pod;
  readonly ip: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: Protocol }[];
}

/** The pods a Service selects, in name order, with their endpoint conditions. Empty without a selector. */
export function serviceEndpoints(svc: Service, pods: Iterable<Pod>): PodEndpoint[] {
  const selector = svc.spec.selector;
  if (selector === undefined || svc.spec.type === 'ExternalName') return [];
  const matches = compileSelector({ matchLabels: selector });
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const out: PodEndpoint[] = [];
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !matches(pod.metadata.labels)) continue;
    const ip = pod.status?.podIP;
    if (ip === undefined || ip === '') continue;
    const phase = pod.status?.phase;
    // ShouldPodBeInEndpoints: finished pods never are (RestartPolicy Never/OnFailure ends them).
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const terminating = pod.metadata.deletionTimestamp !== undefined;
    const ready = publishNotReady || (isPodReady(pod) && !terminating);
    const serving = publishNotReady || isPodReady(pod);
    const ports = (svc.spec.ports ?? []).flatMap((p) => {
      const protocol = p.protocol ?? 'TCP';
      const port = targetPortOn(pod, p.targetPort ?? p.port, protocol);
      return port === undefined ? [] : [{ name: p.name ?? '', port, protocol }];
    });
    if (ports.length === 0 && (svc.spec.ports ?? []).length > 0) continue;
    out.push({ pod, ip, ready, serving, terminating, ports });
  }
  return out.sort((a, b) => cmp(a.pod.metadata.name, b.pod.metadata.name));
}

/** podutil.FindPort: a number as is; a name looked up in the pod's container ports of that protocol. */
function targetPortOn(pod: Pod, target: number | string, protocol: Protocol): number | undefined {
  if (typeof target === 'number') return target;
  for (const c of pod.spec.containers)
    for (const p of c.ports ?? [])
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  return undefined;
}

/**
 * The legacy Endpoints subsets: ready pods in `addresses`, the others in `notReadyAddresses`, terminating
 * pods left out (unless publishNotReadyAddresses), one subset per distinct port set — sorted as
 * endpoints.RepackSubsets does (addresses by IP, ports by name).
 */
export function endpointsSubsets(svc: Service, eps: readonly PodEndpoint[]): EndpointSubset[] {
  const groups = new Map<
    string,
    { ports: PodEndpoint['ports']; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >();
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  for (const e of eps) {
    if (e.terminating && !publishNotReady) continue;
    const ports = [...e.ports].sort((a, b) => cmp(a.name, b.name));
    const key = ports.map((p) => `${p.name}/${p.port}/${p.protocol}`).join(',');
    let g = groups.get(key);
    if (g === undefined) {
      g = { ports, ready: [], notReady: [] };
      groups.set(key, g);
    }
    const addr = address(svc, e);
    (e.ready ? g.ready : g.notReady).push(addr);
  }
  const subsets: EndpointSubset[] = [];
  for (const g of groups.values()) {
    subsets.push({
      ...(g.ready.length > 0 ? { addresses: sortedByIp(g.ready) } : {}),
      ...(g.notReady.length > 0 ? { notReadyAddresses: sortedByIp(g.notReady) } : {}),
      ...(g.ports.length > 0
        ? {
            ports: g.ports.map((p) => ({
              ...(p.name !== '' ? { name: p.name } : {}),
              port: p.port,
              protocol: p.protocol,
            })),
          }
        : {}),
    });
  }
  return subsets;
}

/** Addresses in numeric IP order (each IP parsed once, not per comparison). */
function sortedByIp(addrs: readonly EndpointAddress[]): EndpointAddress[] {
  return addrs
    .map((a) => ({ n: parseIp4(a.ip) ?? 0, a }))
    .sort((x, y) => x.n - y.n)
    .map((x) => x.a);
}

// A pod version's address and slice endpoint are the same in every sync of every Service selecting it,
// unless they depend on the Service (a hostname under its subdomain, publishNotReadyAddresses): those
// are built once per pod version, frozen, so the stored Endpoints and EndpointSlices share them and an
// unchanged one compares equal by identity.
const addresses = new WeakMap<Pod, EndpointAddress>();
const sliceEntries = new WeakMap<Pod, SliceEndpoint>();

function serviceIndependent(svc: Service, pod: Pod): boolean {
  return svc.spec.publishNotReadyAddresses !== true && endpointHostname(svc, pod) === undefined;
}

function address(svc: Service, e: PodEndpoint): EndpointAddress {
  if (!serviceIndependent(svc, e.pod)) return buildAddress(svc, e);
  let a = addresses.get(e.pod);
  if (a === undefined) {
    a = frozenCopy(buildAddress(svc, e));
    addresses.set(e.pod, a);
  }
  return a;
}

function buildAddress(svc: Service, e: PodEndpoint): EndpointAddress {
  const hostname = endpointHostname(svc, e.pod);
  return {
    ip: e.ip,
    ...(hostname !== undefined ? { hostname } : {}),
    ...(e.pod.spec.nodeName !== undefined ? { nodeName: e.pod.spec.nodeName } : {}),
    targetRef: {
      kind: 'Pod',
      namespace: e.pod.metadata.namespace ?? 'default',
      name: e.pod.metadata.name,
      uid: e.pod.metadata.uid,
    },
  };
}

/** A pod's hostname is published only when its subdomain is this Service (StatefulSet pods). */
function endpointHostname(svc: Service, pod: Pod): string | undefined {
  const { hostname, subdomain } = pod.spec;
  return hostname !== undefined && hostname !== '' && subdomain === svc.metadata.name ? hostname : undefined;
}

/** The EndpointSlice endpoints, in pod-name order as the controller adds them. */
export function sliceEndpoints(svc: Service, eps: readonly PodEndpoint[]): SliceEndpoint[] {
  return eps.map((e) => {
    if (!serviceIndependent(svc, e.pod)) return sliceEndpoint(svc, e);
    let s = sliceEntries.get(e.pod);
    if (s === undefined) {
      s = frozenCopy(sliceEndpoint(svc, e));
      sliceEntries.set(e.pod, s);
    }
    return s;
  });
}

function sliceEndpoint(svc: Service, e: PodEndpoint): SliceEndpoint {
  const hostname = endpointHostname(svc, e.pod);
  return {
    addresses: [e.ip],
    conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
    ...(hostname !== undefined ? { hostname } : {}),
    ...(e.pod.spec.nodeName !== undefined ? { nodeName: e.pod.spec.nodeName } : {}),
    targetRef: {
      kind: 'Pod',
      namespace: e.pod.metadata.namespace ?? 'default',
      name: e.pod.metadata.name,
      uid: e.pod.metadata.uid,
    },
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
