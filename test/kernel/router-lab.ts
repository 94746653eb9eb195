/**
 * The reference "two segments + router" fabric, built with network namespaces, and the observations the
 * simulator must reproduce (see router-lab.yaml for the same fabric as a podwire topology).
 *
 *   rack1 192.168.56.0/24                          rack2 192.168.57.0/24
 *   node1 .11 ─┐                                  ┌─ node3 .11
 *   node2 .12 ─┼─ [bridge rack1] ── router ── [bridge rack2] ─┘
 *              └─ router eth0 .1      router eth1 .1
 *
 * Both bridges live in a namespace of their own (`switch`), so nothing is added to the root namespace.
 * Every host has `eth0` (MTU 1500) and a default route via its segment's .1; the router forwards
 * (ip_forward=1) and has no default route, so 192.168.99.9 is unreachable *at the router*.
 *
 * `RouterObservation` is plain, normalised data (MACs → `<mac:node1/eth0>`, ifindexes →
 * `<ifindex:node1/eth0>`, round-trip times → `<rtt>`, namespace prefixes removed, veth queue counts →
 * `<ncpu>`), so the simulator side (router-sim.ts) can build the same value and the comparison is a deep
 * equality. The `*Observation` helpers below turn raw command output into that data on either side.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab, RunResult } from './netns.js';

export type HostName = 'node1' | 'node2' | 'node3' | 'router';

export interface SegmentSpec {
  readonly name: string;
  readonly cidr: string;
  /** The router's address on this segment, also every host's default gateway. */
  readonly gateway: string;
  readonly prefixLength: number;
}

export interface HostSpec {
  readonly name: Exclude<HostName, 'router'>;
  readonly segment: string;
  readonly ip: string;
}

export const SEGMENTS: readonly SegmentSpec[] = [
  { name: 'rack1', cidr: '192.168.56.0/24', gateway: '192.168.56.1', prefixLength: 24 },
  { name: 'rack2', cidr: '192.168.57.0/24', gateway: '192.168.57.1', prefixLength: 24 },
];

export const HOSTS: readonly HostSpec[] = [
  { name: 'node1', segment: 'rack1', ip: '192.168.56.11' },
  { name: 'node2', segment: 'rack1', ip: '192.168.56.12' },
  { name: 'node3', segment: 'rack2', ip: '192.168.57.11' },
];

/** The namespace holding the segment bridges (the underlay "switch"). */
export const SWITCH_NS = 'switch';
export const MTU = 1500;

/** An address on rack1 nobody owns: ARP fails. */
export const NO_NEIGHBOUR = '192.168.56.99';
/** A second unowned rack1 address, pinged with a short wait that ends before ARP gives up. */
export const NO_NEIGHBOUR_SHORT_WAIT = '192.168.56.98';
/** Not routed by the router (no default route there): ICMP net unreachable from 192.168.56.1. */
export const UNROUTED = '192.168.99.9';

/** The (from, to) pairs observed with `ip route get`, ping and traceroute, in this order. */
export const PATHS: readonly { readonly from: HostName; readonly to: string }[] = [
  { from: 'node1', to: '192.168.56.12' },
  { from: 'node1', to: '192.168.57.11' },
  { from: 'node3', to: '192.168.56.11' },
  { from: 'node1', to: '192.168.57.1' },
  { from: 'node1', to: UNROUTED },
];

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** One command's output. Lines are split on '\n' with the final newline removed (blank lines kept). */
export interface CommandOutput {
  /** The command line as run inside the source namespace, e.g. `ping -c 1 -W 1 192.168.57.11`. */
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
}

export interface PingObservation extends CommandOutput {
  /** TTL of the echo reply (`ttl=N`), or null when none arrived. */
  readonly replyTtl: number | null;
  /** The error line, e.g. `From 192.168.56.1 icmp_seq=1 Destination Net Unreachable`, or null. */
  readonly error: string | null;
}

export interface TracerouteObservation extends CommandOutput {
  /** `traceroute to X (X), 30 hops max, 60 byte packets` */
  readonly header: string;
  /** Hop lines as printed (`' 1  192.168.56.1  <rtt> ms'`, `' 1  192.168.56.1  <rtt> ms !N'`, `' 3  *'`). */
  readonly hops: readonly string[];
}

export interface PathObservation {
  readonly from: HostName;
  readonly to: string;
  /** `ip route get TO` in the source namespace. */
  readonly routeGet: CommandOutput;
  /** `ping -c 1 -W 1 TO` */
  readonly ping: PingObservation;
  /** `traceroute -n -q 1 -w 1 TO` */
  readonly traceroute: TracerouteObservation;
}

