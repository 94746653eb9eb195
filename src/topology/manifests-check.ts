/**
 * Checks of the Kubernetes documents beyond their types, as the API server's validation makes them:
 * a pod spec's node exists, its container names are unique, its tolerations are well-formed
 * (`ValidateTolerations`); a workload's selector is not empty and selects its template's labels
 * (`ValidateDeploymentSpec` and its siblings); names are unique per kind and namespace. What the
 * Scenario needs to know about the workloads (`WorkloadFact`) is collected here too.
 */

import { compileSelector, type LabelSelector } from '../k8s/index.js';
import * as D from './defaults.js';
import type { IssueDraft } from './from-zod.js';
import { formatPath, type IssueDetail, type ObjectKindWord, type PathKey } from './issues.js';
import { containerPort } from './manifests.js';
import type { EndpointSliceDocument, EndpointsDocument } from './schema-endpoints.js';
import type { PodSpecDocument } from './schema-pod.js';
import type { WorkloadDocument } from './schema-workloads.js';
import type { ContainerPortSpec } from './types.js';

/** An issue draft and the document it belongs to. */
export interface DocIssue {
  readonly doc: number;
  readonly draft: IssueDraft;
}

type Report = (path: readonly PathKey[], detail: IssueDetail) => void;

/**
 * Checks one pod spec at `base` (`['spec']` of a Pod, `['spec', 'template', 'spec']` of a workload).
 * `nodes` is the cluster's node names, undefined when the Cluster did not parse (the check is skipped).
 */
export function checkPodSpec(
  spec: PodSpecDocument,
  base: readonly PathKey[],
  nodes: readonly string[] | undefined,
  report: Report,
): void {
  const node = spec.nodeName;
  if (node !== undefined && nodes !== undefined && !nodes.includes(node))
    report([...base, 'nodeName'], { code: 'unknown_reference', kind: 'node', name: node, known: nodes });

  // Init and app containers share one namespace of names.
  const seen = new Map<string, readonly PathKey[]>();
  const lists = [
    ['initContainers', spec.initContainers ?? []],
    ['containers', spec.containers],
  ] as const;
  for (const [field, containers] of lists) {
    containers.forEach((c, i) => {
      const path = [...base, field, i, 'name'];
      const first = seen.get(c.name);
      if (first === undefined) seen.set(c.name, path);
      else report(path, { code: 'duplicate_entry', value: c.name, firstPath: formatPath(first) });
    });
  }

  (spec.tolerations ?? []).forEach((t, i) => {
    const path = [...base, 'tolerations', i];
    if (t.operator === 'Exists' && t.value !== undefined && t.value !== '')
      report([...path, 'operator'], { code: 'toleration_rule', rule: 'exists_value' });
    if ((t.key ?? '') === '' && t.operator !== 'Exists')
      report([...path, 'operator'], { code: 'toleration_rule', rule: 'empty_key' });
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute')
      report([...path, 'effect'], { code: 'toleration_rule', rule: 'seconds_effect' });
  });
}

/** What `deploy/`, `sts/`, `pod/STS-N`, `scale` and `rollout` need to know about a workload. */
export interface WorkloadFact {
  readonly kind: WorkloadDocument['kind'];
  readonly namespace: string;
  readonly name: string;
  /** undefined for a DaemonSet (one pod per eligible node). */
  readonly replicas: number | undefined;
  readonly containers: readonly string[];
  /** The ports every pod of the workload declares. */
  readonly ports: readonly ContainerPortSpec[];
}

/** The fact of a schema-valid workload. */
export function workloadFact(w: WorkloadDocument): WorkloadFact {
  const { spec } = w.spec.template;
  return {
    kind: w.kind,
    namespace: w.metadata.namespace,
    name: w.metadata.name,
    replicas: w.kind === 'DaemonSet' ? undefined : w.spec.replicas,
    containers: spec.containers.map((c) => c.name),
    ports: spec.containers.flatMap((c) => c.ports.map(containerPort)),
  };
}

