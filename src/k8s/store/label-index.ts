/**
 * Index keys for finding objects by label within a namespace, shared by the components that index pods
 * and Services (the endpoints controller, the scheduler): `ns/key=value` for one label, `ns/` for the
 * namespace as a whole. A Service is filed under the first pair of its selector — every pod it selects
 * carries that pair — or under `ns/` when its selector is empty.
 */

import type { KubeObject } from './types.js';

export function labelPairKey(namespace: string | undefined, key: string, value: string): string {
  return `${namespace ?? 'default'}/${key}=${value}`;
}

/** An object's keys: its namespace as a whole, then each of its labels. */
export function labelIndexKeys(obj: KubeObject): string[] {
  const ns = obj.metadata.namespace;
  return [
    `${ns ?? 'default'}/`,
    ...Object.entries(obj.metadata.labels ?? {}).map(([k, v]) => labelPairKey(ns, k, v)),
  ];
}

/** Where the objects a `matchLabels` selector may select are filed (see labelIndexKeys). */
export function selectorIndexKey(
  namespace: string | undefined,
  selector: Readonly<Record<string, string>>,
): string {
  const first = Object.entries(selector)[0];
  return first === undefined ? `${namespace ?? 'default'}/` : labelPairKey(namespace, first[0], first[1]);
}