export interface RouterObservation {
  /** One entry per element of PATHS, same order. */
  readonly paths: readonly PathObservation[];
  /** node1: `ping -c 1 -t 1 192.168.57.11` → Time to live exceeded from the router. */
  readonly pingTtl1: PingObservation;
  /** node1: `ping -c 1 -W 1 192.168.56.98` → gives up before ARP fails: no error line, exit 1. */
  readonly pingNoNeighbourShortWait: PingObservation;
  /** node1: `ping -c 1 -W 5 192.168.56.99` → ARP fails after 3 s: Destination Host Unreachable. */
  readonly pingNoNeighbour: PingObservation;
  /** node1: `ping -c 1 -W 1 -M do -s 1472 192.168.57.11` → 1500-byte packet fits. */
  readonly pingDfFits: PingObservation;
  /** node1: `ping -c 1 -W 1 -M do -s 1473 192.168.57.11` → local error, message too long. */
  readonly pingDfTooBig: PingObservation;
  /** State of node1 after the pings, for the `podwire show` comparison. */
  readonly node1: {
    /** `ip route` */
    readonly routes: CommandOutput;
    /** `ip route show table local` */
    readonly localRoutes: CommandOutput;
    /** `ip -j route` parsed */
    readonly routesJson: JsonValue;
    /** `ip -j route get 192.168.57.11` parsed */
    readonly routeGetJson: JsonValue;
    /** `ip -d link show eth0` */
    readonly link: CommandOutput;
    /**
     * `ip neigh show` lines, sorted: the kernel prints neighbours in hash-bucket order, which depends
     * on a per-boot random seed. Taken after the pings to node2, node3, 192.168.57.1, .98 and .99.
     */
    readonly neighSorted: readonly string[];
  };
}

// ---------------------------------------------------------------------------------------------------
// Normalisation (shared by both sides)

/**
 * What the normaliser needs to know about the fabric the output came from. The kernel side fills it from
 * `ip -j link` of every namespace; the simulator side from its own devices.
 */
export interface NormaliseContext {
  /** Lab-local name of the namespace the output came from (`node1`). */
  readonly ns: string;
  /** `ns/ifname` owning a MAC, e.g. `node1/eth0`. */
  readonly macOwner: (mac: string) => string | undefined;
  /** `ns/ifname` of the other end of a veth, e.g. `switch/rack1-node1` for `node1`,`eth0`. */
  readonly linkPeer: (ns: string, ifname: string) => string | undefined;
  /** A prefix to remove wherever it appears (the kernel lab's namespace prefix; '' for the simulator). */
  readonly nsPrefix: string;
}

const MAC_RE = /\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/g;
const RTT_RE = /(?<=[ =/])\d+\.\d+(?= ms|\/)/g;
const LINK_HEADER_RE = /^(\d+): ([^:@\s]+)(?:@(?:if\d+|NONE))?:/;
const QUEUES_RE = /numtxqueues \d+ numrxqueues \d+/g;

/** Normalises one output line: MACs, ifindexes, round-trip times, namespace prefix, veth queue counts. */
export function normaliseLine(line: string, ctx: NormaliseContext): string {
  let out = ctx.nsPrefix === '' ? line : line.split(ctx.nsPrefix).join('');
  out = out.replace(MAC_RE, (mac) => {
    if (mac === 'ff:ff:ff:ff:ff:ff' || mac === '00:00:00:00:00:00') return mac;
    const owner = ctx.macOwner(mac);
    return owner === undefined ? mac : `<mac:${owner}>`;
  });
  out = out.replace(RTT_RE, '<rtt>');
  out = out.replace(QUEUES_RE, 'numtxqueues <ncpu> numrxqueues <ncpu>');
  out = out.replace(LINK_HEADER_RE, (whole, _index: string, ifname: string) => {
    const peer = ctx.linkPeer(ctx.ns, ifname);
    const self = `<ifindex:${ctx.ns}/${ifname}>: ${ifname}`;
    return whole.includes('@') && peer !== undefined ? `${self}@if<ifindex:${peer}>:` : `${self}:`;
  });
  return out;
}

/** Splits command output into lines: the final newline is dropped, blank lines are kept. */
export function outputLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function commandOutput(command: string, result: RunResult, ctx: NormaliseContext): CommandOutput {
  return {
    command,
    exitCode: result.status,
    stdout: outputLines(result.stdout).map((l) => normaliseLine(l, ctx)),
    stderr: outputLines(result.stderr).map((l) => normaliseLine(l, ctx)),
  };
}

