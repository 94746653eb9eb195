/**
 * From API objects (api/types.ts) to the scheduler's inputs: what kube-scheduler's NodeInfo/PodInfo
 * read from v1.Node and v1.Pod. Requests follow component-helpers resource.PodRequests: app
 * containers summed, restartable (sidecar) init containers added, each other init container's
 * request (plus the sidecars started before it) taken as a floor — per resource.
 */
import type {
  Affinity as ApiAffinity,
  PodAffinityTerm as ApiPodTerm,
  NodeSelectorTerm as ApiTerm,
  Container,
  Node,
  Pod,
  ReplicaSet,
  Service,
  StatefulSet,
} from '../api/index.js';
import { type LabelSelector, setSelects } from '../store/index.js';
import { parseCpuMilli, parseQuantity } from './quantity.js';
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST } from './resources.js';
import type {
  HostPort,
  NodeSelectorTerm,
  PodAffinityRules,
  SchedLabelSelector,
  SchedNode,
  SchedPod,
  SchedPodAffinity,
} from './types.js';

/** kubelet --max-pods default, used when a Node reports no allocatable pods. */
export const DEFAULT_MAX_PODS = 110;

/** One empty map for every empty record (most pods have no nodeSelector: one Map each was ~150 B). */
const EMPTY_MAP: ReadonlyMap<string, string> = new Map();
const toMap = (r: Readonly<Record<string, string>> | undefined): ReadonlyMap<string, string> => {
  const entries = Object.entries(r ?? {});
  return entries.length === 0 ? EMPTY_MAP : new Map(entries);
};

/** metav1.LabelSelectorAsSelector: absent → Nothing(); `{}` → Everything(). */
export function labelSelectorFromApi(sel: LabelSelector | undefined): SchedLabelSelector {
  if (sel === undefined) return { nothing: true };
  return {
    matchLabels: toMap(sel.matchLabels),
    matchExpressions: (sel.matchExpressions ?? []).map((e) => ({
      key: e.key,
      operator: e.operator,
      values: e.values ?? [],
    })),
  };
}

export function schedNodeFromApi(node: Node): SchedNode {
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  const cpu = alloc['cpu'] === undefined ? 0 : (parseCpuMilli(alloc['cpu']) ?? 0);
  const mem = alloc['memory'] === undefined ? 0 : (parseQuantity(alloc['memory']) ?? 0);
  const pods = alloc['pods'] === undefined ? DEFAULT_MAX_PODS : (parseQuantity(alloc['pods']) ?? 0);
  return {
    name: node.metadata.name,
    labels: toMap(node.metadata.labels),
    taints: (node.spec.taints ?? []).map((t) => ({ key: t.key, value: t.value ?? '', effect: t.effect })),
    unschedulable: node.spec.unschedulable === true,
    allocatable: { cpuMilli: cpu, memoryBytes: mem, pods },
  };
}

interface Req {
  cpu?: number;
  mem?: number;
}

/** One container's requests; `fill` replaces a missing request (NonMissingContainerRequests). */
function containerReq(c: Container, fill: boolean): Req {
  const r = c.resources?.requests ?? {};
  const out: Req = {};
  const cpu = r['cpu'] === undefined ? undefined : parseCpuMilli(r['cpu']);
  const mem = r['memory'] === undefined ? undefined : parseQuantity(r['memory']);
  if (cpu !== undefined) out.cpu = cpu;
  else if (fill) out.cpu = DEFAULT_MILLI_CPU_REQUEST;
  if (mem !== undefined) out.mem = mem;
  else if (fill) out.mem = DEFAULT_MEMORY_REQUEST;
  return out;
}

function addReq(a: Req, b: Req): Req {
  const out: Req = { ...a };
  if (b.cpu !== undefined) out.cpu = (a.cpu ?? 0) + b.cpu;
  if (b.mem !== undefined) out.mem = (a.mem ?? 0) + b.mem;
  return out;
}

function maxReq(a: Req, b: Req): Req {
  const out: Req = { ...a };
  if (b.cpu !== undefined) out.cpu = Math.max(a.cpu ?? 0, b.cpu);
  if (b.mem !== undefined) out.mem = Math.max(a.mem ?? 0, b.mem);
  return out;
}

