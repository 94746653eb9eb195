/**
 * The loader: YAML text → documents → schema → cross-field checks → `Topology`, or every issue found,
 * each placed at its file:line:col. Nothing throws for bad input; a result is all-or-nothing.
 */

import { readFileSync } from 'node:fs';
import { type Document, isAlias, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { z } from 'zod';
import type { Cidr } from './addr.js';
import { fromZodIssues, type IssueDraft } from './from-zod.js';
import {
  describeIssue,
  formatPath,
  type IssueDetail,
  type LaterFeature,
  type PathKey,
  type TopologyIssue,
} from './issues.js';
import { checkPods, type FoundPod } from './pods.js';
import { checkScenario, EMPTY_SCENARIO } from './scenario.js';
import {
  type ClusterDocument,
  clusterDocument,
  podDocument,
  type ScenarioDocument,
  scenarioDocument,
} from './schema.js';
import { serviceDocument } from './schema-service.js';
import { type ClusterCheck, checkCluster } from './semantic.js';
import { checkServices, type FoundService } from './services.js';
import type { Topology } from './types.js';
import { locate } from './yaml-positions.js';

/** The outcome of loading a topology: the validated data, or every issue found. */
export type LoadResult =
  | { readonly ok: true; readonly topology: Topology }
  | { readonly ok: false; readonly issues: readonly TopologyIssue[] };

/** Kubernetes kinds that later work accepts, and the feature they come with. */
const LATER_KINDS: ReadonlyMap<string, LaterFeature> = new Map([
  ['Deployment', 'orchestration'],
  ['ReplicaSet', 'orchestration'],
  ['DaemonSet', 'orchestration'],
  ['StatefulSet', 'orchestration'],
  // Written by the Endpoints and EndpointSlice controllers from a Service's selected, ready pods.
  ['Endpoints', 'orchestration'],
  ['EndpointSlice', 'orchestration'],
]);

/** Aliases expanded per document before yaml refuses the file as a "billion laughs" attack. */
const MAX_ALIAS_COUNT = 100;

class Collector {
  readonly issues: TopologyIssue[] = [];

  constructor(
    private readonly docs: readonly Document[],
    private readonly lines: LineCounter,
  ) {}

  /** Places a draft in document `doc` and keeps it. */
  add(doc: number, draft: IssueDraft): void {
    const document = this.docs[doc];
    const pos =
      document === undefined ? { line: 1, col: 1 } : locate(document, this.lines, draft.path, draft.anchor);
    this.issues.push({ ...draft.detail, doc, path: draft.path, line: pos.line, col: pos.col });
  }

  at(doc: number, path: readonly PathKey[], detail: IssueDetail): void {
    this.add(doc, { detail, path, anchor: 'value' });
  }

  /** An issue at a known source offset (YAML syntax errors). */
  atOffset(doc: number | null, offset: number, detail: IssueDetail): void {
    const { line, col } = this.lines.linePos(offset);
    this.issues.push({ ...detail, doc, path: [], line, col });
  }

  /** The issues in file order (stable for issues at the same place), each reported once. */
  sorted(): readonly TopologyIssue[] {
    const seen = new Set<string>();
    const unique = this.issues.filter((issue) => {
      const key = `${issue.line}:${issue.col}:${formatPath(issue.path)}:${describeIssue(issue)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return unique.sort((a, b) => a.line - b.line || a.col - b.col);
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The source offset of the first alias whose anchor does not resolve, for yaml's ReferenceError. */
function badAliasOffset(doc: Document): number {
  let offset = doc.range?.[0] ?? 0;
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node) && node.resolve(doc) === undefined) {
        offset = node.range?.[0] ?? offset;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

function toData(doc: Document, index: number, out: Collector): { readonly value: unknown } | undefined {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (e: unknown) {
    // yaml throws ReferenceError for an unresolved alias and for excessive alias expansion.
    if (!(e instanceof ReferenceError)) throw e;
    out.atOffset(index, badAliasOffset(doc), {
      code: 'yaml_syntax',
      yamlCode: 'BAD_ALIAS',
      reason: e.message,
    });
    return undefined;
  }
}

function parseWith<T>(schema: z.ZodType<T>, data: unknown, doc: number, out: Collector): T | undefined {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  for (const draft of fromZodIssues(result.error.issues, schema)) out.add(doc, draft);
  return undefined;
}

interface Found {
  readonly doc: number;
  readonly data: unknown;
}

/** Sorts documents by kind, reporting roots that are not objects, missing kinds and unsupported kinds. */
function classify(
  datas: readonly (Found | undefined)[],
  out: Collector,
): { clusters: Found[]; scenarios: Found[]; pods: Found[]; services: Found[] } {
  const clusters: Found[] = [];
  const scenarios: Found[] = [];
  const pods: Found[] = [];
  const services: Found[] = [];
  for (const found of datas) {
    if (found === undefined) continue;
    const { doc, data } = found;
    if (!isRecord(data)) {
      out.at(doc, [], { code: 'invalid_type', expected: ['object'], received: data });
      continue;
    }
    const kind = data['kind'];
    if (kind === undefined) out.at(doc, ['kind'], { code: 'missing_field', expected: ['string'] });
    else if (typeof kind !== 'string')
      out.at(doc, ['kind'], { code: 'invalid_type', expected: ['string'], received: kind });
    else if (kind === 'Cluster') clusters.push(found);
    else if (kind === 'Scenario') scenarios.push(found);
    else if (kind === 'Pod') pods.push(found);
    else if (kind === 'Service') services.push(found);
    else
      out.at(doc, ['kind'], { code: 'unsupported_kind', kind, arrivesWith: LATER_KINDS.get(kind) ?? null });
  }
  return { clusters, scenarios, pods, services };
}

/** Reports every document of `kind` after the first; returns the first. */
function single(
  found: readonly Found[],
  kind: string,
  out: Collector,
  lines: (doc: number) => number,
): Found | undefined {
  const [first, ...rest] = found;
  if (first === undefined) return undefined;
  for (const extra of rest) {
    out.at(extra.doc, ['kind'], { code: 'duplicate_document', kind, firstLine: lines(first.doc) });
  }
  return first;
}

/**
 * Loads a topology from YAML text. Issues carry line and column, not the file: pass the same `fileName`
 * to `renderIssue`.
 */
export function loadTopologyText(text: string, _fileName: string): LoadResult {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const docs: readonly Document[] = Array.isArray(parsed) ? parsed : [];
  const out = new Collector(docs, lines);
  docs.forEach((doc, i) => {
    for (const e of [...doc.errors, ...doc.warnings]) {
      out.atOffset(i, e.pos[0], { code: 'yaml_syntax', yamlCode: e.code, reason: e.message });
    }
  });
  if (out.issues.length > 0) return { ok: false, issues: out.sorted() };

  const datas = docs.map((doc, i) => {
    const data = toData(doc, i, out);
    // An empty document (e.g. after a trailing `---`) is null, and skipped as kubectl skips it.
    return data === undefined || data.value === null ? undefined : { doc: i, data: data.value };
  });
  const { clusters, scenarios, pods: podDocs, services: serviceDocs } = classify(datas, out);
  const lineAt = (doc: number, path: readonly PathKey[]): number => {
    const document = docs[doc];
    return document === undefined ? 1 : locate(document, lines, path, 'value').line;
  };
  const lineOf = (doc: number): number => lineAt(doc, ['kind']);
  const clusterDoc = single(clusters, 'Cluster', out, lineOf);
  const scenarioDoc = single(scenarios, 'Scenario', out, lineOf);
  if (clusters.length === 0) {
    out.issues.push({ code: 'missing_document', kind: 'Cluster', doc: null, path: [], line: 1, col: 1 });
  }

  let checked: ClusterCheck | undefined;
  let serviceCIDR: Cidr | undefined;
  if (clusterDoc !== undefined) {
    const cluster: ClusterDocument | undefined = parseWith(
      clusterDocument,
      clusterDoc.data,
      clusterDoc.doc,
      out,
    );
    if (cluster !== undefined) {
      checked = checkCluster(cluster);
      serviceCIDR = cluster.spec.network.serviceCIDR;
      for (const draft of checked.issues) out.add(clusterDoc.doc, draft);
    }
  }
  const foundPods = podDocs.flatMap((found): FoundPod[] => {
    const pod = parseWith(podDocument, found.data, found.doc, out);
    return pod === undefined ? [] : [{ doc: found.doc, pod }];
  });
  const nameLine = (doc: number): number => lineAt(doc, ['metadata', 'name']);
  const podCheck = checkPods(foundPods, checked?.facts.nodes, nameLine);
  for (const { doc, draft } of podCheck.issues) out.add(doc, draft);
  const foundServices = serviceDocs.flatMap((found): FoundService[] => {
    const service = parseWith(serviceDocument, found.data, found.doc, out);
    return service === undefined ? [] : [{ doc: found.doc, service }];
  });
  const serviceCheck = checkServices(foundServices, serviceCIDR, nameLine);
  for (const { doc, draft } of serviceCheck.issues) out.add(doc, draft);

  let scenario = EMPTY_SCENARIO;
  if (scenarioDoc !== undefined) {
    const parsedScenario: ScenarioDocument | undefined = parseWith(
      scenarioDocument,
      scenarioDoc.data,
      scenarioDoc.doc,
      out,
    );
    if (parsedScenario !== undefined && checked !== undefined) {
      const result = checkScenario(parsedScenario, checked.facts, {
        pods: podCheck.names,
        services: serviceCheck.facts,
      });
      for (const draft of result.issues) out.add(scenarioDoc.doc, draft);
      scenario = result.scenario ?? EMPTY_SCENARIO;
    }
  }

  const cluster = checked?.cluster;
  if (out.issues.length > 0 || cluster === undefined) return { ok: false, issues: out.sorted() };
  return {
    ok: true,
    topology: { ...cluster, pods: podCheck.pods, services: serviceCheck.services, scenario },
  };
}

/** Reads and loads a topology file; an unreadable file is an issue, not an exception. */
export function loadTopologyFile(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e: unknown) {
    if (!(e instanceof Error)) throw e;
    return {
      ok: false,
      issues: [{ code: 'file_unreadable', reason: e.message, doc: null, path: [], line: 1, col: 1 }],
    };
  }
  return loadTopologyText(text, path);
}
