/**
 * The Services benchmarks (issue #5, item 7): building kube-proxy's state for 10,000 Services on one
 * node and on 100, and the cost of a connection's first packet through a node with 100, 1,000 and
 * 10,000 Services in iptables mode and in IPVS mode, against a packet of an established connection.
 * iptables mode walks KUBE-SERVICES rule by rule, so its first packet grows with the Service count;
 * IPVS looks the VIP up in a hash table and stays flat, as on real clusters (reference/kube-proxy.md §9).
 */
import { type BuildOptions, type BuildResult, buildBench } from './services-build.js';
import { benchNode, serviceSet } from './services-cluster.js';
import { kubeProxyInstaller, type ProxyInstaller } from './services-install.js';
import {
  type FirstPacketOptions,
  measurePath,
  natRuleCounts,
  PathCheckError,
  type PathCost,
} from './services-packet.js';
import { stackFirstPacket } from './services-stack.js';

export interface ServicesBenchOptions {
  /** Service counts of the first-packet table (default 100, 1,000, 10,000). */
  readonly sizes?: readonly number[];
  /** Nodes the endpoints are spread over (default 100). */
  readonly nodes?: number;
  /** The build benchmark's sizes, or false to skip it. */
  readonly build?: BuildOptions | false;
  /** Connections and windows, the same for every size (see FirstPacketOptions for the defaults). */
  readonly packet?: FirstPacketOptions;
  /** SYNs per window through the whole stack (default 300), or false to leave that column out. */
  readonly stackConnections?: number | false;
  readonly seed?: number;
}

/** One row of the first-packet table. */
export interface ServicesRow {
  readonly services: number;
  readonly natRules: { readonly iptables: number; readonly ipvs: number };
  /** Costs at the hooks in iptables mode. */
  readonly iptables: PathCost;
  /** Costs at the hooks in IPVS mode; undefined when IPVS mode cannot be timed (`ipvsUnavailable`). */
  readonly ipvs: PathCost | undefined;
  /** µs per first packet through the whole simulated stack, per mode (undefined: not measured). */
  readonly stack: { readonly iptables: number | undefined; readonly ipvs: number | undefined };
}

export interface ServicesBenchResult {
  readonly build: BuildResult | undefined;
  readonly rows: readonly ServicesRow[];
  /** Why the IPVS column is empty, when it is. */
  readonly ipvsUnavailable: string | undefined;
}

/** Runs the Services benchmarks. */
export function servicesBench(options: ServicesBenchOptions = {}): ServicesBenchResult {
  const nodes = options.nodes ?? 100;
  const seed = options.seed ?? 1;
  const build = options.build === false ? undefined : buildBench({ nodes, seed, ...options.build });
  const iptablesMode = kubeProxyInstaller('iptables');
  const ipvsMode = kubeProxyInstaller('ipvs');
  let ipvsUnavailable: string | undefined;
  const stackM = options.stackConnections ?? 300;
  // An unreported round warms the JIT for both paths (hooks and whole stack) in both modes, so the
  // first size is not the slow one; IPVS trouble is left for the first size's row to report.
  const warm = serviceSet(300, nodes, seed);
  for (const install of [iptablesMode, ipvsMode]) {
    try {
      const node = benchNode(1);
      install(node, warm);
      measurePath(node, warm, { connections: 2000, edgeConnections: 500, windows: 3, seed });
      if (stackM !== false)
        stackFirstPacket(warm, nodes, { install: (n) => install(n, warm), connections: 2000, windows: 8 });
    } catch (e) {
      if (!(e instanceof PathCheckError)) throw e;
    }
  }
  const rows = (options.sizes ?? [100, 1000, 10_000]).map((services): ServicesRow => {
    const set = serviceSet(services, nodes, seed);
    const packet: FirstPacketOptions = { seed, ...options.packet };
    const viaStack = (install: ProxyInstaller) =>
      stackM === false
        ? undefined
        : stackFirstPacket(set, nodes, { install: (n) => install(n, set), connections: stackM, seed });
    const measure = (install: ProxyInstaller) => {
      const node = benchNode(1);
      install(node, set);
      return { path: measurePath(node, set, packet), stack: viaStack(install) };
    };
    const iptables = measure(iptablesMode);
    let ipvs: ReturnType<typeof measure> | undefined;
    if (ipvsUnavailable === undefined) {
      try {
        ipvs = measure(ipvsMode);
      } catch (e) {
        if (!(e instanceof PathCheckError)) throw e;
        ipvsUnavailable = `IPVS mode did not carry the packets: ${e.message}`;
      }
    }
    return {
      services,
      natRules: natRuleCounts(set, 1),
      iptables: iptables.path,
      ipvs: ipvs?.path,
      stack: { iptables: iptables.stack, ipvs: ipvs?.stack },
    };
  });
  return { build, rows, ipvsUnavailable };
}
