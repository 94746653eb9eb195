/**
 * Checks of the Scenario's cluster operations — the node, pod, workload or Service a step names exists
 * at the step's time (in the file, or made by an earlier `apply`), a rollout names a container the
 * Deployment has — and their conversion to steps. Each check also moves the known objects on
 * (`ScenarioState`), so later steps see what earlier ones did.
 */

import type { ObjectInput } from '../k8s/index.js';
import type { IssueDetail, NamedKind, PathKey } from './issues.js';
import type { WorkloadFact } from './manifests-check.js';
import { podKey } from './refs.js';
import type { AppliedFact, ScenarioState } from './scenario-state.js';
import type { ScenarioDocument } from './schema.js';
import type { DeletableKind, ObjectKey, Step } from './types.js';

type StepDocument = ScenarioDocument['spec']['steps'][number];

/** An `apply` step's manifest after the loader validated it: the object, and what it adds. */
export interface AppliedManifest {
  readonly object: ObjectInput;
  readonly fact: AppliedFact;
}

/** What an operation check needs. */
export interface OperationContext {
  readonly nodes: readonly string[];
  readonly state: ScenarioState;
  report(path: readonly PathKey[], detail: IssueDetail): void;
}

type WorkloadKind = WorkloadFact['kind'];

const DELETE_KINDS = {
  pod: 'Pod',
  deployment: 'Deployment',
  replicaset: 'ReplicaSet',
  daemonset: 'DaemonSet',
  statefulset: 'StatefulSet',
  service: 'Service',
} as const satisfies Record<string, DeletableKind>;

const WORD: Readonly<Record<DeletableKind, NamedKind>> = {
  Pod: 'pod',
  Deployment: 'deployment',
  ReplicaSet: 'replicaset',
  DaemonSet: 'daemonset',
  StatefulSet: 'statefulset',
  Service: 'service',
};

type Named = { readonly namespace: string; readonly name: string };

/** Whether the object exists now; reports it at `path` when it does not. */
function known(ctx: OperationContext, kind: DeletableKind, key: Named, path: readonly PathKey[]): boolean {
  const { state } = ctx;
  const { namespace, name } = key;
  let found: boolean;
  let all: readonly Named[];
  if (kind === 'Pod') {
    found = state.pod(namespace, name) !== undefined;
    all = state.podNames();
  } else if (kind === 'Service') {
    found = state.service(namespace, name) !== undefined;
    all = state.serviceList();
  } else {
    found = state.workload(kind, namespace, name) !== undefined;
    all = state.workloadList(kind);
  }
  if (!found) {
    const names = [...new Set(all.map((o) => podKey(o.namespace, o.name)))];
    ctx.report(path, {
      code: 'unknown_reference',
      kind: WORD[kind],
      name: podKey(namespace, name),
      known: names,
    });
  }
  return found;
}

function nodeKnown(ctx: OperationContext, node: string, path: readonly PathKey[]): void {
  if (!ctx.nodes.includes(node))
    ctx.report(path, { code: 'unknown_reference', kind: 'node', name: node, known: ctx.nodes });
}

function keyOf<K extends DeletableKind>(kind: K, named: Named): ObjectKey<K> {
  return { kind, namespace: named.namespace, name: named.name };
}

/** The first of `keys` that `value` has, with the object it names. */
function chosen<K extends string>(
  value: { readonly [k in K]?: Named | undefined },
  keys: readonly K[],
): { key: K; value: Named } | undefined {
  for (const key of keys) {
    const v = value[key];
    if (v !== undefined) return { key, value: v };
  }
  return undefined;
}

function deleteStep(
  d: NonNullable<StepDocument['delete']>,
  path: readonly PathKey[],
  atNs: number,
  ctx: OperationContext,
): Step[] {
  if (d.node !== undefined) {
    nodeKnown(ctx, d.node, [...path, 'node']);
    return [{ action: 'deleteNode', atNs, node: d.node }];
  }
  const keys = Object.keys(DELETE_KINDS) as (keyof typeof DELETE_KINDS)[];
  const pick = chosen(d, keys);
  if (pick === undefined) return [];
  const kind = DELETE_KINDS[pick.key];
  if (!known(ctx, kind, pick.value, [...path, pick.key])) return [];
  ctx.state.delete(kind, pick.value.namespace, pick.value.name);
  return [{ action: 'delete', atNs, target: keyOf(kind, pick.value) }];
}

