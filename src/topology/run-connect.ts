/**
 * The scenario's TCP/UDP parts: `http`/`tcp`/`udp` steps (curl or nc in a loop, one connection per
 * request, reporting which backend pod answered) and expectations with a port (one request each).
 */

import {
  type AppLine,
  httpRun,
  podResolvConf,
  type RequestResult,
  type RequestRun,
  type ResolveResult,
  requestMessage,
  resolveHost,
} from '../apps/index.js';
import type { NetNs } from '../net/index.js';
import { formatIp4 } from '../wire/index.js';
import type { Cluster } from './build.js';
import { kubeDnsClusterIP } from './coredns-manifests.js';
import { resolveFrom, resolveTo } from './resolve.js';
import type { ExpectationReport, StepReport } from './run-report.js';
import type { ConnectStep, Expectation, ProbeTransport } from './types.js';

/**
 * `http`/`tcp`/`udp`: `count` requests, one connection each, as `curl` / `nc` in a loop; the step's lines
 * are what the client printed per request, then which backend pod answered how many.
 */
export function connectStep(cluster: Cluster, step: ConnectStep, now: number): StepReport {
  if (step.to.kind === 'dns') return dnsConnectStep(cluster, step, step.to.name, now);
  const from = resolveFrom(cluster, step.from);
  const dst = resolveTo(cluster, step.to, from?.ns);
  const command = connectCommand(step, dst);
  if (from === undefined || dst === undefined) {
    const why = from === undefined ? step.from.text : step.to.text;
    const text = `podwire: cannot resolve ${why}`;
    return { step, host: from?.name, command, startNs: now, lines: [{ atNs: now, text }] };
  }
  const run = startRequests(from.ns, dst, step);
  return {
    step,
    host: from.name,
    command,
    startNs: now,
    get lines() {
      return runLines(run, cluster.sim.now);
    },
    get requests() {
      return run.result().requests;
    },
  };
}

/** The step's requests from `from` to `dst`, as curl / nc in a loop. */
function startRequests(from: NetNs, dst: number, step: ConnectStep): RequestRun {
  return httpRun({
    from,
    to: dst,
    port: step.port,
    proto: step.action,
    count: step.count,
    intervalNs: step.intervalNs,
    timeoutNs: step.timeoutNs,
  });
}

/** What the client printed so far; once done, who answered how many. */
function runLines(run: RequestRun, now: number): readonly AppLine[] {
  const r = run.result();
  return r.done ? [...r.lines, ...backendSummary(r.requests, now)] : r.lines;
}

/**
 * A connect step to a DNS name: the client's resolver first asks the cluster DNS (the pod's
 * resolv.conf: kube-dns, its namespace's search path, ndots 5) on the wire, then the requests go to the
 * first address. (curl in a loop would resolve once per invocation; the step resolves once.)
 */
function dnsConnectStep(cluster: Cluster, step: ConnectStep, name: string, now: number): StepReport {
  const from = resolveFrom(cluster, step.from);
  const namespace =
    step.from.kind === 'pod' || step.from.kind === 'deploy' || step.from.kind === 'sts'
      ? step.from.namespace
      : 'default';
  const command = connectCommand(step, undefined);
  if (from === undefined) {
    const text = `podwire: cannot resolve ${step.from.text}`;
    return { step, host: undefined, command, startNs: now, lines: [{ atNs: now, text }] };
  }
  const conf = podResolvConf(namespace, kubeDnsClusterIP(cluster.topology.network.serviceCIDR));
  let resolved: ResolveResult | undefined;
  let run: RequestRun | undefined;
  resolveHost(from.ns, name, conf, (r) => {
    resolved = r;
    const dst = r.addresses[0];
    if (r.ok && dst !== undefined) run = startRequests(from.ns, dst, step);
  });
  return {
    step,
    host: from.name,
    command,
    startNs: now,
    get lines() {
      const r = resolved;
      if (r === undefined) return [];
      const head: AppLine[] = [
        {
          atNs: r.endNs,
          text: r.ok
            ? `# ${name} → ${r.canonicalName ?? name} ${r.addresses.map(formatIp4).join(' ')} (${r.queries.length} DNS queries)`
            : `# ${name}: ${r.queries.length} DNS queries, no address`,
        },
        ...r.lines.map((text): AppLine => ({ atNs: r.endNs, text, stderr: true })),
      ];
      return run === undefined ? head : [...head, ...runLines(run, cluster.sim.now)];
    },
    get requests() {
      return run?.result().requests ?? [];
    },
  };
}

/** `answered by: web-a 7, web-b 6 (2 failed)`: who served the run's requests. */
function backendSummary(requests: readonly RequestResult[], atNs: number): AppLine[] {
  const count = new Map<string, number>();
  let failed = 0;
  for (const r of requests) {
    if (r.ok) count.set(r.answer.pod, (count.get(r.answer.pod) ?? 0) + 1);
    else failed++;
  }
  const parts = [...count].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([pod, n]) => `${pod} ${n}`);
  const tail = failed > 0 ? ` (${failed} failed)` : '';
  return [{ atNs, text: `# answered by: ${parts.length > 0 ? parts.join(', ') : 'none'}${tail}` }];
}

function connectCommand(step: ConnectStep, dst: number | undefined): string {
  const host = dst === undefined ? step.to.text : formatIp4(dst);
  const one =
    step.action === 'http'
      ? `curl -s http://${host}${step.port === 80 ? '' : `:${step.port}`}/`
      : `nc ${step.action === 'udp' ? '-u ' : ''}${host} ${step.port}`;
  return step.count === 1 ? one : `for i in $(seq ${step.count}); do ${one}; done`;
}

/** One TCP connection (or UDP request) to the port; held when the responder answers (or does not). */
export function probeTransport(
  cluster: Cluster,
  e: Expectation,
  from: NetNs,
  dst: number,
  t: ProbeTransport,
  maxEvents: number,
  waitNs: number,
): { report: ExpectationReport; events: number } {
  const run = httpRun({
    from,
    to: dst,
    port: t.port,
    proto: t.protocol === 'UDP' ? 'udp' : 'tcp',
    timeoutNs: waitNs,
  });
  const r = cluster.sim.run({ maxEvents });
  const res = run.result().requests[0];
  const answered = res?.ok === true;
  const held = e.kind === 'reachable' ? answered : !answered;
  const detail =
    res === undefined ? 'no answer' : res.ok ? `answered by ${res.answer.pod}` : requestMessage(res);
  return { report: { expectation: e, held, detail }, events: r.events };
}
