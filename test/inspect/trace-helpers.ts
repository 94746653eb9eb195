/** Shared by the `podwire trace` tests: trace a packet in a fixture, and read a trace as short lines. */
import { fileURLToPath } from 'node:url';
import { type TraceReport, type TraceStep, traceFlow } from '../../src/inspect/index.js';
import { Veth } from '../../src/net/index.js';
import { parseDuration } from '../../src/sim/index.js';
import {
  buildCluster,
  type Cluster,
  loadTopologyFile,
  parseRef,
  resolveFrom,
  resolveTo,
  runScenario,
} from '../../src/topology/index.js';

/** 2 racks + router, node1 (pa, pb) and node2 (pc) on rack1, node3 (pd) on rack2; flannel vxlan. */
export const TRACE_VXLAN: string = fileURLToPath(new URL('../fixtures/trace-vxlan.yaml', import.meta.url));
/** topologies/services.yaml: Services web (3 endpoints), web-np (NodePort 30080), ghost (none), host laptop. */
export const SERVICES: string = fileURLToPath(new URL('../../topologies/services.yaml', import.meta.url));
/** One rack, node1 (pa) and node2 (pb); flannel host-gw. */
export const TRACE_HOST_GW: string = fileURLToPath(
  new URL('../fixtures/trace-host-gw.yaml', import.meta.url),
);

export interface TraceIn {
  /** Simulated time to send at (`--at`); default: when the scenario is over. */
  readonly at?: string;
  readonly proto?: 'icmp' | 'udp' | 'tcp';
  readonly port?: number;
}

