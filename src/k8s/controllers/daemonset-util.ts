/**
 * What the DaemonSet controller decides per node (pkg/controller/daemon/daemon_controller.go
 * NodeShouldRunDaemonPod, util/daemonset_util.go): the tolerations every daemon pod gets
 * (AddOrUpdateDaemonPodTolerations), the node affinity that pins a pod to its node
 * (ReplaceDaemonSetPodNodeNameNodeAffinity), and which node a pod is meant for (GetTargetNodeName).
 */

import type {
  Affinity,
  DaemonSet,
  Node,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  PodSpec,
  Taint,
  Toleration,
} from '../api/index.js';
import { setSelects } from '../store/index.js';

/** The well-known taints (k8s.io/api/core/v1 well_known_taints.go). */
export const TAINT = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  pidPressure: 'node.kubernetes.io/pid-pressure',
  unschedulable: 'node.kubernetes.io/unschedulable',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
} as const;

const exists = (key: string, effect: 'NoSchedule' | 'NoExecute'): Toleration => ({
  key,
  operator: 'Exists',
  effect,
});

/** AddOrUpdateTolerationInPodSpec's MatchToleration: same key, operator, value and effect. */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (
    (a.key ?? '') === (b.key ?? '') &&
    (a.operator ?? 'Equal') === (b.operator ?? 'Equal') &&
    (a.value ?? '') === (b.value ?? '') &&
    (a.effect ?? '') === (b.effect ?? '')
  );
}

/**
 * AddOrUpdateDaemonPodTolerations: daemon pods survive not-ready/unreachable nodes (NoExecute, no
 * tolerationSeconds) and schedule onto nodes under pressure or cordoned; host-network ones also onto a
 * node whose network is unavailable.
 */
export function withDaemonTolerations(spec: PodSpec): PodSpec {
  const add = [
    exists(TAINT.notReady, 'NoExecute'),
    exists(TAINT.unreachable, 'NoExecute'),
    exists(TAINT.diskPressure, 'NoSchedule'),
    exists(TAINT.memoryPressure, 'NoSchedule'),
    exists(TAINT.pidPressure, 'NoSchedule'),
    exists(TAINT.unschedulable, 'NoSchedule'),
  ];
  if (spec.hostNetwork === true) add.push(exists(TAINT.networkUnavailable, 'NoSchedule'));
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of add) {
    const i = tolerations.findIndex((x) => sameToleration(x, t));
    if (i < 0) tolerations.push(t);
    else tolerations[i] = t;
  }
  return { ...spec, tolerations };
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become one `metadata.name In [node]`. */
export function pinnedToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const terms: NodeSelectorTerm[] = [
    { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] },
  ];
  const na = affinity?.nodeAffinity;
  return {
    ...affinity,
    nodeAffinity: {
      ...na,
      requiredDuringSchedulingIgnoredDuringExecution: {
        ...na?.requiredDuringSchedulingIgnoredDuringExecution,
        nodeSelectorTerms: terms,
      },
    },
  };
}

/** GetTargetNodeName: spec.nodeName, else the `metadata.name In [x]` of the required node affinity. */
export function targetNodeName(pod: Pod): string | undefined {
  if ((pod.spec.nodeName ?? '') !== '') return pod.spec.nodeName;
  const terms =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const term of terms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** v1.Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if ((t.effect ?? '') !== '' && t.effect !== taint.effect) return false;
  if ((t.key ?? '') !== '' && t.key !== taint.key) return false;
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  return op === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const ok = (s: string | undefined): boolean => s !== undefined && /^[+-]?\d+$/.test(s);
      if (values.length !== 1 || !ok(value) || !ok(values[0])) return false;
      return r.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
  }
}

/** A term matches when it has requirements and all hold; matchFields knows only metadata.name. */
function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs)
    if (!requirementMatches(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined)) return false;
  for (const r of fields) {
    if (r.key !== 'metadata.name' || !requirementMatches(r, node.metadata.name)) return false;
  }
  return true;
}

/** GetRequiredNodeAffinity(pod).Match(node): nodeSelector AND any required term. */
function requiredAffinityMatches(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  if (!setSelects(spec.nodeSelector ?? {}, labels)) return false;
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms === undefined || terms.some((t) => termMatches(t, node));
}

/**
 * NodeShouldRunDaemonPod: `shouldRun` — a new daemon pod belongs on the node (template nodeName, node
 * selector and required affinity fit, no untolerated NoSchedule/NoExecute taint); `shouldContinueRunning`
 * — an existing one may stay (only NoSchedule taints are untolerated).
 */
export function nodeShouldRunDaemonPod(
  node: Node,
  ds: DaemonSet,
): { readonly shouldRun: boolean; readonly shouldContinueRunning: boolean } {
  const template = ds.spec.template.spec;
  const no = { shouldRun: false, shouldContinueRunning: false };
  if ((template.nodeName ?? '') !== '' && template.nodeName !== node.metadata.name) return no;
  const spec = withDaemonTolerations(template);
  if (!requiredAffinityMatches(spec, node)) return no;
  const untolerated = (effects: readonly string[]): boolean =>
    (node.spec.taints ?? []).some(
      (taint) =>
        effects.includes(taint.effect) && !(spec.tolerations ?? []).some((t) => toleratesTaint(t, taint)),
    );
  if (!untolerated(['NoSchedule', 'NoExecute'])) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: !untolerated(['NoExecute']) };
}