function scaleStep(
  s: NonNullable<StepDocument['scale']>,
  path: readonly PathKey[],
  atNs: number,
  ctx: OperationContext,
): Step[] {
  const kinds = { deployment: 'Deployment', replicaset: 'ReplicaSet', statefulset: 'StatefulSet' } as const;
  const pick = chosen(s, ['deployment', 'replicaset', 'statefulset'] as const);
  if (pick === undefined) return [];
  const kind: WorkloadKind & ('Deployment' | 'ReplicaSet' | 'StatefulSet') = kinds[pick.key];
  if (!known(ctx, kind, pick.value, [...path, pick.key])) return [];
  ctx.state.scale(kind, pick.value.namespace, pick.value.name, s.replicas);
  return [{ action: 'scale', atNs, target: keyOf(kind, pick.value), replicas: s.replicas }];
}

function rolloutStep(
  r: NonNullable<StepDocument['rollout']>,
  path: readonly PathKey[],
  atNs: number,
  ctx: OperationContext,
): Step[] {
  if (!known(ctx, 'Deployment', r.deployment, [...path, 'deployment'])) return [];
  const { namespace, name } = r.deployment;
  const containers = ctx.state.workload('Deployment', namespace, name)?.containers ?? [];
  let container = r.container;
  if (container === undefined) {
    if (containers.length !== 1) {
      ctx.report(path, { code: 'container_required', deployment: podKey(namespace, name), containers });
      return [];
    }
    container = containers[0] ?? '';
  } else if (!containers.includes(container)) {
    ctx.report([...path, 'container'], {
      code: 'unknown_reference',
      kind: 'container',
      name: container,
      known: containers,
    });
    return [];
  }
  return [{ action: 'rollout', atNs, target: keyOf('Deployment', r.deployment), container, image: r.image }];
}

function labelStep(
  l: NonNullable<StepDocument['label']>,
  path: readonly PathKey[],
  atNs: number,
  ctx: OperationContext,
): Step[] {
  const labels = new Map(
    Object.keys(l.labels)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((k) => [k, l.labels[k] ?? null] as const),
  );
  if (l.node !== undefined) {
    nodeKnown(ctx, l.node, [...path, 'node']);
    return [
      { action: 'label', atNs, target: { kind: 'Node', name: l.node }, labels, overwrite: l.overwrite },
    ];
  }
  if (l.pod === undefined || !known(ctx, 'Pod', l.pod, [...path, 'pod'])) return [];
  return [{ action: 'label', atNs, target: keyOf('Pod', l.pod), labels, overwrite: l.overwrite }];
}

/**
 * Checks a step if it is a cluster operation (not ping, traceroute, a connection, a link or a join),
 * returning its steps; undefined for other steps. `applied` is the step's manifest when it is a valid
 * `apply` (the loader reported the issues of one that is not).
 */
export function checkOperation(
  step: StepDocument,
  path: readonly PathKey[],
  ctx: OperationContext,
  applied: AppliedManifest | undefined,
): Step[] | undefined {
  const atNs = step.at;
  if (step.apply !== undefined) {
    if (applied === undefined) return [];
    ctx.state.apply(applied.fact);
    return [{ action: 'apply', atNs, object: applied.object }];
  }
  if (step.delete !== undefined) return deleteStep(step.delete, [...path, 'delete'], atNs, ctx);
  if (step.scale !== undefined) return scaleStep(step.scale, [...path, 'scale'], atNs, ctx);
  if (step.rollout !== undefined) return rolloutStep(step.rollout, [...path, 'rollout'], atNs, ctx);
  if (step.label !== undefined) return labelStep(step.label, [...path, 'label'], atNs, ctx);
  for (const action of ['cordon', 'uncordon', 'fail', 'recover'] as const) {
    const node = step[action]?.node;
    if (node === undefined) continue;
    nodeKnown(ctx, node, [...path, action, 'node']);
    return [action === 'cordon' || action === 'uncordon' ? { action, atNs, node } : { action, atNs, node }];
  }
  if (step.drain !== undefined) {
    const { node, ignoreDaemonsets, force, deleteEmptydirData } = step.drain;
    nodeKnown(ctx, node, [...path, 'drain', 'node']);
    return [{ action: 'drain', atNs, node, ignoreDaemonsets, force, deleteEmptydirData }];
  }
  if (step.taint !== undefined) {
    const { node, taint } = step.taint;
    nodeKnown(ctx, node, [...path, 'taint', 'node']);
    return [{ action: 'taint', atNs, node, taint }];
  }
  if (step.untaint !== undefined) {
    const { node, taint } = step.untaint;
    nodeKnown(ctx, node, [...path, 'untaint', 'node']);
    return [
      {
        action: 'untaint',
        atNs,
        node,
        key: taint.key,
        ...(taint.effect !== undefined ? { effect: taint.effect } : {}),
      },
    ];
  }
  return undefined;
}
