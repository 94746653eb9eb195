/**
 * Index keys for finding objects by label within a namespace, shared by the components that index pods
 * and Services (the endpoints controller): `ns/key=value` for one label, `ns/` for the namespace as a
 * whole. A Service is filed under the first pair of its selector — every pod it selects
 * carries that pair — or under `ns/` when its selector is empty.
 */

import type { KubeObject } from './types.js';

export function labelPairKey(namespace: string | undefined, key: string, value: string): string {
  return `${namespace ?? 'default'}/${key}=${value}`;
}

/**
 * An object's keys: its namespace as a whole, then each of its labels. Kept per frozen labels object
 * (the store's versions of an object share it until the labels change): every pod event asks for them.
 */
export function labelIndexKeys(obj: KubeObject): readonly string[] {
  return keysOf(obj).keys;
}

/**
 * The label keys alone (labelIndexKeys without the namespace's): what pods are filed under, so a
 * namespace's pods do not all share one index bucket that every pod write would churn.
 */
export function labelPairKeys(obj: KubeObject): readonly string[] {
  return keysOf(obj).pairs;
}

interface LabelKeys {
  readonly namespace: string | undefined;
  readonly keys: readonly string[];
  readonly pairs: readonly string[];
}

const keysOfLabels = new WeakMap<object, LabelKeys>();

function keysOf(obj: KubeObject): LabelKeys {
  const namespace = obj.metadata.namespace;
  const labels = obj.metadata.labels;
  const frozen = labels !== undefined && Object.isFrozen(labels);
  if (frozen) {
    const hit = keysOfLabels.get(labels);
    if (hit !== undefined && hit.namespace === namespace) return hit;
  }
  const pairs: string[] = [];
  for (const k in labels) pairs.push(labelPairKey(namespace, k, labels[k] as string));
  const out = {
    namespace,
    keys: Object.freeze([`${namespace ?? 'default'}/`, ...pairs]),
    pairs: Object.freeze(pairs),
  };
  if (frozen) keysOfLabels.set(labels, out);
  return out;
}

/** Where the objects a `matchLabels` selector may select are filed (see labelIndexKeys). */
export function selectorIndexKey(
  namespace: string | undefined,
  selector: Readonly<Record<string, string>>,
): string {
  const first = Object.entries(selector)[0];
  return first === undefined ? `${namespace ?? 'default'}/` : labelPairKey(namespace, first[0], first[1]);
}
