/**
 * The Scenario's cluster operations as zod schemas, each shaped after the kubectl command it imitates:
 * `apply` (one inline manifest, validated in `load.ts` with the document schemas so its issues point
 * into it), `delete`, `scale`, `rollout` (`kubectl set image`), `cordon`/`uncordon`, `drain`,
 * `taint`/`untaint`, `label`, and `fail`/`recover` of a node. Names that must exist are checked in
 * `scenario-ops.ts`.
 */

import { z } from 'zod';
import { DEFAULT_NAMESPACE } from './defaults.js';
import { badFormat, dnsLabel, isDnsLabel, isNodeName, reject } from './formats.js';
import type { TaintEffect } from './types.js';

/** Requires exactly one of `keys` to be present on an object. */
export function exactlyOne<K extends string>(keys: readonly K[]) {
  return (value: Partial<Record<K, unknown>>, ctx: z.RefinementCtx): void => {
    const found = keys.filter((k) => value[k] !== undefined);
    if (found.length !== 1) reject(ctx, value, { code: 'choose_one', found, allowed: [...keys] });
  };
}

/** An object named as kubectl takes it: `NAME` or `NAMESPACE/NAME`; `KIND/` in front is allowed. */
function objectName(prefix: string) {
  return z
    .string()
    .transform((text, ctx): { namespace: string; name: string } => {
      const rest = text.startsWith(`${prefix}/`) ? text.slice(prefix.length + 1) : text;
      const parts = rest.split('/');
      const [a, b] = parts;
      if (parts.length === 1 && a !== undefined && isNodeName(a))
        return { namespace: DEFAULT_NAMESPACE, name: a };
      if (parts.length === 2 && a !== undefined && b !== undefined && isDnsLabel(a) && isNodeName(b))
        return { namespace: a, name: b };
      return badFormat(ctx, 'object_name', text);
    })
    .meta({ description: `NAME or NAMESPACE/NAME of a ${prefix}` });
}

const node = z.string().meta({ description: 'the name of a node of the Cluster' });

/**
 * `kubectl delete KIND NAME`; `delete: {node}` is `kubectl delete node` (the node leaves the cluster
 * until a `join`).
 */
export const deletion = z
  .strictObject({
    pod: objectName('pod').optional(),
    deployment: objectName('deployment').optional(),
    replicaset: objectName('replicaset').optional(),
    daemonset: objectName('daemonset').optional(),
    statefulset: objectName('statefulset').optional(),
    service: objectName('service').optional(),
    node: node.optional(),
  })
  .superRefine(
    exactlyOne(['pod', 'deployment', 'replicaset', 'daemonset', 'statefulset', 'service', 'node']),
  );

/** `kubectl scale KIND NAME --replicas=N`. */
export const scale = z
  .strictObject({
    deployment: objectName('deployment').optional(),
    replicaset: objectName('replicaset').optional(),
    statefulset: objectName('statefulset').optional(),
    replicas: z.int().min(0),
  })
  .superRefine(exactlyOne(['deployment', 'replicaset', 'statefulset']));

/** `kubectl set image deployment/NAME CONTAINER=IMAGE`; the container defaults to the only one. */
export const rollout = z.strictObject({
  deployment: objectName('deployment'),
  image: z.string().min(1),
  container: dnsLabel.optional(),
});

/** `cordon`, `uncordon`, `fail`, `recover`: one node. */
export const nodeOnly = z.strictObject({ node });

/** `kubectl drain NODE` and its flags. */
export const drain = z.strictObject({
  node,
  ignoreDaemonsets: z.boolean().default(false),
  force: z.boolean().default(false),
  deleteEmptydirData: z.boolean().default(false),
});

const EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** A qualified name (`IsQualifiedName`): `[PREFIX/]NAME`, the prefix a DNS subdomain. */
export function isQualifiedName(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return NAME_PART.test(text);
  return slash > 0 && isNodeName(text.slice(0, slash)) && NAME_PART.test(text.slice(slash + 1));
}

/** A label value (`IsValidLabelValue`): empty, or a name part. */
export function isLabelValue(text: string): boolean {
  return text === '' || NAME_PART.test(text);
}

function isEffect(text: string): text is TaintEffect {
  return (EFFECTS as readonly string[]).includes(text);
}

/** `KEY[=VALUE]:EFFECT`, as `kubectl taint` parses it (`parseTaint`). */
const taintText = z
  .string()
  .transform((text, ctx) => {
    const colon = text.lastIndexOf(':');
    const effect = text.slice(colon + 1);
    const kv = colon < 0 ? '' : text.slice(0, colon);
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const value = eq < 0 ? '' : kv.slice(eq + 1);
    if (colon < 0 || !isEffect(effect) || !isQualifiedName(key) || !isLabelValue(value))
      return badFormat(ctx, 'taint', text);
    return { key, value, effect };
  })
  .meta({ description: 'KEY[=VALUE]:EFFECT, e.g. dedicated=db:NoSchedule' });

/** `KEY[:EFFECT]`, with kubectl's trailing `-` allowed. */
const untaintText = z
  .string()
  .transform((raw, ctx): { key: string; effect?: TaintEffect } => {
    const text = raw.endsWith('-') ? raw.slice(0, -1) : raw;
    const colon = text.indexOf(':');
    const key = colon < 0 ? text : text.slice(0, colon);
    const effect = colon < 0 ? undefined : text.slice(colon + 1);
    if (!isQualifiedName(key)) return badFormat(ctx, 'untaint', raw);
    if (effect === undefined) return { key };
    return isEffect(effect) ? { key, effect } : badFormat(ctx, 'untaint', raw);
  })
  .meta({ description: 'KEY or KEY:EFFECT, e.g. dedicated:NoSchedule' });

/** `kubectl taint nodes NODE KEY[=VALUE]:EFFECT`. */
export const taint = z.strictObject({ node, taint: taintText });
/** `kubectl taint nodes NODE KEY[:EFFECT]-`. */
export const untaint = z.strictObject({ node, taint: untaintText });

const labelValue = z
  .string()
  .superRefine((s, ctx) => {
    if (!isLabelValue(s)) badFormat(ctx, 'label_value', s);
  })
  .nullable();

/** `kubectl label node|pod NAME k=v k2- [--overwrite]`: null removes a label. */
export const label = z
  .strictObject({
    node: node.optional(),
    pod: objectName('pod').optional(),
    // Keys are checked here rather than by the record, so an issue names the key's path.
    labels: z.record(z.string(), labelValue).superRefine((labels, ctx) => {
      for (const key of Object.keys(labels)) {
        if (isQualifiedName(key)) continue;
        const params = { code: 'invalid_format', format: 'label_key', received: key } as const;
        ctx.addIssue({ code: 'custom', input: key, params, path: [key] });
      }
    }),
    overwrite: z.boolean().default(false),
  })
  .superRefine(exactlyOne(['node', 'pod']));

/**
 * `kubectl apply -f` of one manifest written in the step. Only its shape as a mapping is checked here;
 * `load.ts` validates it with the schema of its kind, so its issues point into it.
 */
export const applyManifest = z
  .record(z.string(), z.unknown())
  .meta({ description: 'one Kubernetes manifest: a Pod, Service, workload, Endpoints or EndpointSlice' });