/** Builds FILE, plays its scenario (to `at`), and traces one packet from `from` to `to`, as the CLI does. */
export function traceIn(
  file: string,
  from: string,
  to: string,
  options: TraceIn = {},
): { readonly cluster: Cluster; readonly report: TraceReport } {
  const loaded = loadTopologyFile(file);
  if (!loaded.ok) throw new Error(`${file} did not load`);
  const cluster = buildCluster(loaded.topology);
  const untilNs = options.at === undefined ? undefined : parseDuration(options.at);
  // The scenario without the expectation probes, as `show` and `trace` play a file.
  runScenario(cluster, { expectations: false, ...(untilNs === undefined ? {} : { untilNs }) });
  const fromRef = parseRef(from);
  const toRef = parseRef(to);
  if (!fromRef.ok || !toRef.ok) throw new Error(`bad reference ${from} or ${to}`);
  const origin = resolveFrom(cluster, fromRef.ref);
  if (origin === undefined) throw new Error(`${from} names nothing`);
  const dst = resolveTo(cluster, toRef.ref, origin.ns);
  if (dst === undefined) throw new Error(`${to} names nothing`);
  const report = traceFlow(cluster, {
    from,
    to,
    origin: origin.ns,
    dst,
    ...(options.proto !== undefined ? { proto: options.proto } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  return { cluster, report };
}

/** One step as a short line: `HOST KIND detail`, `(outer)` at the end for the carrier's steps. */
export function stepLine(s: TraceStep): string {
  const outer = s.outer ? ' (outer)' : '';
  return `${s.host} ${detail(s)}${outer}`;
}

function detail(s: TraceStep): string {
  switch (s.kind) {
    case 'receive':
      return `receive ${s.dev}${s.bridge === null ? '' : ` @${s.bridge}`}`;
    case 'send':
      return `send ${s.dev}`;
    case 'switch':
      return `switch ${s.direction} ${s.dev}`;
    case 'route':
      return `route ${s.table} ${s.route ?? 'none'}`;
    case 'forward':
      return `forward ${s.outDev} ttl ${s.ttlBefore}>${s.ttlAfter}`;
    case 'neigh':
      return `neigh ${s.address} ${s.state}${s.lladdr === null ? '' : ` ${s.lladdr}`} ${s.action}`;
    case 'neigh-resolved':
      return `neigh-resolved ${s.address} ${s.lladdr}`;
    case 'bridge-fdb':
      return `bridge-fdb ${s.mac} ${s.verdict}${s.port === null ? '' : ` ${s.port}`}`;
    case 'vxlan-fdb':
      return `vxlan-fdb ${s.mac} ${s.remote ?? 'miss'}`;
    case 'encap':
      return `encap vni ${s.vni} ${s.outerSrc}:${s.srcPort} > ${s.outerDst}:${s.dstPort} udp ${s.udpLength} ip ${s.ipLength} ttl ${s.ttl} df ${s.df}`;
    case 'decap':
      return `decap vni ${s.vni} from ${s.outerSrc}${s.drop === null ? '' : ` drop ${s.drop}`}`;
    case 'proxy':
      return `proxy ${s.program} ${s.action}${s.peer === null ? '' : ` ${s.subnet} at ${s.peer}`} ttl ${s.ttlBefore}`;
    case 'deliver':
      return `deliver ${s.to}${s.port === null ? '' : ` ${s.port}`} ttl ${s.ttl}`;
    case 'icmp-error':
      return `icmp-error ${s.type}/${s.code}${s.suppressed === null ? ' sent' : ` not sent: ${s.suppressed}`}`;
    case 'drop':
      return `drop ${s.reason} ${s.counter}`;
    case 'nf-hook':
      return `nf-hook ${s.hook} ${s.verdict}${s.reason === null ? '' : ` ${s.reason}`}`;
    case 'nf-rule':
      return `nf-rule ${s.table} ${s.chain} #${s.num} ${s.rule}`;
    case 'nf-policy':
      return `nf-policy ${s.table} ${s.chain} ${s.policy}`;
    case 'conntrack':
      return `conntrack ${s.hook} ${s.state}${s.replyDir ? ' reply' : ''}`;
    case 'nat':
      return `nat ${s.hook} ${s.direction} ${s.target ?? '-'} ${s.manip} ${s.from} > ${s.to}`;
  }
}

/** The kinds of netfilter's steps. */
const NF_KINDS: ReadonlySet<TraceStep['kind']> = new Set([
  'nf-hook',
  'nf-rule',
  'nf-policy',
  'conntrack',
  'nat',
]);

/** Whether a step is netfilter's (a hook run, a rule, a policy, conntrack or NAT). */
export function isNetfilter(s: TraceStep): boolean {
  return NF_KINDS.has(s.kind);
}

/** Every step of one packet of the report (0 the request, 1 the reply) as `stepLine`s. */
export function lines(report: TraceReport, packet: 0 | 1): string[] {
  return (report.packets[packet]?.hops ?? []).flatMap((h) => h.steps.map(stepLine));
}

/** The steps of one packet that are not netfilter's, as `stepLine`s: the datapath without iptables. */
export function pathLines(report: TraceReport, packet: 0 | 1): string[] {
  return (report.packets[packet]?.hops ?? []).flatMap((h) =>
    h.steps.filter((s) => !isNetfilter(s)).map(stepLine),
  );
}

/** Each netfilter hook run of one packet: `HOST HOOK verdict`, `(outer)` for the carrier's. */
export function hookRuns(report: TraceReport, packet: 0 | 1): string[] {
  return steps(report, packet).flatMap((s) =>
    s.kind === 'nf-hook' ? [`${s.host} ${s.hook} ${s.verdict}${s.outer ? ' (outer)' : ''}`] : [],
  );
}

/** Every step of one packet, in order. */
export function steps(report: TraceReport, packet: 0 | 1): TraceStep[] {
  return (report.packets[packet]?.hops ?? []).flatMap((h) => h.steps);
}

/** The rules one host matched for the packet itself (not its carrier), as `TABLE CHAIN #N RULE`. */
export function rulesOn(report: TraceReport, packet: 0 | 1, host: string): string[] {
  return steps(report, packet).flatMap((s) =>
    s.kind === 'nf-rule' && s.host === host && !s.outer ? [`${s.table} ${s.chain} #${s.num} ${s.rule}`] : [],
  );
}

/** Netfilter's steps of one packet, as `stepLine`s. */
export function nfLines(report: TraceReport, packet: 0 | 1): string[] {
  return (report.packets[packet]?.hops ?? []).flatMap((h) => h.steps.filter(isNetfilter).map(stepLine));
}

/** The hosts a packet went through, in order (one per hop). */
export function hosts(report: TraceReport, packet: 0 | 1): string[] {
  return (report.packets[packet]?.hops ?? []).map((h) => h.host);
}

/** The host-side veth of a pod: the node's device whose peer is the pod's eth0. */
export function podVeth(cluster: Cluster, pod: string): string {
  const p = cluster.pods.get(`default/${pod}`);
  const node = p === undefined ? undefined : cluster.nodes.get(p.node);
  const eth0 = p?.netns.deviceByName('eth0');
  const veth = node?.ns.devices().find((d) => d instanceof Veth && d.peer === eth0);
  if (veth === undefined) throw new Error(`no veth for pod ${pod}`);
  return veth.name;
}
