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

/** One selected pod with its resolved ports, and what the Endpoints subsets group and order it by. */
export interface PodEndpoint {
  readonly pod: Pod;
  readonly ip: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: Protocol }[];
  /** The IP as a number, for RepackSubsets' address order. */
  readonly ipNum: number;
  /** The ports sorted by name, and the port set's key (`name/port/protocol,…`) the subsets group by. */
  readonly sortedPorts: PodEndpoint['ports'];
  readonly portKey: string;
}

// Every change of one pod re-syncs its Service, which reads all of the Service's pods again: each pod
// version's entry is kept for the Service version it was computed against (null: not an endpoint).
const entries = new WeakMap<Pod, { readonly svc: Service; readonly entry: PodEndpoint | null }>();

/** The pods a Service selects, in name order, with their endpoint conditions. Empty without a selector. */
export function serviceEndpoints(svc: Service, pods: readonly Pod[]): PodEndpoint[] {
  const selector = svc.spec.selector;
  if (selector === undefined || svc.spec.type === 'ExternalName') return [];
  let matches: ((labels: Pod['metadata']['labels']) => boolean) | undefined;
  const out: PodEndpoint[] = [];
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i] as Pod;
    const memo = entries.get(pod);
    let entry: PodEndpoint | null;
    if (memo !== undefined && memo.svc === svc) entry = memo.entry;
    else {
      matches ??= compileSelector({ matchLabels: selector });
      entry = podEndpoint(svc, pod, matches);
      entries.set(pod, { svc, entry });
    }
    if (entry !== null) out.push(entry);
  }
  // The controller passes pods in key order, which within one namespace is name order already.
  return inOrder(out, byPodName) ? out : out.sort(byPodName);
}

const byPodName = (a: PodEndpoint, b: PodEndpoint): number => cmp(a.pod.metadata.name, b.pod.metadata.name);

/** Whether `xs` is sorted by `compare` already (a stable sort would leave it as it is). */
function inOrder<T>(xs: readonly T[], compare: (a: T, b: T) => number): boolean {
  for (let i = 1; i < xs.length; i++) if (compare(xs[i - 1] as T, xs[i] as T) > 0) return false;
  return true;
}

function podEndpoint(
  svc: Service,
  pod: Pod,
  matches: (labels: Pod['metadata']['labels']) => boolean,
): PodEndpoint | null {
  if (pod.metadata.namespace !== svc.metadata.namespace || !matches(pod.metadata.labels)) return null;
  const ip = pod.status?.podIP;
  if (ip === undefined || ip === '') return null;
  const phase = pod.status?.phase;
  // ShouldPodBeInEndpoints: finished pods never are (RestartPolicy Never/OnFailure ends them).
  if (phase === 'Succeeded' || phase === 'Failed') return null;
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  const ready = publishNotReady || (isPodReady(pod) && !terminating);
  const serving = publishNotReady || isPodReady(pod);
  const ports = (svc.spec.ports ?? []).flatMap((p) => {
    const protocol = p.protocol ?? 'TCP';
    const port = targetPortOn(pod, p.targetPort ?? p.port, protocol);
    return port === undefined ? [] : [{ name: p.name ?? '', port, protocol }];
  });
  if (ports.length === 0 && (svc.spec.ports ?? []).length > 0) return null;
  const set = portSet(ports);
  const ipNum = parseIp4(ip) ?? 0;
  return { pod, ip, ready, serving, terminating, ...set, ipNum };
}

type PortSet = Pick<PodEndpoint, 'ports' | 'sortedPorts' | 'portKey'>;

// Port sets by their ports in Service order: the pods behind a Service nearly always resolve the same
// ports, and an entry is kept per pod version, so each set is made once (there are few distinct ones).
const portSets = new Map<string, PortSet>();

function portSet(ports: PodEndpoint['ports']): PortSet {
  const inOrder = ports.map((p) => `${p.name}/${p.port}/${p.protocol}`).join(',');
  const known = portSets.get(inOrder);
  if (known !== undefined) return known;
  const sortedPorts = [...ports].sort((a, b) => cmp(a.name, b.name));
  const portKey = sortedPorts.map((p) => `${p.name}/${p.port}/${p.protocol}`).join(',');
  const set = { ports, sortedPorts, portKey };
  portSets.set(inOrder, set);
  return set;
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
    { ports: PodEndpoint['ports']; ready: NumberedAddress[]; notReady: NumberedAddress[] }
  >();
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  for (const e of eps) {
    if (e.terminating && !publishNotReady) continue;
    let g = groups.get(e.portKey);
    if (g === undefined) {
      g = { ports: e.sortedPorts, ready: [], notReady: [] };
      groups.set(e.portKey, g);
    }
    (e.ready ? g.ready : g.notReady).push({ n: e.ipNum, a: address(svc, e) });
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

interface NumberedAddress {
  readonly n: number;
  readonly a: EndpointAddress;
}

/** Addresses in numeric IP order. */
function sortedByIp(addrs: NumberedAddress[]): EndpointAddress[] {
  const sorted = inOrder(addrs, byIp) ? addrs : addrs.sort(byIp);
  const out: EndpointAddress[] = new Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) out[i] = (sorted[i] as NumberedAddress).a;
  return out;
}

const byIp = (x: NumberedAddress, y: NumberedAddress): number => x.n - y.n;

// A pod version's address and slice endpoint are the same in every sync of every Service selecting it,
// unless they depend on the Service (a hostname under its subdomain, publishNotReadyAddresses): those
// are built once per pod version, frozen, so the stored Endpoints and EndpointSlices share them and an
// unchanged one compares equal by identity.
const addresses = new WeakMap<Pod, EndpointAddress>();
const sliceEntries = new WeakMap<Pod, SliceEndpoint>();

function serviceIndependent(svc: Service, pod: Pod): boolean {
  return svc.spec.publishNotReadyAddresses !== true && endpointHostname(svc, pod) === undefined;
}

/** Built once per pod version and frozen where it does not depend on the Service, else per sync. */
function perPodVersion<T>(
  memo: WeakMap<Pod, T>,
  svc: Service,
  e: PodEndpoint,
  build: (svc: Service, e: PodEndpoint) => T,
): T {
  if (!serviceIndependent(svc, e.pod)) return build(svc, e);
  let v = memo.get(e.pod);
  if (v === undefined) {
    v = frozenCopy(build(svc, e));
    memo.set(e.pod, v);
  }
  return v;
}

function address(svc: Service, e: PodEndpoint): EndpointAddress {
  return perPodVersion(addresses, svc, e, (s, x) => ({ ip: x.ip, ...podFields(s, x.pod) }));
}

/** What an address and a slice endpoint both say of the pod: hostname, nodeName, targetRef. */
function podFields(svc: Service, pod: Pod): Pick<EndpointAddress, 'hostname' | 'nodeName' | 'targetRef'> {
  const hostname = endpointHostname(svc, pod);
  return {
    ...(hostname !== undefined ? { hostname } : {}),
    ...(pod.spec.nodeName !== undefined ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name,
      uid: pod.metadata.uid,
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
  return eps.map((e) =>
    perPodVersion(sliceEntries, svc, e, (s, x) => ({
      addresses: [x.ip],
      conditions: { ready: x.ready, serving: x.serving, terminating: x.terminating },
      ...podFields(s, x.pod),
    })),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
