/** Builders for stored API objects in the kubectl printer tests (shapes of src/k8s/api/types.ts). */
import type { ObjectMeta } from '../../../src/k8s/index.js';

export const S = 1_000_000_000;
export const M = 60 * S;
export const H = 60 * M;

export function meta(name: string, fields: Partial<ObjectMeta> = {}): ObjectMeta {
  return {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    resourceVersion: '1',
    generation: 1,
    creationTimestamp: 0,
    ...fields,
  };
}
