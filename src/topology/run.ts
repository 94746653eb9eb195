import { Ping, type PingResult, Traceroute } from '../apps/index.js';
import type { FlannelLogLine } from '../flannel/index.js';
import { type RunOutcome, SECOND } from '../sim/index.js';
import { formatIp4 } from '../wire/index.js';
import type { Cluster } from './build.js';
import { resolveFrom, resolveTo } from './resolve.js';
import { connectStep, probeTransport } from './run-connect.js';
import { operationStep } from './run-ops.js';
import type { ExpectationReport, StepReport } from './run-report.js';
import type { Expectation, NodeStep, OperationStep, PingStep, Ref, Step, TracerouteStep } from './types.js';

export type { ExpectationReport, StepReport };

export interface RunReport {
  readonly seed: number;
  readonly outcome: RunOutcome;
  readonly endNs: number;
  readonly events: number;
  /** Pods whose sandbox has no network (CNI ADD failed), with the event message, as at the start. */
  readonly podProblems: readonly PodProblem[];
  readonly steps: readonly StepReport[];
  readonly expectations: readonly ExpectationReport[];
  /** flanneld's errors and warnings over the whole run (route refused, ip-masq not modelled, …). */
  readonly flannel: readonly FlannelLogLine[];
}

/** A pod stuck before Running, as `kubectl describe pod` would show it. */
export interface PodProblem {
  readonly pod: string;
  readonly node: string;
  readonly status: string;
  readonly message: string;
}

export interface RunScenarioOptions {
  /** Stop the timeline here (ns); expectations are still probed afterwards. */
  readonly untilNs?: number;
  /** Abort when this many events ran without the model going idle (exit code 3). */
  readonly maxEvents?: number;
  /** Probe the expectations after the timeline (default true); `show` leaves the state as the steps left it. */
  readonly expectations?: boolean;
}

/** How long an expectation probe waits for its echo reply: longer than ARP's 3 s give-up. */
const PROBE_WAIT_NS = 5 * SECOND;
const DEFAULT_MAX_EVENTS = 50_000_000;

/**
 * Plays the scenario on a built cluster: schedules every step at its time, runs the simulator until idle
 * (or `untilNs`), then probes each expectation with a one-packet ping, one after another.
 */
export function runScenario(cluster: Cluster, options: RunScenarioOptions = {}): RunReport {
  const { sim, topology } = cluster;
  const podProblems: PodProblem[] = [...cluster.pods.entries()].flatMap(([key, p]) =>
    p.status.phase === 'Running'
      ? []
      : [
          {
            pod: key,
            node: p.node,
            status: p.status.reason ?? p.status.phase,
            message: p.status.message ?? '',
          },
        ],
  );
  const reports: Array<StepReport | undefined> = topology.scenario.steps.map(() => undefined);
  topology.scenario.steps.forEach((step, i) => {
    sim.at(
      step.atNs,
      () => {
        reports[i] = startStep(cluster, step);
      },
      undefined,
    );
  });
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  const r = sim.run({ ...(options.untilNs !== undefined ? { until: options.untilNs } : {}), maxEvents });
  let events = r.events;
  const expectations: ExpectationReport[] = [];
  // Expectations are probed from the state the whole timeline leaves; a run cut short by `untilNs`
  // (outcome 'until') has pending steps that must not run now, so it checks none.
  if (r.outcome === 'idle' && options.expectations !== false) {
    for (const e of topology.scenario.expectations) {
      const { report, events: n } = probe(cluster, e, maxEvents);
      events += n;
      expectations.push(report);
    }
  }
  return {
    seed: sim.seed,
    outcome: r.outcome,
    endNs: sim.now,
    events,
    podProblems,
    steps: reports.flatMap((rep) => (rep === undefined ? [] : [rep])),
    expectations,
    flannel: cluster.flannelLog.problems(),
  };
}

const NOT_OPERATIONS: ReadonlySet<string> = new Set([
  'ping',
  'traceroute',
  'http',
  'tcp',
  'udp',
  'linkDown',
  'linkUp',
  'deleteNode',
  'joinNode',
]);

function isOperation(step: Step): step is OperationStep {
  return !NOT_OPERATIONS.has(step.action);
}

function startStep(cluster: Cluster, step: Step): StepReport {
  const now = cluster.sim.now;
  if (step.action === 'deleteNode' || step.action === 'joinNode') return nodeMembership(cluster, step, now);
  if (step.action === 'http' || step.action === 'tcp' || step.action === 'udp')
    return connectStep(cluster, step, now);
  if (step.action === 'linkDown' || step.action === 'linkUp') {
    const host = cluster.nodes.get(step.node);
    const up = step.action === 'linkUp';
    host?.ns.setLinkUp('eth0', up);
    return {
      step,
      host: step.node,
      command: `ip link set eth0 ${up ? 'up' : 'down'}`,
      startNs: now,
      lines: [],
    };
  }
  if (isOperation(step)) return operationStep(cluster, step, now);
  if (step.action !== 'ping' && step.action !== 'traceroute') throw new Error(`unknown step ${step.action}`);
  const from = resolveFrom(cluster, step.from);
  const dst = resolveTo(cluster, step.to, from?.ns);
  const command = step.action === 'ping' ? pingCommand(step, dst) : tracerouteCommand(step, dst);
  if (from === undefined || dst === undefined) {
    const why = from === undefined ? refText(step.from) : refText(step.to);
    return {
      step,
      host: from?.name,
      command,
      startNs: now,
      lines: [{ atNs: now, text: `podwire: cannot resolve ${why}` }],
    };
  }
  if (step.action === 'ping') {
    const app = new Ping(from.ns, {
      dst,
      count: step.count,
      intervalNs: step.intervalNs,
      size: step.size,
      ttl: step.ttl,
      pmtudisc: step.df === undefined ? 'want' : step.df ? 'do' : 'dont',
      lingerNs: step.waitNs,
    });
    app.start();
    return {
      step,
      host: from.name,
      command,
      startNs: now,
      get lines() {
        return app.result().lines;
      },
      get ping() {
        return app.result();
      },
    };
  }
  const app = new Traceroute(from.ns, {
    dst,
    queries: step.queries,
    maxHops: step.maxHops,
    proto: step.proto,
    waitNs: step.waitNs,
  });
  app.start();
  return {
    step,
    host: from.name,
    command,
    startNs: now,
    get lines() {
      return app.result().lines;
    },
    get traceroute() {
      return app.result();
    },
  };
}

