/**
 * Checks of the Scenario document against the cluster and the Pod documents (named nodes, routers and
 * pods exist, a step starts where something lives, capture points belong to a node, router or segment)
 * and its conversion to the timeline the run follows.
 */

import { formatIp4 } from './addr.js';
import type { IssueDraft } from './from-zod.js';
import { formatPath, type IssueDetail, type PathKey } from './issues.js';
import { podKey } from './refs.js';
import type { ScenarioDocument } from './schema.js';
import type { ClusterFacts } from './semantic.js';
import type { CaptureSpec, Expectation, Ref, ScenarioSpec, Step } from './types.js';

/** The scenario of a file without a Scenario document. */
export const EMPTY_SCENARIO: ScenarioSpec = { capture: { kind: 'all' }, steps: [], expectations: [] };

type Spec = ScenarioDocument['spec'];

/** Pods a `pod/` reference may name. */
export type PodNames = readonly { readonly namespace: string; readonly name: string }[];

/** Checks references in a schema-valid Scenario document; `ok` only if all of them resolve. */
export function checkScenario(
  doc: ScenarioDocument,
  facts: ClusterFacts,
  pods: PodNames = [],
): { readonly scenario: ScenarioSpec | undefined; readonly issues: readonly IssueDraft[] } {
  const issues: IssueDraft[] = [];
  const report = (path: readonly PathKey[], detail: IssueDetail): void => {
    issues.push({ detail, path, anchor: 'value' });
  };
  const spec = doc.spec;
  const podKeys = [...new Set(pods.map((p) => podKey(p.namespace, p.name)))];

  const checkRef = (ref: Ref, path: readonly PathKey[], isSource: boolean): void => {
    if (ref.kind === 'node' && !facts.nodes.includes(ref.name)) {
      report(path, { code: 'unknown_reference', kind: 'node', name: ref.name, known: facts.nodes });
    } else if (ref.kind === 'router' && !facts.routers.includes(ref.name)) {
      report(path, { code: 'unknown_reference', kind: 'router', name: ref.name, known: facts.routers });
    } else if (
      ref.kind === 'pod' &&
      !pods.some((p) => p.name === ref.name && p.namespace === ref.namespace)
    ) {
      const name = podKey(ref.namespace, ref.name);
      report(path, { code: 'unknown_reference', kind: 'pod', name, known: podKeys });
    } else if (ref.kind === 'ip' && isSource && facts.addresses.size > 0 && !facts.addresses.has(ref.ip)) {
      report(path, { code: 'unowned_address', ip: formatIp4(ref.ip) });
    }
  };
  const checkPair = (pair: { from: Ref; to: Ref }, path: readonly PathKey[]): void => {
    checkRef(pair.from, [...path, 'from'], true);
    checkRef(pair.to, [...path, 'to'], false);
  };

  const steps = spec.steps.flatMap((step, i): Step[] => {
    const path = ['spec', 'steps', i];
    const atNs = step.at;
    if (step.ping !== undefined) {
      const p = step.ping;
      checkPair(p, [...path, 'ping']);
      return [
        {
          action: 'ping',
          atNs,
          from: p.from,
          to: p.to,
          count: p.count,
          intervalNs: p.interval,
          size: p.size,
          ttl: p.ttl,
          ...(p.df !== undefined ? { df: p.df } : {}),
          waitNs: p.wait,
        },
      ];
    }
    if (step.traceroute !== undefined) {
      const t = step.traceroute;
      checkPair(t, [...path, 'traceroute']);
      return [
        {
          action: 'traceroute',
          atNs,
          from: t.from,
          to: t.to,
          queries: t.queries,
          maxHops: t.maxHops,
          proto: t.proto,
          waitNs: t.wait,
        },
      ];
    }
    const nodeStep = step.join ?? (step.delete?.node !== undefined ? step.delete : undefined);
    if (nodeStep?.node !== undefined) {
      const action = step.join !== undefined ? 'joinNode' : 'deleteNode';
      if (!facts.nodes.includes(nodeStep.node)) {
        report([...path, step.join !== undefined ? 'join' : 'delete', 'node'], {
          code: 'unknown_reference',
          kind: 'node',
          name: nodeStep.node,
          known: facts.nodes,
        });
      }
      return [{ action, atNs, node: nodeStep.node }];
    }
    if (step.delete?.pod !== undefined) {
      const target = step.delete.pod;
      if (target.kind !== 'pod') {
        report([...path, 'delete', 'pod'], {
          code: 'invalid_value',
          received: target.text,
          allowed: ['pod/NAME', 'pod/NAMESPACE/NAME'],
        });
        return [];
      }
      checkRef(target, [...path, 'delete', 'pod'], false);
      return [{ action: 'delete', atNs, pod: target }];
    }
    const action = step.linkDown !== undefined ? 'linkDown' : 'linkUp';
    const node = (step.linkDown ?? step.linkUp)?.node ?? '';
    if (!facts.nodes.includes(node)) {
      report([...path, action, 'node'], {
        code: 'unknown_reference',
        kind: 'node',
        name: node,
        known: facts.nodes,
      });
    }
    return [{ action, atNs, node }];
  });

  const expectations = spec.expect.flatMap((e, i): Expectation[] => {
    const kind = e.reachable !== undefined ? 'reachable' : 'unreachable';
    const pair = e.reachable ?? e.unreachable;
    if (pair === undefined) return [];
    checkPair(pair, ['spec', 'expect', i, kind]);
    return [{ kind, from: pair.from, to: pair.to }];
  });

  const capture = checkCapture(spec, facts, report);
  if (issues.length > 0) return { scenario: undefined, issues };
  return { scenario: { capture, steps, expectations }, issues };
}

function checkCapture(
  spec: Spec,
  facts: ClusterFacts,
  report: (p: readonly PathKey[], d: IssueDetail) => void,
): CaptureSpec {
  if (spec.capture === 'all' || spec.capture === 'none') return { kind: spec.capture };
  const owners = [...facts.nodes, ...facts.routers, ...facts.segments];
  const seen = new Map<string, number>();
  spec.capture.forEach((point, i) => {
    const path = ['spec', 'capture', i];
    const owner = point.slice(0, point.indexOf('/'));
    const first = seen.get(point);
    if (first !== undefined) {
      report(path, {
        code: 'duplicate_entry',
        value: point,
        firstPath: formatPath(['spec', 'capture', first]),
      });
    } else if (!owners.includes(owner)) {
      report(path, { code: 'unknown_reference', kind: 'capture target', name: owner, known: owners });
    }
    if (first === undefined) seen.set(point, i);
  });
  return { kind: 'points', points: [...spec.capture] };
}
