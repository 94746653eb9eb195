/**
 * Checks of the Pod documents against the cluster and each other — `spec.nodeName`, when given, names a
 * node of the cluster (without it the scheduler places the pod), pod names are unique per namespace,
 * container names are unique per pod, the `podwire.io/mtu` annotation is an MTU — and their conversion
 * to `PodSpec`s.
 */

import { MTU_ANNOTATION } from './defaults.js';
import type { IssueDraft } from './from-zod.js';
import type { IssueDetail, PathKey } from './issues.js';
import { containerPort } from './manifests.js';
import { checkPodSpec } from './manifests-check.js';
import type { PodDocument } from './schema-pod.js';
import { sortedMap } from './semantic.js';
import type { ContainerPortSpec, ContainerSpec, PodSpec } from './types.js';

/** What a `pod/NAME[:PORT]` reference may name: a pod and the ports its containers declare. */
export type PodNames = readonly {
  readonly namespace: string;
  readonly name: string;
  readonly ports: readonly ContainerPortSpec[];
}[];

/** A schema-valid Pod document and its index in the file. */
export interface FoundPod {
  readonly doc: number;
  readonly pod: PodDocument;
}

/** An issue draft and the document it belongs to. */
export interface PodIssue {
  readonly doc: number;
  readonly draft: IssueDraft;
}

/** The result of checking the Pod documents. */
export interface PodCheck {
  /** Every pod whose document is free of issues, in file order. */
  readonly pods: readonly PodSpec[];
  /** Every schema-valid pod, for the Scenario's `pod/` references (and their named ports). */
  readonly names: PodNames;
  readonly issues: readonly PodIssue[];
}

const MTU_MIN = 68;
const MTU_MAX = 65535;
const MTU_TEXT = /^[1-9]\d{0,4}$/;

/** The MTU an annotation value asks for, or undefined if it is not an integer from 68 to 65535. */
export function parseMtuAnnotation(text: string): number | undefined {
  if (!MTU_TEXT.test(text)) return undefined;
  const mtu = Number(text);
  return mtu >= MTU_MIN && mtu <= MTU_MAX ? mtu : undefined;
}

/**
 * Checks schema-valid Pod documents. `nodes` is the cluster's node names (undefined when the Cluster
 * document did not parse: the node check is then skipped); `nameLine` gives the line of a document's
 * `metadata.name`, for the message about a duplicate.
 */
export function checkPods(
  found: readonly FoundPod[],
  nodes: readonly string[] | undefined,
  nameLine: (doc: number) => number,
): PodCheck {
  const issues: PodIssue[] = [];
  const firstDoc = new Map<string, number>();
  const pods: PodSpec[] = [];
  for (const { doc, pod } of found) {
    const before = issues.length;
    const report = (path: readonly PathKey[], detail: IssueDetail): void => {
      issues.push({ doc, draft: { detail, path, anchor: 'value' } });
    };
    const { name, namespace, annotations } = pod.metadata;
    const key = `${namespace}/${name}`;
    const first = firstDoc.get(key);
    if (first === undefined) firstDoc.set(key, doc);
    else
      report(['metadata', 'name'], {
        code: 'duplicate_object',
        kind: 'pod',
        name,
        namespace,
        firstLine: nameLine(first),
      });

    const node = pod.spec.nodeName;
    checkPodSpec(pod.spec, ['spec'], nodes, report);

    const mtuText = annotations[MTU_ANNOTATION];
    const mtu = mtuText === undefined ? undefined : parseMtuAnnotation(mtuText);
    if (mtuText !== undefined && mtu === undefined)
      report(['metadata', 'annotations', MTU_ANNOTATION], {
        code: 'invalid_format',
        format: 'mtu',
        received: mtuText,
      });

    if (issues.length > before) continue;
    pods.push({
      name,
      namespace,
      node,
      labels: sortedMap(pod.metadata.labels),
      annotations: sortedMap(annotations),
      containers: pod.spec.containers.map(
        (c): ContainerSpec => ({
          name: c.name,
          image: c.image,
          ports: c.ports.map(containerPort),
        }),
      ),
      hostNetwork: pod.spec.hostNetwork,
      restartPolicy: pod.spec.restartPolicy,
      ...(mtu !== undefined ? { mtuOverride: mtu } : {}),
    });
  }
  const names = found.map(({ pod }) => ({
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    ports: pod.spec.containers.flatMap((c) => c.ports.map(containerPort)),
  }));
  return { pods, names, issues };
}