export function pingObservation(command: string, result: RunResult, ctx: NormaliseContext): PingObservation {
  const out = commandOutput(command, result, ctx);
  const ttlMatch = out.stdout.map((l) => /\bttl=(\d+)/.exec(l)).find((m) => m !== null);
  const error = out.stdout.find((l) => /^From \S+ icmp_seq=\d+ /.test(l)) ?? null;
  return { ...out, replyTtl: ttlMatch ? Number(ttlMatch[1]) : null, error };
}

export function tracerouteObservation(
  command: string,
  result: RunResult,
  ctx: NormaliseContext,
): TracerouteObservation {
  const out = commandOutput(command, result, ctx);
  const [header = '', ...hops] = out.stdout;
  return { ...out, header, hops };
}

function parseJson(text: string): JsonValue {
  // JSON.parse only ever produces JSON values.
  const parsed: unknown = JSON.parse(text);
  return parsed as JsonValue;
}

// ---------------------------------------------------------------------------------------------------
// Kernel side

/** Builds the fabric in `lab`. Throws on the first failing command; the caller cleans the lab up. */
export function buildRouterLab(lab: Lab): void {
  // Hosts first, the switch last: MAC placeholders prefer the first owner seen, and a bridge shares its
  // lowest port's MAC.
  for (const ns of ['router', ...HOSTS.map((h) => h.name), SWITCH_NS]) lab.addNs(ns);
  for (const seg of SEGMENTS) lab.bridge(SWITCH_NS, seg.name);

  const plug = (ns: string, ifname: string, segment: string, cidr: string): void => {
    const port = `${segment}-${ns}`;
    lab.veth(ns, ifname, SWITCH_NS, port, { mtu: MTU });
    lab.attach(SWITCH_NS, port, segment);
    lab.addr(ns, ifname, cidr);
  };

  SEGMENTS.forEach((seg, i) => {
    plug('router', `eth${i}`, seg.name, `${seg.gateway}/${seg.prefixLength}`);
  });
  lab.sysctl('router', 'net.ipv4.ip_forward', '1');

  for (const host of HOSTS) {
    const seg = SEGMENTS.find((s) => s.name === host.segment)!;
    plug(host.name, 'eth0', seg.name, `${host.ip}/${seg.prefixLength}`);
    lab.ip(host.name, ['route', 'add', 'default', 'via', seg.gateway, 'dev', 'eth0']);
  }
}

interface IpJsonLink {
  readonly ifname: string;
  readonly address?: string;
  readonly link_type?: string;
}

/** A normalise context per namespace of a kernel lab. */
function kernelContexts(lab: Lab): (ns: string) => NormaliseContext {
  const owners = new Map<string, string>();
  for (const ns of lab.namespaces) {
    const links = JSON.parse(lab.ip(ns, ['-j', 'link', 'show'])) as IpJsonLink[];
    for (const link of links) {
      if (link.link_type !== 'ether' || link.address === undefined) continue;
      if (!owners.has(link.address)) owners.set(link.address, `${ns}/${link.ifname}`);
    }
  }
  const linkPeer = (ns: string, ifname: string): string | undefined => {
    const peer = lab.vethPeer(ns, ifname);
    return peer === undefined ? undefined : `${peer.ns}/${peer.ifname}`;
  };
  return (ns) => ({ ns, macOwner: (mac) => owners.get(mac), linkPeer, nsPrefix: lab.prefix });
}

/**
 * Every ICMP error the router sends to one source address shares a per-peer token bucket: `ip_error()`
 * (no route) costs 1 s of tokens with a 5 s burst, `icmpv4_xrlim_allow()` (icmp_ratelimit=1000 ms, burst
 * ×6) another 1 s per error, refilled at 1 s per second. traceroute fires 16 probes at once, which drains
 * it — observed here: a traceroute to 192.168.99.9 right after other errors printed `*` for all 30 hops.
 * Each observation below that needs a router-generated error therefore starts after this long since the
 * previous one, so it sees the limiter as a fresh router would (a net-unreachable needs 2 s of tokens).
 */
const ROUTER_ICMP_SETTLE_MS = 2500;

/** Optional raw record of what ran, for regenerating OBSERVED.md (see observe.ts). */
export type Transcript = (ns: string, command: string, result: RunResult) => void;

/**
 * Runs the observations on a lab built by buildRouterLab. Takes about 15 s: ARP failure needs 3 s and
 * the router's ICMP rate limiter is given time to refill between error-eliciting probes.
 */