/** resource.PodRequests over app and init containers (pod overhead not modelled). */
export function podRequests(pod: Pod, fill: boolean): Req {
  let reqs: Req = {};
  for (const c of pod.spec.containers) reqs = addReq(reqs, containerReq(c, fill));
  let sidecars: Req = {};
  let initMax: Req = {};
  for (const c of pod.spec.initContainers ?? []) {
    let r = containerReq(c, fill);
    if (c['restartPolicy'] === 'Always') {
      reqs = addReq(reqs, r);
      sidecars = addReq(sidecars, r);
      r = sidecars;
    } else {
      r = addReq(r, sidecars);
    }
    initMax = maxReq(initMax, r);
  }
  return maxReq(reqs, initMax);
}

/** Host ports of the app containers; hostNetwork pods use their container ports (SetDefaults_Pod). */
function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      const hostPort = p.hostPort ?? (pod.spec.hostNetwork === true ? p.containerPort : 0);
      if (hostPort > 0) out.push({ protocol: p.protocol ?? 'TCP', hostIP: p.hostIP ?? '', hostPort });
    }
  }
  return out;
}

function termFromApi(t: ApiTerm): NodeSelectorTerm {
  const req = (e: NonNullable<ApiTerm['matchExpressions']>[number]) => ({
    key: e.key,
    operator: e.operator,
    values: e.values ?? [],
  });
  const out: NodeSelectorTerm = { matchExpressions: (t.matchExpressions ?? []).map(req) };
  return t.matchFields === undefined ? out : { ...out, matchFields: t.matchFields.map(req) };
}

function podTermFromApi(t: ApiPodTerm) {
  const term = { labelSelector: labelSelectorFromApi(t.labelSelector), topologyKey: t.topologyKey };
  return t.namespaces === undefined ? term : { ...term, namespaces: t.namespaces };
}

function podRulesFromApi(r: NonNullable<ApiAffinity['podAffinity']>): PodAffinityRules {
  return {
    required: (r.requiredDuringSchedulingIgnoredDuringExecution ?? []).map(podTermFromApi),
    preferred: (r.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({
      weight: w.weight,
      term: podTermFromApi(w.podAffinityTerm),
    })),
  };
}

function affinityFromApi(a: ApiAffinity | undefined): SchedPodAffinity | undefined {
  if (a === undefined) return undefined;
  const out: { -readonly [K in keyof SchedPodAffinity]: SchedPodAffinity[K] } = {};
  const na = a.nodeAffinity;
  if (na !== undefined) {
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    out.nodeAffinity = {
      ...(req === undefined ? {} : { required: req.nodeSelectorTerms.map(termFromApi) }),
      preferred: (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => ({
        weight: p.weight,
        preference: termFromApi(p.preference),
      })),
    };
  }
  if (a.podAffinity !== undefined) out.podAffinity = podRulesFromApi(a.podAffinity);
  if (a.podAntiAffinity !== undefined) out.podAntiAffinity = podRulesFromApi(a.podAntiAffinity);
  return out;
}

export interface PodConversionOptions {
  /** helper.DefaultSelector for this pod (see defaultSpreadSelector). */
  readonly defaultSpreadSelector?: SchedLabelSelector;
  /** The node the scheduler assumes the pod on (AssumePod), in place of spec.nodeName. */
  readonly nodeName?: string;
}

/** What schedPodFromApi reads of a pod's spec alone. */
interface SpecParts {
  readonly nodeSelector: SchedPod['nodeSelector'];
  readonly tolerations: SchedPod['tolerations'];
  readonly requests: SchedPod['requests'];
  readonly nonZeroRequests: NonNullable<SchedPod['nonZeroRequests']>;
  readonly hostPorts: SchedPod['hostPorts'];
  readonly priority: number;
  readonly affinity?: NonNullable<SchedPod['affinity']>;
  readonly topologySpreadConstraints?: NonNullable<SchedPod['topologySpreadConstraints']>;
}

// Kept per frozen spec and labels object: the pods of one template share both until they are bound, and
// the scheduler keeps a converted pod for every pod of the cluster. Nothing mutates a SchedPod's parts.
const specPartsMemo = new WeakMap<object, SpecParts>();
const labelsMemo = new WeakMap<object, ReadonlyMap<string, string>>();

