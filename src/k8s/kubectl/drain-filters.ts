/**
 * kubectl's drain filters (k8s.io/kubectl/pkg/drain/filters.go), applied in order and stopping at the
 * first that refuses deletion: deleted-too-long (off), DaemonSet-managed, mirror pod, emptyDir, no
 * controller. Refusals become kubectl's error strings, per message listing `ns/name` of each pod.
 * Where kubectl groups by a Go map (random order), messages here keep the order of their first pod.
 */

import type { DaemonSet, Pod } from '../api/index.js';
import type { ApiStore } from '../store/index.js';

export const DAEMONSET_FATAL = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
export const DAEMONSET_WARNING = 'ignoring DaemonSet-managed Pods';
export const LOCAL_STORAGE_FATAL = 'Pods with local storage (use --delete-emptydir-data to override)';
export const LOCAL_STORAGE_WARNING = 'deleting Pods with local storage';
export const UNMANAGED_FATAL = 'cannot delete Pods that declare no controller (use --force to override)';
export const UNMANAGED_WARNING = 'deleting Pods that declare no controller';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export interface DrainFlags {
  readonly ignoreDaemonsets?: boolean;
  readonly force?: boolean;
  readonly deleteEmptydirData?: boolean;
}

type Reason = 'Okay' | 'Skip' | 'Warning' | 'Error';

interface PodDeleteStatus {
  readonly delete: boolean;
  readonly reason: Reason;
  readonly message: string;
}

const OKAY: PodDeleteStatus = { delete: true, reason: 'Okay', message: '' };
const SKIP: PodDeleteStatus = { delete: false, reason: 'Skip', message: '' };
const warn = (del: boolean, message: string): PodDeleteStatus => ({
  delete: del,
  reason: 'Warning',
  message,
});
const fail = (message: string): PodDeleteStatus => ({ delete: false, reason: 'Error', message });

export interface PodDeleteList {
  /** Pods to evict, in list order. */
  readonly pods: Pod[];
  /** `Warnings()`: "msg: ns/a, ns/b; msg2: …", or '' when none. */
  readonly warnings: string;
  /** `errors()`: one message per refusal kind. */
  readonly errors: string[];
}

function finished(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function controllerOf(pod: Pod) {
  return pod.metadata.ownerReferences?.find((o) => o.controller === true);
}

function daemonSetFilter(store: ApiStore, flags: DrainFlags, pod: Pod): PodDeleteStatus {
  const ref = controllerOf(pod);
  if (ref === undefined || ref.kind !== 'DaemonSet') return OKAY;
  if (finished(pod)) return OKAY;
  if (store.tryGet<DaemonSet>('DaemonSet', pod.metadata.namespace, ref.name) === undefined) {
    const err = `daemonsets.apps "${ref.name}" not found`;
    return flags.force === true ? warn(true, err) : fail(err);
  }
  return flags.ignoreDaemonsets === true ? warn(false, DAEMONSET_WARNING) : fail(DAEMONSET_FATAL);
}

function mirrorPodFilter(pod: Pod): PodDeleteStatus {
  return pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined ? SKIP : OKAY;
}

function localStorageFilter(flags: DrainFlags, pod: Pod): PodDeleteStatus {
  const volumes = (pod.spec['volumes'] ?? []) as readonly { readonly emptyDir?: unknown }[];
  if (!volumes.some((v) => v.emptyDir !== undefined)) return OKAY;
  if (finished(pod)) return OKAY;
  return flags.deleteEmptydirData === true ? warn(true, LOCAL_STORAGE_WARNING) : fail(LOCAL_STORAGE_FATAL);
}

function unreplicatedFilter(flags: DrainFlags, pod: Pod): PodDeleteStatus {
  if (finished(pod)) return OKAY;
  if (controllerOf(pod) !== undefined) return OKAY;
  return flags.force === true ? warn(true, UNMANAGED_WARNING) : fail(UNMANAGED_FATAL);
}

/** GetPodsForDeletion over the node's pods (store list order: namespace, then name). */
export function podsForDeletion(store: ApiStore, node: string, flags: DrainFlags): PodDeleteList {
  const filters: ((p: Pod) => PodDeleteStatus)[] = [
    (p) => daemonSetFilter(store, flags, p),
    mirrorPodFilter,
    (p) => localStorageFilter(flags, p),
    (p) => unreplicatedFilter(flags, p),
  ];
  const pods: Pod[] = [];
  const warnings = new Map<string, string[]>();
  const errors = new Map<string, string[]>();
  for (const pod of store.list<Pod>('Pod').items) {
    if (pod.spec.nodeName !== node) continue;
    let status = OKAY;
    for (const f of filters) {
      status = f(pod);
      if (!status.delete) break;
    }
    const ref = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (status.delete) pods.push(pod);
    const into = status.reason === 'Warning' ? warnings : status.reason === 'Error' ? errors : undefined;
    if (into !== undefined) {
      const msg = status.message === '' && status.reason === 'Error' ? 'unexpected error' : status.message;
      into.set(msg, [...(into.get(msg) ?? []), ref]);
    }
  }
  return {
    pods,
    warnings: [...warnings].map(([m, ps]) => `${m}: ${ps.join(', ')}`).join('; '),
    errors: [...errors].map(([m, ps]) =>
      m.toLowerCase().startsWith('cannot delete')
        ? `${m}: ${ps.join(', ')}`
        : `cannot delete ${m}: ${ps.join(', ')}`,
    ),
  };
}