export async function observeKernel(lab: Lab, transcript?: Transcript): Promise<RouterObservation> {
  const contextOf = kernelContexts(lab);
  const ipOf = (name: HostName): string =>
    name === 'router' ? SEGMENTS[0]!.gateway : HOSTS.find((h) => h.name === name)!.ip;
  const raw = (ns: HostName, argv: readonly string[]): [string, RunResult] => {
    const command = argv.join(' ');
    const result = lab.run(ns, argv);
    transcript?.(ns, command, result);
    return [command, result];
  };
  const cmd = (ns: HostName, argv: readonly string[]): CommandOutput =>
    commandOutput(...raw(ns, argv), contextOf(ns));
  const ping = (ns: HostName, argv: readonly string[]): PingObservation =>
    pingObservation(...raw(ns, argv), contextOf(ns));
  const traceroute = (ns: HostName, to: string): TracerouteObservation =>
    tracerouteObservation(...raw(ns, ['traceroute', '-n', '-q', '1', '-w', '1', to]), contextOf(ns));

  // Pacing of probes that make the router send ICMP errors, per source host.
  const lastRouterError = new Map<HostName, number>();
  const paced = async <T>(from: HostName, observe: () => T): Promise<T> => {
    const last = lastRouterError.get(from);
    if (last !== undefined) {
      const wait = last + ROUTER_ICMP_SETTLE_MS - Date.now();
      if (wait > 0) await sleep(wait);
    }
    try {
      return observe();
    } finally {
      lastRouterError.set(from, Date.now());
    }
  };
  // Which probes make the router send ICMP errors back to the source (time exceeded for traceroute's
  // first hop, port unreachable from 192.168.57.1 itself, net unreachable for UNROUTED). node3's probes
  // draw on a bucket of their own, which nothing else touches.
  const elicitsRouterErrors = (from: HostName, to: string, tool: 'ping' | 'traceroute'): boolean =>
    to === UNROUTED || (tool === 'traceroute' && from === 'node1' && to !== ipOf('node2'));

  const routeGets = PATHS.map(({ from, to }) => cmd(from, ['ip', 'route', 'get', to]));

  // Echo pings first (echo replies are not rate limited), then ARP failure (3 s).
  const pings = new Map<number, PingObservation>();
  for (const [i, { from, to }] of PATHS.entries()) {
    if (!elicitsRouterErrors(from, to, 'ping')) pings.set(i, ping(from, ['ping', '-c', '1', '-W', '1', to]));
  }
  const pingNoNeighbourShortWait = ping('node1', ['ping', '-c', '1', '-W', '1', NO_NEIGHBOUR_SHORT_WAIT]);
  const pingNoNeighbour = ping('node1', ['ping', '-c', '1', '-W', '5', NO_NEIGHBOUR]);
  const neighSorted = [...cmd('node1', ['ip', 'neigh', 'show']).stdout].sort();

  const traces = new Map<number, TracerouteObservation>();
  for (const [i, { from, to }] of PATHS.entries()) {
    const observe = (): TracerouteObservation => traceroute(from, to);
    traces.set(i, elicitsRouterErrors(from, to, 'traceroute') ? await paced(from, observe) : observe());
  }
  const node3 = ipOf('node3');
  const pingTtl1 = await paced('node1', () => ping('node1', ['ping', '-c', '1', '-t', '1', node3]));
  for (const [i, { from, to }] of PATHS.entries()) {
    if (elicitsRouterErrors(from, to, 'ping')) {
      pings.set(i, await paced(from, () => ping(from, ['ping', '-c', '1', '-W', '1', to])));
    }
  }

  const pingDf = (size: number): PingObservation =>
    ping('node1', ['ping', '-c', '1', '-W', '1', '-M', 'do', '-s', String(size), node3]);
  const pingDfFits = pingDf(MTU - 28);
  const pingDfTooBig = pingDf(MTU - 27);

  const node1 = {
    routes: cmd('node1', ['ip', 'route']),
    localRoutes: cmd('node1', ['ip', 'route', 'show', 'table', 'local']),
    routesJson: parseJson(raw('node1', ['ip', '-j', 'route'])[1].stdout),
    routeGetJson: parseJson(raw('node1', ['ip', '-j', 'route', 'get', node3])[1].stdout),
    link: cmd('node1', ['ip', '-d', 'link', 'show', 'eth0']),
    neighSorted,
  };

  if (transcript !== undefined) {
    // Recorded for OBSERVED.md only: JSON key names and the router's view.
    raw('node1', ['ip', '-j', '-d', 'link', 'show', 'eth0']);
    raw('node1', ['ip', '-j', 'neigh', 'show']);
    raw('router', ['ip', 'route']);
    raw('router', ['ip', 'neigh', 'show']);
  }

  return {
    paths: PATHS.map(({ from, to }, i) => ({
      from,
      to,
      routeGet: routeGets[i]!,
      ping: pings.get(i)!,
      traceroute: traces.get(i)!,
    })),
    pingTtl1,
    pingNoNeighbourShortWait,
    pingNoNeighbour,
    pingDfFits,
    pingDfTooBig,
    node1,
  };
}