/** The schema's selector as the store's matcher takes it (no explicit `undefined` fields). */
export function labelSelectorOf(s: WorkloadDocument['spec']['selector']): LabelSelector {
  return {
    ...(s.matchLabels !== undefined ? { matchLabels: s.matchLabels } : {}),
    ...(s.matchExpressions !== undefined
      ? {
          matchExpressions: s.matchExpressions.map((e) => ({
            key: e.key,
            operator: e.operator,
            ...(e.values !== undefined ? { values: e.values } : {}),
          })),
        }
      : {}),
  };
}

/** A workload's selector must select something, and its template's labels. */
export function checkWorkload(
  w: WorkloadDocument,
  nodes: readonly string[] | undefined,
  report: Report,
): void {
  const { selector, template } = w.spec;
  const empty =
    Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  if (empty) report(['spec', 'selector'], { code: 'empty_selector', kind: w.kind });
  else if (!compileSelector(labelSelectorOf(selector))(template.metadata.labels))
    report(['spec', 'template', 'metadata', 'labels'], {
      code: 'selector_mismatch',
      labels: template.metadata.labels,
    });
  checkPodSpec(template.spec, ['spec', 'template', 'spec'], nodes, report);
}

/** Reports names used twice for one kind in one namespace; `nameLine` gives a document's name line. */
export class NameRegistry {
  private readonly first = new Map<string, number>();

  constructor(private readonly nameLine: (doc: number) => number) {}

  claim(doc: number, kind: ObjectKindWord, namespace: string, name: string, report: Report): void {
    const key = `${kind}/${namespace}/${name}`;
    const first = this.first.get(key);
    if (first === undefined) this.first.set(key, doc);
    else
      report(['metadata', 'name'], {
        code: 'duplicate_object',
        kind,
        name,
        namespace,
        firstLine: this.nameLine(first),
      });
  }
}

const KIND_WORD: Readonly<Record<WorkloadDocument['kind'] | 'Endpoints' | 'EndpointSlice', ObjectKindWord>> =
  {
    Deployment: 'deployment',
    ReplicaSet: 'replicaset',
    DaemonSet: 'daemonset',
    StatefulSet: 'statefulset',
    Endpoints: 'endpoints',
    EndpointSlice: 'endpointslice',
  };

/** A schema-valid workload, Endpoints or EndpointSlice document and its index in the file. */
export interface FoundManifest<T> {
  readonly doc: number;
  readonly manifest: T;
}

/** The result of checking the workload and endpoints documents. */
export interface ManifestCheck {
  /** The documents free of issues. */
  readonly clean: readonly FoundManifest<WorkloadDocument | EndpointsDocument | EndpointSliceDocument>[];
  /** Every schema-valid workload, for the Scenario's references. */
  readonly workloads: readonly WorkloadFact[];
  readonly issues: readonly DocIssue[];
}

/**
 * Checks schema-valid workloads and endpoints. With `dns: coredns` the Deployment kube-system/coredns
 * is podwire's own.
 */
export function checkManifests(
  workloads: readonly FoundManifest<WorkloadDocument>[],
  endpoints: readonly FoundManifest<EndpointsDocument | EndpointSliceDocument>[],
  nodes: readonly string[] | undefined,
  coreDns: boolean,
  nameLine: (doc: number) => number,
): ManifestCheck {
  const issues: DocIssue[] = [];
  const clean: FoundManifest<WorkloadDocument | EndpointsDocument | EndpointSliceDocument>[] = [];
  const names = new NameRegistry(nameLine);
  for (const found of [...workloads, ...endpoints].sort((a, b) => a.doc - b.doc)) {
    const { doc, manifest } = found;
    const before = issues.length;
    const report: Report = (path, detail) => issues.push({ doc, draft: { detail, path, anchor: 'value' } });
    const kind = KIND_WORD[manifest.kind];
    const { namespace, name } = manifest.metadata;
    if (
      coreDns &&
      manifest.kind === 'Deployment' &&
      namespace === D.KUBE_SYSTEM_NAMESPACE &&
      name === D.COREDNS_DEPLOYMENT
    )
      report(['metadata', 'name'], { code: 'reserved_object', kind, name, namespace });
    else names.claim(doc, kind, namespace, name, report);
    if (manifest.kind !== 'Endpoints' && manifest.kind !== 'EndpointSlice')
      checkWorkload(manifest, nodes, report);
    if (issues.length === before) clean.push(found);
  }
  return { clean, workloads: workloads.map((w) => workloadFact(w.manifest)), issues };
}
