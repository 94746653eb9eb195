/**
 * Parsing of Kubernetes manifests with the schema of their kind, at the top of a file or inside a
 * Scenario step's `apply` (whose issues are placed below the step's path, so they point into the
 * inline manifest), and the checks and conversion of an applied manifest.
 */

import type { z } from 'zod';
import type { Cidr } from './addr.js';
import { fromZodIssues, type IssueDraft } from './from-zod.js';
import type { IssueDetail, LaterFeature, PathKey } from './issues.js';
import { type ManifestDocument, toObjectInput } from './manifests.js';
import { checkManifests, workloadFact } from './manifests-check.js';
import { checkPods } from './pods.js';
import type { AppliedManifest } from './scenario-ops.js';
import { isManifestKind, MANIFEST_SCHEMAS, type ManifestKind } from './schema.js';
import { checkServices, serviceFact } from './services.js';

/** Where parsed issues go: placed in document `doc` by the loader. */
export interface DraftSink {
  add(doc: number, draft: IssueDraft): void;
}

/** Kubernetes kinds that later work accepts, and the feature they come with (none at present). */
export const LATER_KINDS: ReadonlyMap<string, LaterFeature> = new Map();

/** Parses `data` with `schema`, reporting its issues below `base` in document `doc`. */
export function parseWith<T>(
  schema: z.ZodType<T>,
  data: unknown,
  doc: number,
  out: DraftSink,
  base: readonly PathKey[] = [],
): T | undefined {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  for (const draft of fromZodIssues(result.error.issues, schema)) {
    out.add(doc, { ...draft, path: [...base, ...draft.path] });
  }
  return undefined;
}

/** Parses a manifest of a known kind. */
export function parseManifest(
  kind: ManifestKind,
  data: unknown,
  doc: number,
  out: DraftSink,
  base: readonly PathKey[] = [],
): ManifestDocument | undefined {
  // Every kind's schema yields a member of the ManifestDocument union.
  const schema: z.ZodType<ManifestDocument> = MANIFEST_SCHEMAS[kind];
  return parseWith(schema, data, doc, out, base);
}

/** The issue for a `kind` that is missing, not a string, or not accepted; undefined for a manifest kind. */
export function kindIssue(kind: unknown): IssueDetail | undefined {
  if (kind === undefined) return { code: 'missing_field', expected: ['string'] };
  if (typeof kind !== 'string') return { code: 'invalid_type', expected: ['string'], received: kind };
  if (isManifestKind(kind)) return undefined;
  return { code: 'unsupported_kind', kind, arrivesWith: LATER_KINDS.get(kind) ?? null };
}

/** What checking an applied manifest needs to know about the cluster. */
export interface ApplyContext {
  readonly nodes: readonly string[] | undefined;
  readonly serviceCIDR: Cidr | undefined;
  readonly coreDns: boolean;
}

/**
 * Validates the manifest of the `apply` step at `base` in document `doc` as a file's manifest is
 * validated (schema, then the checks of its kind), and converts it; undefined after an issue.
 */
export function parseApplied(
  data: Readonly<Record<string, unknown>>,
  doc: number,
  base: readonly PathKey[],
  out: DraftSink,
  ctx: ApplyContext,
): AppliedManifest | undefined {
  const kind = data['kind'];
  const bad = kindIssue(kind);
  if (bad !== undefined || typeof kind !== 'string' || !isManifestKind(kind)) {
    if (bad !== undefined) out.add(doc, { detail: bad, path: [...base, 'kind'], anchor: 'value' });
    return undefined;
  }
  const manifest = parseManifest(kind, data, doc, out, base);
  if (manifest === undefined) return undefined;
  const inner: DraftSink = {
    add: (_doc, draft) => out.add(doc, { ...draft, path: [...base, ...draft.path] }),
  };
  let issues = 0;
  const keep = (list: readonly { readonly draft: IssueDraft }[]): void => {
    for (const { draft } of list) inner.add(doc, draft);
    issues += list.length;
  };
  const line = (): number => 0;
  switch (manifest.kind) {
    case 'Pod': {
      const check = checkPods([{ doc, pod: manifest }], ctx.nodes, line);
      keep(check.issues);
      const pod = check.names[0];
      return issues > 0 || pod === undefined
        ? undefined
        : { object: toObjectInput(manifest), fact: { kind: 'pod', pod } };
    }
    case 'Service': {
      keep(checkServices([{ doc, service: manifest }], ctx.serviceCIDR, line, ctx.coreDns).issues);
      return issues > 0
        ? undefined
        : { object: toObjectInput(manifest), fact: { kind: 'service', service: serviceFact(manifest) } };
    }
    case 'Endpoints':
    case 'EndpointSlice':
      return { object: toObjectInput(manifest), fact: { kind: 'other' } };
    default: {
      keep(checkManifests([{ doc, manifest }], [], ctx.nodes, ctx.coreDns, line).issues);
      return issues > 0
        ? undefined
        : { object: toObjectInput(manifest), fact: { kind: 'workload', workload: workloadFact(manifest) } };
    }
  }
}
