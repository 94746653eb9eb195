/**
 * Checks of the Scenario document against the cluster and the Kubernetes documents (named nodes,
 * routers, hosts, pods, workloads and Services exist at the step's time, a step starts where something
 * lives, a port is given where a step needs one and names a port the target has, a DNS name is resolved
 * by a pod of a cluster with DNS, capture points belong to a node, router, host or segment) and its
 * conversion to the timeline the run follows. Steps are checked in time order (file order among equal
 * times), so a step sees what earlier `apply`, `delete` and `scale` steps did; the cluster operations
 * themselves are checked in `scenario-ops.ts`.
 */

import { formatIp4 } from './addr.js';
import type { IssueDraft } from './from-zod.js';
import { formatPath, type IssueDetail, type NamedKind, type PathKey, type PortlessUse } from './issues.js';
import { podKey, refBase } from './refs.js';
import { type AppliedManifest, checkOperation } from './scenario-ops.js';
import { type ScenarioObjects, ScenarioState } from './scenario-state.js';
import type { ScenarioDocument } from './schema.js';
import type { ClusterFacts } from './semantic.js';
import type { ServiceFact } from './services.js';
import type {
  CaptureSpec,
  ConnectStep,
  Expectation,
  PortProtocol,
  ProbeTransport,
  Ref,
  ScenarioSpec,
  Step,
} from './types.js';

export type { PodNames } from './pods.js';
export type { AppliedManifest } from './scenario-ops.js';
export type { AppliedFact, ScenarioObjects } from './scenario-state.js';

/** The scenario of a file without a Scenario document. */
export const EMPTY_SCENARIO: ScenarioSpec = { capture: { kind: 'all' }, steps: [], expectations: [] };

type Spec = ScenarioDocument['spec'];
type StepDocument = Spec['steps'][number];
type Connect = ConnectStep['action'];

const PROTOCOL: Readonly<Record<Connect, PortProtocol>> = { http: 'TCP', tcp: 'TCP', udp: 'UDP' };

/** A port as the messages list it: `http 80/TCP`, or `80/TCP` when it has no name. */
function portLabel(name: string | undefined, port: number, protocol: PortProtocol): string {
  return `${name === undefined || name === '' ? '' : `${name} `}${port}/${protocol}`;
}

class RefChecker {
  readonly issues: IssueDraft[] = [];

  constructor(
    private readonly facts: ClusterFacts,
    readonly state: ScenarioState,
  ) {}

  report(path: readonly PathKey[], detail: IssueDetail): void {
    this.issues.push({ detail, path, anchor: 'value' });
  }

  private service(ref: Ref & { kind: 'svc' }): ServiceFact | undefined {
    return this.state.service(ref.namespace, ref.name);
  }

  /** Reports a reference to a node, router, host, pod, workload or Service the files do not have. */
  exists(ref: Ref, path: readonly PathKey[]): boolean {
    const { facts, state } = this;
    const unknown = (kind: NamedKind, name: string, known: string[]) => {
      this.report(path, { code: 'unknown_reference', kind, name, known });
      return false;
    };
    const keys = (list: readonly { namespace: string; name: string }[]): string[] => [
      ...new Set(list.map((p) => podKey(p.namespace, p.name))),
    ];
    switch (ref.kind) {
      case 'node':
        return facts.nodes.includes(ref.name) || unknown('node', ref.name, [...facts.nodes]);
      case 'router':
        return facts.routers.includes(ref.name) || unknown('router', ref.name, [...facts.routers]);
      case 'host':
        return facts.hosts.includes(ref.name) || unknown('host', ref.name, [...facts.hosts]);
      case 'pod':
        return (
          state.pod(ref.namespace, ref.name) !== undefined ||
          unknown('pod', podKey(ref.namespace, ref.name), keys(state.podNames()))
        );
      case 'deploy':
      case 'sts': {
        const kind = ref.kind === 'deploy' ? 'Deployment' : 'StatefulSet';
        return (
          state.workload(kind, ref.namespace, ref.name) !== undefined ||
          unknown(
            ref.kind === 'deploy' ? 'deployment' : 'statefulset',
            podKey(ref.namespace, ref.name),
            keys(state.workloadList(kind)),
          )
        );
      }
      case 'svc':
        return (
          this.service(ref) !== undefined ||
          unknown('service', podKey(ref.namespace, ref.name), keys(state.serviceList()))
        );
      case 'ip':
      case 'dns':
        return true;
    }
  }

  /** Where a step starts: a machine that exists, without a port; an address must belong to one. */
  from(ref: Ref, path: readonly PathKey[]): void {
    if (ref.kind === 'svc') this.report(path, { code: 'not_a_source', ref: ref.text });
    else if (ref.kind === 'dns') this.report(path, { code: 'dns_name', ref: ref.text, misuse: 'from' });
    else if (this.portless(ref, path, 'from') && this.exists(ref, path) && ref.kind === 'ip') {
      const { addresses } = this.facts;
      if (addresses.size > 0 && !addresses.has(ref.ip))
        this.report(path, { code: 'unowned_address', ip: formatIp4(ref.ip) });
    }
  }

