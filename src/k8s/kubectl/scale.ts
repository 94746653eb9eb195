/**
 * `kubectl scale` and `kubectl set image` (what `rollout` scenario steps use): spec.replicas, or a
 * container's image in the pod template. Printed with the name printer.
 */

import type { Deployment } from '../api/index.js';
import { type ApiStore, type KubeObject, StatusError } from '../store/index.js';
import { API_VERSIONS, errorLines, type KubectlResult, named, result } from './output.js';

export type ScalableKind = 'deployment' | 'replicaset' | 'statefulset';

const KINDS: Readonly<Record<ScalableKind, string>> = {
  deployment: 'Deployment',
  replicaset: 'ReplicaSet',
  statefulset: 'StatefulSet',
};

/** store.get with the NotFound message qualified by the kind's group even when none is stored yet. */
export function getTyped<O extends KubeObject>(
  store: ApiStore,
  kind: string,
  namespace: string | undefined,
  name: string,
): O {
  const found = store.tryGet<O>(kind, namespace, name);
  if (found !== undefined) return found;
  const apiVersion = API_VERSIONS[kind] ?? 'v1';
  const group = apiVersion.includes('/') ? `.${apiVersion.slice(0, apiVersion.indexOf('/'))}` : '';
  const plural = kind === 'Endpoints' ? 'endpoints' : `${kind.toLowerCase()}s`;
  throw new StatusError('NotFound', `${plural}${group} "${name}" not found`);
}

export function scale(
  store: ApiStore,
  kind: ScalableKind,
  name: string,
  namespace: string | undefined,
  replicas: number,
): KubectlResult {
  if (!Number.isInteger(replicas) || replicas < 0) {
    return result(
      [],
      ['error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0'],
    );
  }
  let obj: KubeObject<{ replicas?: number }>;
  try {
    obj = getTyped(store, KINDS[kind], namespace, name);
  } catch (e) {
    return result([], errorLines(e));
  }
  store.update({
    ...obj,
    metadata: { ...obj.metadata, resourceVersion: '' },
    spec: { ...obj.spec, replicas },
  });
  return result([named(obj.apiVersion, obj.kind, name, 'scaled')]);
}

/** `kubectl set image deployment/NAME CONTAINER=IMAGE`: nothing printed when the image is already set. */
export function setImage(
  store: ApiStore,
  deployment: string,
  namespace: string | undefined,
  container: string,
  image: string,
): KubectlResult {
  let d: Deployment;
  try {
    d = getTyped<Deployment>(store, 'Deployment', namespace, deployment);
  } catch (e) {
    return result([], errorLines(e));
  }
  const spec = d.spec.template.spec;
  const inMain = spec.containers.some((c) => c.name === container);
  const inInit = (spec.initContainers ?? []).some((c) => c.name === container);
  if (!inMain && !inInit) return result([], [`error: unable to find container named "${container}"`]);
  const swap = <C extends { name: string; image: string }>(cs: readonly C[]): C[] =>
    cs.map((c) => (c.name === container ? { ...c, image } : c));
  const containers = swap(spec.containers);
  const initContainers = spec.initContainers === undefined ? undefined : swap(spec.initContainers);
  const unchanged =
    spec.containers.every((c, i) => c.image === containers[i]?.image) &&
    (spec.initContainers ?? []).every((c, i) => c.image === initContainers?.[i]?.image);
  if (unchanged) return result();
  const podSpec =
    initContainers === undefined ? { ...spec, containers } : { ...spec, containers, initContainers };
  store.update({
    ...d,
    metadata: { ...d.metadata, resourceVersion: '' },
    spec: { ...d.spec, template: { ...d.spec.template, spec: podSpec } },
  });
  return result([named(d.apiVersion, d.kind, deployment, 'image updated')]);
}
