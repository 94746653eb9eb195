/**
 * One-shot probes for properties: start a ping or a traceroute on a host of a built cluster, run the
 * simulator until that tool is done (the tool's done callback calls `sim.stop()`), and return what it
 * saw. Other pending events (neighbour timers, late frames) stay queued for the next run.
 */
import {
  Ping,
  type PingOptions,
  type PingResult,
  TRACEROUTE_DEFAULT_WAIT_NS,
  Traceroute,
  type TracerouteOptions,
  type TracerouteResult,
} from '../apps/index.js';
import type { NetNs } from '../net/index.js';
import { SECOND } from '../sim/index.js';
import type { Cluster } from '../topology/index.js';
import type { Ip4 } from '../wire/index.js';
import { podRecord } from './pods.js';

/** Guard for one probe: far more events than any loop-free probe needs. */
export const PROBE_MAX_EVENTS = 1_000_000;

interface ProbeRunOptions {
  /** Give up (throw) after this many events without the tool finishing; default `PROBE_MAX_EVENTS`. */
  readonly maxEvents?: number;
}

/** `ping` options for `pingOnce`; defaults are one 56-byte echo, TTL 64, `-M want`, 5 s wait. */
export type PingOnceOptions = Partial<Omit<PingOptions, 'dst'>> & ProbeRunOptions;

/** `traceroute` options for `tracerouteOnce`; defaults are traceroute's own (UDP, `-q 3 -m 30 -w 5`). */
export type TracerouteOnceOptions = Partial<Omit<TracerouteOptions, 'dst'>> & ProbeRunOptions;

/**
 * The namespace of a host: a node or router by name (`node1`, or as a reference `node/node1`,
 * `router/router`), or a pod as `pod/NAME` or `pod/NAMESPACE/NAME`. Throws a RangeError for an unknown one.
 */
export function hostNs(cluster: Cluster, name: string): NetNs {
  if (name.startsWith('pod/')) return podRecord(cluster, name).netns;
  const bare = name.replace(/^(node|router)\//, '');
  const host = name.startsWith('router/')
    ? cluster.routers.get(bare)
    : name.startsWith('node/')
      ? cluster.nodes.get(bare)
      : (cluster.nodes.get(bare) ?? cluster.routers.get(bare));
  if (host === undefined) throw new RangeError(`no node or router named ${name}`);
  return host.ns;
}

/**
 * Pings `toIp` from host `from` — a node, a router or `pod/NAME` (see `hostNs`) — with `ping -c 1 -W 5`
 * unless told otherwise, and runs the simulator until ping has finished. Throws when the event guard is
 * hit first: a probe that never ends is a model bug.
 */
export function pingOnce(
  cluster: Cluster,
  from: string,
  toIp: Ip4,
  options: PingOnceOptions = {},
): PingResult {
  const { maxEvents, ...given } = options;
  const opts: PingOptions = {
    count: 1,
    intervalNs: SECOND,
    size: 56,
    ttl: 64,
    pmtudisc: 'want',
    lingerNs: 5 * SECOND,
    ...given,
    dst: toIp,
  };
  let result: PingResult | undefined;
  const app = new Ping(hostNs(cluster, from), opts, (r) => {
    result = r;
    cluster.sim.stop();
  });
  app.start();
  return runUntilDone(cluster, () => result, maxEvents, `ping from ${from}`);
}

/**
 * Traces the route from host `from` to `toIp` and runs the simulator until traceroute has finished.
 * Throws when the event guard is hit first.
 */
export function tracerouteOnce(
  cluster: Cluster,
  from: string,
  toIp: Ip4,
  options: TracerouteOnceOptions = {},
): TracerouteResult {
  const { maxEvents, ...given } = options;
  const opts: TracerouteOptions = {
    queries: 3,
    maxHops: 30,
    proto: 'udp',
    waitNs: TRACEROUTE_DEFAULT_WAIT_NS,
    ...given,
    dst: toIp,
  };
  let result: TracerouteResult | undefined;
  const app = new Traceroute(hostNs(cluster, from), opts, (r) => {
    result = r;
    cluster.sim.stop();
  });
  app.start();
  return runUntilDone(cluster, () => result, maxEvents, `traceroute from ${from}`);
}

/** The hop addresses of a traceroute: per hop, the first address that answered (undefined for `* * *`). */
export function tracerouteHops(result: TracerouteResult): Array<Ip4 | undefined> {
  return result.hops.map((h) => h.probes.find((p) => p.from !== undefined)?.from);
}

function runUntilDone<R>(
  cluster: Cluster,
  done: () => R | undefined,
  maxEvents: number | undefined,
  what: string,
): R {
  // A tool that fails at start (no route) finishes inside start(), before any run.
  let r = done();
  if (r !== undefined) return r;
  const limit = maxEvents ?? PROBE_MAX_EVENTS;
  const run = cluster.sim.run({ maxEvents: limit });
  r = done();
  if (r !== undefined) return r;
  throw new Error(
    `podwire/testing: ${what} did not finish: the run ended '${run.outcome}' after ${run.events} events`,
  );
}