  portless(ref: Ref, path: readonly PathKey[], use: PortlessUse): boolean {
    if (ref.port === undefined) return true;
    this.report(path, { code: 'unexpected_port', ref: ref.text, use });
    return false;
  }

  /** A Service as a destination must have an address of its own. */
  private addressed(ref: Ref, path: readonly PathKey[]): ServiceFact | undefined {
    if (ref.kind !== 'svc') return undefined;
    const svc = this.service(ref);
    if (svc?.type === 'ExternalName' || svc?.headless === true) {
      const reason = svc.type === 'ExternalName' ? 'external_name' : 'headless';
      this.report(path, { code: 'no_cluster_ip', ref: refBase(ref), reason });
    }
    return svc;
  }

  /**
   * A DNS name as a destination: the cluster must run CoreDNS, and the step must start on a pod (only
   * pods get the cluster DNS resolv.conf). Where names are not resolved, `misuse` says so.
   */
  private dnsTarget(ref: Ref, from: Ref | undefined, path: readonly PathKey[]): boolean {
    if (ref.kind !== 'dns') return true;
    const misuse =
      from === undefined
        ? 'expect'
        : !this.state.dns
          ? 'no_coredns'
          : from.kind === 'pod' || from.kind === 'deploy' || from.kind === 'sts'
            ? undefined
            : 'source';
    if (misuse !== undefined) this.report(path, { code: 'dns_name', ref: ref.text, misuse });
    return misuse === undefined;
  }

  /** The `to` of ping and traceroute: an address (ping also takes a DNS name), without a port. */
  icmpTarget(ref: Ref, path: readonly PathKey[], from: Ref, action: 'ping' | 'traceroute'): void {
    if (ref.kind === 'dns' && action === 'traceroute') {
      this.report(path, { code: 'dns_name', ref: ref.text, misuse: 'traceroute' });
      return;
    }
    if (this.portless(ref, path, 'icmp') && this.exists(ref, path) && this.dnsTarget(ref, from, path))
      this.addressed(ref, path);
  }

  /**
   * The port and protocol `to` names: for a step, with the step's protocol (`action`), and a port is
   * required; for an expectation (`action` undefined) a port is optional and its protocol is the one
   * the named port has (TCP for a bare number). undefined when there is none, or after an issue.
   */
  transport(
    ref: Ref,
    path: readonly PathKey[],
    action: Connect | undefined,
    from?: Ref,
  ): ProbeTransport | undefined {
    if (!this.exists(ref, path) || !this.dnsTarget(ref, from, path)) return undefined;
    const want = action === undefined ? undefined : PROTOCOL[action];
    // curl's default port; nc needs one.
    if (ref.kind === 'dns' && ref.port === undefined && action === 'http')
      return { protocol: 'TCP', port: 80 };
    const svc = this.addressed(ref, path);
    if (ref.kind === 'svc') {
      if (svc === undefined || svc.type === 'ExternalName' || svc.headless) return undefined;
      const ports = svc.ports.map((p) => ({ name: p.name, number: p.port, protocol: p.protocol }));
      if (ref.port === undefined && action !== undefined && ports.length !== 1) {
        const labels = ports.map((p) => portLabel(p.name, p.number, p.protocol));
        this.report(path, { code: 'port_required', ref: ref.text, ports: labels });
        return undefined;
      }
      if (ref.port === undefined && action === undefined) return undefined;
      return this.pick(ref, path, ports, ref.port ?? ports[0]?.number ?? 0, action);
    }
    if (ref.port === undefined) {
      if (action !== undefined) this.report(path, { code: 'port_required', ref: ref.text, ports: [] });
      return undefined;
    }
    if (ref.kind !== 'pod' && ref.kind !== 'deploy' && ref.kind !== 'sts')
      return { protocol: want ?? 'TCP', port: ref.port };
    const declared = this.state.portsOf(ref.kind, ref.namespace, ref.name).map((p) => ({
      name: p.name,
      number: p.containerPort,
      protocol: p.protocol,
    }));
    if (typeof ref.port === 'number') {
      const udpOnly =
        declared.some((p) => p.number === ref.port && p.protocol === 'UDP') &&
        !declared.some((p) => p.number === ref.port && p.protocol === 'TCP');
      return { protocol: want ?? (udpOnly ? 'UDP' : 'TCP'), port: ref.port };
    }
    return this.pick(
      ref,
      path,
      declared.filter((p) => p.name !== undefined),
      ref.port,
      action,
    );
  }

