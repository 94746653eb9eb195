/**
 * `kubectl apply -f` (client-side apply, pkg/cmd/apply): creates the object with the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation, or merges it three-way into the stored
 * object (fields in the input win, fields only in the last applied configuration are removed, fields the
 * server or controllers set are kept) and prints `created`, `configured`, or `unchanged` when the merge
 * changes nothing. Lists are replaced whole (no strategic merge by name).
 */

import { type ApiStore, type KubeObject, type ObjectInput, StatusError } from '../store/index.js';
import { errorLines, type KubectlResult, named, result } from './output.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** json.Marshal of an unstructured object: keys sorted; kubectl stores it with a trailing newline. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Three-way merge of maps: input over live, dropping keys the last applied had and the input lost. */
function merge(live: unknown, input: unknown, last: unknown): unknown {
  if (!isMap(input) || !isMap(live)) return input;
  const out: Record<string, unknown> = { ...live };
  for (const [k, v] of Object.entries(input)) out[k] = merge(live[k], v, isMap(last) ? last[k] : undefined);
  if (isMap(last)) for (const k of Object.keys(last)) if (!(k in input)) delete out[k];
  return out;
}

export function apply(store: ApiStore, input: ObjectInput): KubectlResult {
  const name = input.metadata.name ?? '';
  const { [LAST_APPLIED]: _drop, ...userAnnotations } = input.metadata.annotations ?? {};
  const applied = canonical({
    ...input,
    metadata: {
      ...input.metadata,
      annotations: Object.keys(userAnnotations).length === 0 ? undefined : userAnnotations,
    },
  });
  const annotations = { ...userAnnotations, [LAST_APPLIED]: `${applied}\n` };
  try {
    const live = store.tryGet<KubeObject>(input.kind, input.metadata.namespace, name);
    if (live === undefined) {
      const created = store.create({ ...input, metadata: { ...input.metadata, annotations } });
      return result([named(created.apiVersion, created.kind, name, 'created')]);
    }
    const lastText = live.metadata.annotations?.[LAST_APPLIED];
    const last = lastText === undefined ? undefined : (JSON.parse(lastText) as Json);
    const { metadata: _im, status: _is, ...inputBody } = input;
    const { metadata: _lm, status: _ls, ...liveBody } = live;
    const lastBody = isMap(last) ? { ...last, metadata: undefined, status: undefined } : undefined;
    const body = merge(liveBody, inputBody, lastBody) as Record<string, unknown>;
    const lastMeta = isMap(last) && isMap(last['metadata']) ? last['metadata'] : undefined;
    const labels = merge(live.metadata.labels ?? {}, input.metadata.labels ?? {}, lastMeta?.['labels']);
    const next = {
      ...body,
      apiVersion: live.apiVersion,
      kind: live.kind,
      metadata: {
        ...live.metadata,
        labels: Object.keys(labels as object).length === 0 ? undefined : (labels as Record<string, string>),
        annotations: merge(live.metadata.annotations ?? {}, annotations, lastMeta?.['annotations']) as Record<
          string,
          string
        >,
        resourceVersion: '',
      },
    };
    const stored = store.update(next);
    const operation =
      stored.metadata.resourceVersion === live.metadata.resourceVersion ? 'unchanged' : 'configured';
    return result([named(live.apiVersion, live.kind, name, operation)]);
  } catch (e) {
    if (e instanceof StatusError) return result([], errorLines(e));
    throw e;
  }
}
