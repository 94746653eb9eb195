/**
 * The loader: YAML text → documents → schema → cross-field checks → `Topology`, or every issue found,
 * each placed at its file:line:col. Nothing throws for bad input; a result is all-or-nothing.
 */

import { readFileSync } from 'node:fs';
import { type Document, isAlias, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Cidr } from './addr.js';
import type { IssueDraft } from './from-zod.js';
import { describeIssue, formatPath, type IssueDetail, type PathKey, type TopologyIssue } from './issues.js';
import { type ManifestDocument, toObjectInput } from './manifests.js';
import { checkManifests, type FoundManifest } from './manifests-check.js';
import { kindIssue, parseApplied, parseManifest, parseWith } from './manifests-parse.js';
import { checkPods, type FoundPod } from './pods.js';
import { type AppliedManifest, checkScenario, EMPTY_SCENARIO } from './scenario.js';
import {
  type ClusterDocument,
  clusterDocument,
  isManifestKind,
  type ManifestKind,
  type ScenarioDocument,
  scenarioDocument,
} from './schema.js';
import type { EndpointSliceDocument, EndpointsDocument } from './schema-endpoints.js';
import type { WorkloadDocument } from './schema-workloads.js';
import { type ClusterCheck, checkCluster } from './semantic.js';
import { checkServices, type FoundService } from './services.js';
import type { Topology } from './types.js';
import { locate } from './yaml-positions.js';

/** The outcome of loading a topology: the validated data, or every issue found. */
export type LoadResult =
  | { readonly ok: true; readonly topology: Topology }
  | { readonly ok: false; readonly issues: readonly TopologyIssue[] };

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

interface Found {
  readonly doc: number;
  readonly data: unknown;
}

interface FoundKind extends Found {
  readonly kind: ManifestKind;
}

/** Sorts documents by kind, reporting roots that are not objects, missing kinds and unsupported kinds. */
function classify(
  datas: readonly (Found | undefined)[],
  out: Collector,
): { clusters: Found[]; scenarios: Found[]; manifests: FoundKind[] } {
  const clusters: Found[] = [];
  const scenarios: Found[] = [];
  const manifests: FoundKind[] = [];
  for (const found of datas) {
    if (found === undefined) continue;
    const { doc, data } = found;
    if (!isRecord(data)) {
      out.at(doc, [], { code: 'invalid_type', expected: ['object'], received: data });
      continue;
    }
    const kind = data['kind'];
    if (kind === 'Cluster') clusters.push(found);
    else if (kind === 'Scenario') scenarios.push(found);
    else if (typeof kind === 'string' && isManifestKind(kind)) manifests.push({ ...found, kind });
    else {
      const issue = kindIssue(kind);
      if (issue !== undefined) out.at(doc, ['kind'], issue);
    }
  }
  return { clusters, scenarios, manifests };
}

/** A parsed manifest and its document. */
interface Parsed {
  readonly doc: number;
  readonly manifest: ManifestDocument;
}

/** Whether a parsed manifest is of one of `kinds`. */
function isKind<K extends ManifestDocument['kind']>(
  m: ManifestDocument,
  kinds: readonly K[],
): m is Extract<ManifestDocument, { kind: K }> {
  return kinds.some((k) => k === m.kind);
}

function ofKind<K extends ManifestDocument['kind']>(
  parsed: readonly Parsed[],
  kinds: readonly K[],
): FoundManifest<Extract<ManifestDocument, { kind: K }>>[] {
  return parsed.flatMap(({ doc, manifest }) => (isKind(manifest, kinds) ? [{ doc, manifest }] : []));
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
  const { clusters, scenarios, manifests } = classify(datas, out);
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
  let coreDns = false;
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
      coreDns = cluster.spec.dns === 'coredns';
      for (const draft of checked.issues) out.add(clusterDoc.doc, draft);
    }
  }
  const valid = manifests.flatMap((found): Parsed[] => {
    const manifest = parseManifest(found.kind, found.data, found.doc, out);
    return manifest === undefined ? [] : [{ doc: found.doc, manifest }];
  });
  const nodes = checked?.facts.nodes;
  const nameLine = (doc: number): number => lineAt(doc, ['metadata', 'name']);
  const foundPods = ofKind(valid, ['Pod']).map(({ doc, manifest }): FoundPod => ({ doc, pod: manifest }));
  const podCheck = checkPods(foundPods, nodes, nameLine);
  for (const { doc, draft } of podCheck.issues) out.add(doc, draft);
  const foundServices = ofKind(valid, ['Service']).map(
    ({ doc, manifest }): FoundService => ({ doc, service: manifest }),
  );
  const serviceCheck = checkServices(foundServices, serviceCIDR, nameLine, coreDns);
  for (const { doc, draft } of serviceCheck.issues) out.add(doc, draft);
  const workloads: FoundManifest<WorkloadDocument>[] = ofKind(valid, [
    'Deployment',
    'ReplicaSet',
    'DaemonSet',
    'StatefulSet',
  ]);
  const endpoints: FoundManifest<EndpointsDocument | EndpointSliceDocument>[] = ofKind(valid, [
    'Endpoints',
    'EndpointSlice',
  ]);
  const manifestCheck = checkManifests(workloads, endpoints, nodes, coreDns, nameLine);
  for (const { doc, draft } of manifestCheck.issues) out.add(doc, draft);

  let scenario = EMPTY_SCENARIO;
  if (scenarioDoc !== undefined) {
    const parsedScenario: ScenarioDocument | undefined = parseWith(
      scenarioDocument,
      scenarioDoc.data,
      scenarioDoc.doc,
      out,
    );
    if (parsedScenario !== undefined && checked !== undefined) {
      const applied = new Map<number, AppliedManifest>();
      parsedScenario.spec.steps.forEach((step, i) => {
        if (step.apply === undefined) return;
        const base = ['spec', 'steps', i, 'apply'];
        const ctx = { nodes, serviceCIDR, coreDns };
        const manifest = parseApplied(step.apply, scenarioDoc.doc, base, out, ctx);
        if (manifest !== undefined) applied.set(i, manifest);
      });
      const objects = {
        pods: podCheck.names,
        services: serviceCheck.facts,
        workloads: manifestCheck.workloads,
        dns: coreDns,
      };
      const result = checkScenario(parsedScenario, checked.facts, objects, applied);
      for (const draft of result.issues) out.add(scenarioDoc.doc, draft);
      scenario = result.scenario ?? EMPTY_SCENARIO;
    }
  }

  const cluster = checked?.cluster;
  if (out.issues.length > 0 || cluster === undefined) return { ok: false, issues: out.sorted() };
  return {
    ok: true,
    topology: {
      ...cluster,
      pods: podCheck.pods,
      services: serviceCheck.services,
      objects: valid.map(({ manifest }) => toObjectInput(manifest)),
      scenario,
    },
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