  /** The port of `ports` that `port` (a number or a name) names, in the protocol `action` needs. */
  private pick(
    ref: Ref,
    path: readonly PathKey[],
    ports: readonly { name: string | undefined; number: number; protocol: PortProtocol }[],
    port: number | string,
    action: Connect | undefined,
  ): ProbeTransport | undefined {
    const matches = ports.filter((p) => (typeof port === 'number' ? p.number === port : p.name === port));
    if (matches.length === 0) {
      const known = ports.map((p) => portLabel(p.name, p.number, p.protocol));
      this.report(path, { code: 'unknown_port', ref: refBase(ref), port: String(port), known });
      return undefined;
    }
    const want = action === undefined ? undefined : PROTOCOL[action];
    const chosen = matches.find((p) => p.protocol === (want ?? 'TCP')) ?? matches[0];
    if (chosen === undefined) return undefined;
    if (action !== undefined && chosen.protocol !== want) {
      const { number, protocol } = chosen;
      this.report(path, { code: 'port_protocol', ref: refBase(ref), port: number, protocol, action });
      return undefined;
    }
    return { protocol: chosen.protocol, port: chosen.number };
  }
}

/** Checks references in a schema-valid Scenario document; `ok` only if all of them resolve. */
export function checkScenario(
  doc: ScenarioDocument,
  facts: ClusterFacts,
  objects: ScenarioObjects = { pods: [], services: [] },
  applied: ReadonlyMap<number, AppliedManifest> = new Map(),
): { readonly scenario: ScenarioSpec | undefined; readonly issues: readonly IssueDraft[] } {
  const c = new RefChecker(facts, new ScenarioState(objects));
  const spec = doc.spec;
  const unknownNode = (node: string, path: readonly PathKey[]): void => {
    if (!facts.nodes.includes(node))
      c.report(path, { code: 'unknown_reference', kind: 'node', name: node, known: facts.nodes });
  };
  const ops = { nodes: facts.nodes, state: c.state, report: c.report.bind(c) };

  const checkStep = (step: StepDocument, i: number): Step[] => {
    const path = ['spec', 'steps', i];
    const atNs = step.at;
    const operation = checkOperation(step, path, ops, applied.get(i));
    if (operation !== undefined) return operation;
    if (step.ping !== undefined) {
      const p = step.ping;
      c.from(p.from, [...path, 'ping', 'from']);
      c.icmpTarget(p.to, [...path, 'ping', 'to'], p.from, 'ping');
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
      c.from(t.from, [...path, 'traceroute', 'from']);
      c.icmpTarget(t.to, [...path, 'traceroute', 'to'], t.from, 'traceroute');
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
    const action: Connect | undefined =
      step.http !== undefined
        ? 'http'
        : step.tcp !== undefined
          ? 'tcp'
          : step.udp !== undefined
            ? 'udp'
            : undefined;
    const request = action === undefined ? undefined : step[action];
    if (action !== undefined && request !== undefined) {
      c.from(request.from, [...path, action, 'from']);
      const target = c.transport(request.to, [...path, action, 'to'], action, request.from);
      if (target === undefined) return [];
      const { from, to, count } = request;
      return [
        {
          action,
          atNs,
          from,
          to,
          port: target.port,
          count,
          intervalNs: request.interval,
          timeoutNs: request.timeout,
        },
      ];
    }
    if (step.join !== undefined) {
      unknownNode(step.join.node, [...path, 'join', 'node']);
      return [{ action: 'joinNode', atNs, node: step.join.node }];
    }
    const link = step.linkDown !== undefined ? 'linkDown' : 'linkUp';
    const node = (step.linkDown ?? step.linkUp)?.node ?? '';
    unknownNode(node, [...path, link, 'node']);
    return [{ action: link, atNs, node }];
  };

  // In time order (file order among equal times), so each step sees what the earlier ones did; the
  // timeline keeps file order.
  const order = spec.steps
    .map((_, i) => i)
    .sort((a, b) => (spec.steps[a]?.at ?? 0) - (spec.steps[b]?.at ?? 0) || a - b);
  const checked = new Map<number, Step[]>();
  for (const i of order) {
    const step = spec.steps[i];
    if (step !== undefined) checked.set(i, checkStep(step, i));
  }
  const steps = spec.steps.flatMap((_, i) => checked.get(i) ?? []);

  const expectations = spec.expect.flatMap((e, i): Expectation[] => {
    const kind = e.reachable !== undefined ? 'reachable' : 'unreachable';
    const pair = e.reachable ?? e.unreachable;
    if (pair === undefined) return [];
    const path = ['spec', 'expect', i, kind];
    c.from(pair.from, [...path, 'from']);
    const transport = c.transport(pair.to, [...path, 'to'], undefined);
    return [{ kind, from: pair.from, to: pair.to, ...(transport !== undefined ? { transport } : {}) }];
  });

  const capture = checkCapture(spec, facts, (path, detail) => c.report(path, detail));
  if (c.issues.length > 0) return { scenario: undefined, issues: c.issues };
  return { scenario: { capture, steps, expectations }, issues: [] };
}

function checkCapture(
  spec: Spec,
  facts: ClusterFacts,
  report: (p: readonly PathKey[], d: IssueDetail) => void,
): CaptureSpec {
  if (spec.capture === 'all' || spec.capture === 'none') return { kind: spec.capture };
  const owners = [...facts.nodes, ...facts.routers, ...facts.hosts, ...facts.segments];
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