function specParts(pod: Pod): SpecParts {
  const spec = pod.spec;
  const hit = specPartsMemo.get(spec);
  if (hit !== undefined) return hit;
  const actual = podRequests(pod, false);
  const nonZero = podRequests(pod, true);
  const requests: { cpuMilli?: number; memoryBytes?: number } = {};
  if (actual.cpu !== undefined) requests.cpuMilli = actual.cpu;
  if (actual.mem !== undefined) requests.memoryBytes = actual.mem;
  const out: { -readonly [K in keyof SpecParts]: SpecParts[K] } = {
    nodeSelector: toMap(spec.nodeSelector),
    tolerations: (spec.tolerations ?? []).map((t) => ({
      key: t.key ?? '',
      operator: t.operator ?? 'Equal',
      value: t.value ?? '',
      effect: t.effect ?? '',
    })),
    requests,
    nonZeroRequests: { cpuMilli: nonZero.cpu ?? 0, memoryBytes: nonZero.mem ?? 0 },
    hostPorts: hostPortsOf(pod),
    priority: spec.priority ?? 0,
  };
  const affinity = affinityFromApi(spec.affinity);
  if (affinity !== undefined) out.affinity = affinity;
  const tsc = spec.topologySpreadConstraints;
  if (tsc !== undefined && tsc.length > 0) {
    out.topologySpreadConstraints = tsc.map((c) => {
      const { labelSelector, ...rest } = c;
      return labelSelector === undefined
        ? rest
        : { ...rest, labelSelector: labelSelectorFromApi(labelSelector) };
    });
  }
  if (Object.isFrozen(spec)) specPartsMemo.set(spec, out);
  return out;
}

function labelsOf(pod: Pod): ReadonlyMap<string, string> {
  const labels = pod.metadata.labels;
  if (labels === undefined) return EMPTY_MAP;
  const hit = labelsMemo.get(labels);
  if (hit !== undefined) return hit;
  const out = toMap(labels);
  if (Object.isFrozen(labels)) labelsMemo.set(labels, out);
  return out;
}

export function schedPodFromApi(pod: Pod, options: PodConversionOptions = {}): SchedPod {
  const spec = pod.spec;
  const parts = specParts(pod);
  const out: { -readonly [K in keyof SchedPod]: SchedPod[K] } = {
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name,
    labels: labelsOf(pod),
    nodeSelector: parts.nodeSelector,
    tolerations: parts.tolerations,
    requests: parts.requests,
    nonZeroRequests: parts.nonZeroRequests,
    hostPorts: parts.hostPorts,
    priority: parts.priority,
  };
  const nodeName = options.nodeName ?? spec.nodeName;
  if (nodeName !== undefined && nodeName !== '') out.nodeName = nodeName;
  if (parts.affinity !== undefined) out.affinity = parts.affinity;
  if (pod.metadata.deletionTimestamp !== undefined) out.terminating = true;
  if (options.defaultSpreadSelector !== undefined) out.defaultSpreadSelector = options.defaultSpreadSelector;
  if (parts.topologySpreadConstraints !== undefined)
    out.topologySpreadConstraints = parts.topologySpreadConstraints;
  return out;
}

/**
 * helper.DefaultSelector: the merged selectors of the pod's namespace's Services whose (non-empty)
 * selector matches the pod, plus the selector of the ReplicaSet or StatefulSet that controls it.
 * Undefined when nothing selects the pod.
 */
export function defaultSpreadSelector(
  pod: Pod,
  services: readonly Service[],
  replicaSets: readonly ReplicaSet[],
  statefulSets: readonly StatefulSet[],
): SchedLabelSelector | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  const labels = pod.metadata.labels ?? {};
  const matchLabels = new Map<string, string>();
  for (const s of services) {
    const sel = s.spec.selector;
    if (s.metadata.namespace !== ns || sel === undefined || Object.keys(sel).length === 0) continue;
    if (setSelects(sel, labels)) for (const [k, v] of Object.entries(sel)) matchLabels.set(k, v);
  }
  const matchExpressions: NonNullable<SchedLabelSelector['matchExpressions']>[number][] = [];
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller === true);
  if (owner !== undefined && owner.apiVersion === 'apps/v1') {
    const list: readonly (ReplicaSet | StatefulSet)[] =
      owner.kind === 'ReplicaSet' ? replicaSets : owner.kind === 'StatefulSet' ? statefulSets : [];
    const ctl = list.find((o) => o.metadata.name === owner.name && o.metadata.namespace === ns);
    if (ctl !== undefined) {
      // Requirements are ANDed, so the controller's matchLabels become In-requirements here.
      for (const [k, v] of Object.entries(ctl.spec.selector.matchLabels ?? {})) {
        matchExpressions.push({ key: k, operator: 'In', values: [v] });
      }
      for (const e of ctl.spec.selector.matchExpressions ?? []) {
        matchExpressions.push({ key: e.key, operator: e.operator, values: e.values ?? [] });
      }
    }
  }
  if (matchLabels.size === 0 && matchExpressions.length === 0) return undefined;
  return { matchLabels, matchExpressions };
}
