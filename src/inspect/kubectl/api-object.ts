/**
 * A stored object as the API server serves it to `kubectl get -o json|yaml`: podwire keeps times as
 * simulated ns since the epoch, the API server writes metav1.Time as RFC 3339 in whole seconds
 * (`1970-01-01T00:00:05Z`, Time.MarshalJSON truncates) and metav1.MicroTime with six fractional
 * digits (Lease renewTime / acquireTime). metadata.generation is only served for kinds whose
 * registry strategy sets it; managedFields are not stored (kubectl hides them by default anyway).
 */

import type { KubeObject } from '../../k8s/index.js';

/** Fields of type metav1.Time in the kinds podwire stores. */
const TIME_FIELDS = new Set([
  'creationTimestamp',
  'deletionTimestamp',
  'lastTransitionTime',
  'lastHeartbeatTime',
  'lastProbeTime',
  'lastUpdateTime',
  'startTime',
  'startedAt',
  'finishedAt',
  'timeAdded',
]);
/** Fields of type metav1.MicroTime. */
const MICRO_TIME_FIELDS = new Set(['renewTime', 'acquireTime']);

/** Kinds whose metadata.generation the API server leaves at 0 (omitted from the JSON). */
const NO_GENERATION = new Set(['Service', 'Node', 'Endpoints', 'Lease', 'Namespace', 'ConfigMap']);

const NS_PER_S = 1_000_000_000;

/** Floor division for non-negative and negative ns alike (Go's Time.Unix truncation toward -inf). */
function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** metav1.Time.MarshalJSON: `t.UTC().Format(time.RFC3339)`, seconds only. */
export function rfc3339(ns: number): string {
  const s = floorDiv(ns, NS_PER_S);
  return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime.MarshalJSON: RFC 3339 with exactly six fractional digits. */
export function rfc3339Micro(ns: number): string {
  const s = floorDiv(ns, NS_PER_S);
  const micros = floorDiv(ns - s * NS_PER_S, 1000);
  const base = new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  return `${base}.${String(micros).padStart(6, '0')}Z`;
}

function convert(value: unknown, key: string): unknown {
  if (typeof value === 'number') {
    if (TIME_FIELDS.has(key)) return rfc3339(value);
    if (MICRO_TIME_FIELDS.has(key)) return rfc3339Micro(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => convert(v, ''));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = convert(v, k);
    return out;
  }
  return value;
}

/** The JSON-shaped object the API server returns for a stored object. */
export function apiObject(obj: KubeObject): Record<string, unknown> {
  const out = convert(obj, '') as Record<string, unknown>;
  if (NO_GENERATION.has(obj.kind)) {
    const { generation: _, ...metadata } = out['metadata'] as Record<string, unknown>;
    out['metadata'] = metadata;
  }
  return out;
}