/**
 * `kubectl delete node`: the Node object goes, so every other flanneld gets EventRemoved for its lease.
 * `kubeadm join` on a deleted node: the kubelet registers it again and its flanneld re-annotates it, so
 * every other flanneld programs it again (same podCIDR and VTEP MAC, kept in its annotations).
 */
function nodeMembership(cluster: Cluster, step: NodeStep, now: number): StepReport {
  const { node } = step;
  const flanneld = cluster.nodes.get(node)?.flanneld;
  if (step.action === 'deleteNode') {
    const gone = cluster.flannel.leave(node);
    return {
      step,
      host: undefined,
      command: `kubectl delete node ${node}`,
      startNs: now,
      lines: [
        gone
          ? { atNs: now, text: `node "${node}" deleted` }
          : { atNs: now, text: `Error from server (NotFound): nodes "${node}" not found`, stderr: true },
      ],
    };
  }
  const command = 'kubeadm join';
  if (flanneld === undefined || cluster.flannel.has(node)) {
    const text = `error execution phase kubelet-start: a Node with name "${node}" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node`;
    return { step, host: node, command, startNs: now, lines: [{ atNs: now, text, stderr: true }] };
  }
  cluster.flannel.join(flanneld);
  return {
    step,
    host: node,
    command,
    startNs: now,
    lines: [
      'This node has joined the cluster:',
      '* Certificate signing request was sent to apiserver and a response was received.',
      '* The Kubelet was informed of the new secure connection details.',
    ].map((text) => ({ atNs: now, text })),
  };
}

/** One echo request from `from` to `to`; held when a reply comes back (or none does, for `unreachable`). */
function probe(
  cluster: Cluster,
  e: Expectation,
  maxEvents: number,
): { report: ExpectationReport; events: number } {
  const from = resolveFrom(cluster, e.from);
  const dst = resolveTo(cluster, e.to, from?.ns);
  if (from === undefined || dst === undefined) {
    return {
      report: {
        expectation: e,
        held: false,
        detail: `cannot resolve ${from === undefined ? refText(e.from) : refText(e.to)}`,
      },
      events: 0,
    };
  }
  if (e.transport !== undefined)
    return probeTransport(cluster, e, from.ns, dst, e.transport, maxEvents, PROBE_WAIT_NS);
  let result: PingResult | undefined;
  const app = new Ping(
    from.ns,
    { dst, count: 1, intervalNs: SECOND, size: 56, ttl: 64, pmtudisc: 'want', lingerNs: PROBE_WAIT_NS },
    (r) => {
      result = r;
    },
  );
  app.start();
  const r = cluster.sim.run({ maxEvents });
  const res = result ?? app.result();
  const replied = res.received > 0;
  const held = e.kind === 'reachable' ? replied : !replied;
  const last = res.lines.find(
    (l) => l.text.includes('bytes from') || l.text.startsWith('From ') || l.text.startsWith('ping:'),
  );
  const detail = replied ? `reply ttl=${res.ttls[0]}` : (last?.text ?? 'no reply');
  return { report: { expectation: e, held, detail }, events: r.events };
}

function pingCommand(s: PingStep, dst: number | undefined): string {
  const parts = ['ping', '-c', String(s.count)];
  if (s.intervalNs !== SECOND) parts.push('-i', String(s.intervalNs / SECOND));
  if (s.size !== 56) parts.push('-s', String(s.size));
  if (s.ttl !== 64) parts.push('-t', String(s.ttl));
  if (s.df !== undefined) parts.push('-M', s.df ? 'do' : 'dont');
  if (s.waitNs !== 10 * SECOND) parts.push('-W', String(s.waitNs / SECOND));
  parts.push(dst === undefined ? refText(s.to) : formatIp4(dst));
  return parts.join(' ');
}

function tracerouteCommand(s: TracerouteStep, dst: number | undefined): string {
  const parts = ['traceroute', '-n'];
  if (s.proto === 'icmp') parts.push('-I');
  if (s.queries !== 3) parts.push('-q', String(s.queries));
  if (s.maxHops !== 30) parts.push('-m', String(s.maxHops));
  parts.push(dst === undefined ? refText(s.to) : formatIp4(dst));
  return parts.join(' ');
}

function refText(r: Ref): string {
  return r.text;
}
