/**
 * What every workload controller asks of a pod (pkg/api/v1/pod, pkg/controller/controller_utils.go):
 * ready, available for minReadySeconds, active, terminating; and the two writes they make — a pod from a
 * template owned by the controller (GetPodFromTemplate) and a pod deletion with its grace period.
 */

import {
  type ControlPlaneContext,
  type Pod,
  type PodCondition,
  type PodTemplate,
  podReadyCondition,
} from '../api/index.js';
import type { KubeObject, ObjectInput, OwnerReference } from '../store/index.js';

const SECOND_NS = 1_000_000_000;

/** v1.DefaultTerminationGracePeriodSeconds. */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/** The lastTransitionTime of a True Ready condition (undefined: not ready, or the time is unset). */
export function podReadyTime(pod: Pod): number | undefined {
  return podReadyCondition(pod)?.lastTransitionTime;
}

/**
 * podutil.IsPodAvailable: ready, and ready for longer than minReadySeconds (strictly: `Before(now)`);
 * an unset transition time never counts as long enough.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  return readyForLongEnough(podReadyCondition(pod), minReadySeconds, now);
}

/** isPodAvailable given the pod's podReadyCondition. */
export function readyForLongEnough(
  ready: PodCondition | undefined,
  minReadySeconds: number,
  now: number,
): boolean {
  if (ready === undefined) return false;
  if (minReadySeconds === 0) return true;
  const t = ready.lastTransitionTime;
  return t !== undefined && t + minReadySeconds * SECOND_NS < now;
}

/**
 * The minReadySeconds a controller applies: none while the cluster settles at t=0 (the file describes
 * pods that have long been up, and a time-based wait could not pass before the clock moves).
 */
export function effectiveMinReady(ctx: ControlPlaneContext, minReadySeconds: number | undefined): number {
  return ctx.settling ? 0 : (minReadySeconds ?? 0);
}

/**
 * When the next of `pods` that is ready but not yet available becomes available, as a delay from `now`
 * (undefined: none will by waiting). Kubernetes requeues after minReadySeconds (the RS pod handler after
 * one more second); podwire requeues at the first instant IsPodAvailable can change, and not at all for a
 * ready pod without a transition time, which could never become available and would keep a run busy.
 */
export function nextAvailableIn(
  pods: readonly Pod[],
  minReadySeconds: number,
  now: number,
): number | undefined {
  if (minReadySeconds === 0) return undefined;
  let best: number | undefined;
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i] as Pod;
    const t = podReadyTime(pod);
    if (t === undefined || isPodAvailable(pod, minReadySeconds, now)) continue;
    const d = t + minReadySeconds * SECOND_NS + 1 - now;
    if (d > 0 && (best === undefined || d < best)) best = d;
  }
  return best;
}

/** controller.IsPodActive: not Succeeded, not Failed, not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined;
}

export function isTerminating(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

/** metav1.GetControllerOf (a loop: every handler and sync asks it of every pod). */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  const refs = obj.metadata.ownerReferences;
  if (refs === undefined) return undefined;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i];
    if (r !== undefined && r.controller === true) return r;
  }
  return undefined;
}

/**
 * resolveControllerRef: the object's controller of `kind`, when `owners` (its informer) holds one of
 * that name with the reference's uid — a same-named object made again is not the owner.
 */
export function resolveControllerRef<O extends KubeObject>(
  obj: KubeObject,
  kind: string,
  owners: { get(namespace: string | undefined, name: string): O | undefined },
): O | undefined {
  const ref = controllerRefOf(obj);
  if (ref === undefined || ref.kind !== kind) return undefined;
  const owner = owners.get(obj.metadata.namespace, ref.name);
  return owner !== undefined && owner.metadata.uid === ref.uid ? owner : undefined;
}

/** metav1.NewControllerRef: the owner reference a controller puts on what it creates or adopts. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * GetPodFromTemplate: the template's labels, annotations and spec, the controller reference, and either a
 * fixed name (StatefulSet) or `generateName` (`<owner>-`, the API server appends 5 characters).
 */
export function podFromTemplate(
  template: PodTemplate,
  owner: KubeObject,
  ref: OwnerReference,
  name: { readonly name?: string; readonly generateName?: string },
): ObjectInput {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...name,
      namespace: owner.metadata.namespace,
      labels: template.metadata?.labels,
      annotations: template.metadata?.annotations,
      ownerReferences: [ref],
    },
    spec: template.spec,
  };
}

/**
 * Deletes a pod as a controller's DELETE without options does: the pod's own grace period (30 s by
 * default), except that the API server deletes at once a pod never bound to a node or already finished
 * (podStrategy.CheckGracefulDelete), which the store leaves to its clients.
 */
export function deletePod(ctx: ControlPlaneContext, pod: Pod): void {
  const phase = pod.status?.phase;
  const unbound = (pod.spec.nodeName ?? '') === '';
  const grace =
    unbound || phase === 'Succeeded' || phase === 'Failed'
      ? 0
      : (pod.spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS);
  ctx.store.delete('Pod', pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: grace });
}
