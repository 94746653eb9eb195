import { renderHostLocalDir } from '../cni/index.js';
import {
  bridgeFdbShow,
  ipLink,
  ipNeigh,
  ipRoute,
  ipRouteGet,
  linkJson,
  neighJson,
  routeJson,
} from '../inspect/index.js';
import type { NetNs } from '../net/index.js';
import {
  conntrackSummary,
  formatConntrackList,
  formatIptablesSave,
  formatIpvsadmList,
  type Netfilter,
} from '../netfilter/index.js';
import { type Cluster, parseIp4 } from '../topology/index.js';
import { InputError, inspection } from './load.js';
import type { Output } from './output.js';

export type ShowWhat = 'routes' | 'neigh' | 'links' | 'fdb' | 'ipam' | 'iptables' | 'ipvs' | 'conntrack';

export interface ShowArgs {
  readonly file: string;
  readonly what: ShowWhat;
  /** A node or router; or, with `pod`, the pod's namespace is shown instead. */
  readonly node?: string;
  /** `NAME` or `NAMESPACE/NAME` of a pod. */
  readonly pod?: string;
  readonly at?: string;
  readonly seed?: string | number;
  readonly table?: 'main' | 'local';
  readonly get?: string;
  readonly json?: boolean;
}

/**
 * `podwire show FILE --node N|--pod P routes|neigh|links|fdb`: a namespace's state after the scenario's
 * steps (or at `--at T`), printed as `ip route`, `ip neigh`, `ip -d link`, `bridge fdb show` print it;
 * `--json` gives `ip -j` data.
 */
export function showCommand(args: ShowArgs, io: Output): number {
  const { cluster, play } = inspection(args, io);
  const ns = namespaceOf(cluster, args);
  play();
  if (args.what === 'ipam') {
    io.out(ipamState(cluster, args));
    return 0;
  }
  if (args.what === 'iptables' || args.what === 'ipvs' || args.what === 'conntrack') {
    return netfilterState(cluster, args, ns, io);
  }
  if (args.what === 'routes' && args.get !== undefined) {
    const dst = parseIp4(args.get);
    if (dst === undefined) throw new InputError([`--get: expected an IPv4 address, got "${args.get}"`]);
    const text = ipRouteGet(ns, dst).replace(/\n$/, '');
    // iproute2 says "RTNETLINK answers: …" on stderr and fails when there is no route; so do we (exit 1).
    if (!ns.routeOutput(dst).ok) {
      io.err(text);
      return 1;
    }
    io.out(text);
    return 0;
  }
  const table = args.table ?? 'main';
  if (args.json === true) {
    const data =
      args.what === 'routes'
        ? (table === 'main' ? ns.main : ns.local).list().map((r) => routeJson(ns, r))
        : args.what === 'neigh'
          ? neighJson(ns)
          : linkJson(ns);
    io.out(JSON.stringify(data));
    return 0;
  }
  const text =
    args.what === 'routes'
      ? ipRoute(ns, table)
      : args.what === 'neigh'
        ? ipNeigh(ns)
        : args.what === 'fdb'
          ? bridgeFdbShow(ns)
          : ipLink(ns);
  if (text !== '') io.out(text);
  return 0;
}

/** The namespace `--node` or `--pod` names (exactly one of them). */
function namespaceOf(cluster: Cluster, args: ShowArgs): NetNs {
  if ((args.node === undefined) === (args.pod === undefined)) {
    throw new InputError(['podwire: show needs exactly one of --node NAME and --pod NAME']);
  }
  if (args.pod !== undefined) {
    const key = args.pod.includes('/') ? args.pod : `default/${args.pod}`;
    const pod = cluster.pods.get(key);
    if (pod === undefined) {
      const known = [...cluster.pods.keys()].map((k) => k.replace(/^default\//, '')).join(', ');
      throw new InputError([`--pod: no pod "${args.pod}" in ${args.file} (known: ${known || 'none'})`]);
    }
    return pod.netns;
  }
  const name = args.node ?? '';
  const host = cluster.nodes.get(name) ?? cluster.routers.get(name);
  if (host === undefined) {
    const known = [...cluster.nodes.keys(), ...cluster.routers.keys()].join(', ');
    throw new InputError([`--node: no node or router "${name}" in ${args.file} (known: ${known})`]);
  }
  return host.ns;
}

/**
 * host-local's state directories on a node, each as `printf '%s %q\n' "$f" "$(cat "$f")"` prints its
 * files (so the \r\n inside a reservation is visible), under a `# DIR` line.
 */
function ipamState(cluster: Cluster, args: ShowArgs): string {
  const host = args.node === undefined ? undefined : cluster.nodes.get(args.node);
  const stores = host?.cni?.bridge.ipamStores() ?? [];
  if (stores.length === 0)
    throw new InputError([
      `podwire: ${args.node ?? 'a pod'} has no host-local state (ipam needs --node NODE)`,
    ]);
  return stores.map((s) => `# ${s.dir}\n${renderHostLocalDir(s.listFiles())}`).join('\n');
}

/**
 * `iptables-save`, `ipvsadm -Ln` and `conntrack -L` of a node (a pod's namespace has no rules: empty
 * output, as iptables-save prints nothing for a namespace whose tables were never used).
 */
function netfilterState(cluster: Cluster, args: ShowArgs, ns: NetNs, io: Output): number {
  const nf = ns.hooks as Netfilter | undefined;
  const now = cluster.sim.now;
  if (args.what === 'iptables') {
    if (nf === undefined) return 0;
    const counters = (table: Parameters<Netfilter['counters']>[0], chain: string) => {
      const p = nf.counters(table, chain)?.policy;
      return [p?.packets ?? 0, p?.bytes ?? 0] as const;
    };
    io.out(formatIptablesSave(nf.tables(), { counters }).replace(/\n$/, ''));
    return 0;
  }
  if (args.what === 'conntrack') {
    const entries = nf === undefined ? [] : nf.conntrackList();
    const text = formatConntrackList(entries, now).replace(/\n$/, '');
    if (text !== '') io.out(text);
    io.err(conntrackSummary(entries.length).replace(/\n$/, ''));
    return 0;
  }
  const proxy = args.node === undefined ? undefined : cluster.services.proxies.get(args.node);
  if (proxy?.ipvs === undefined) {
    // ipvsadm without the ip_vs module loaded.
    io.err(
      "Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?",
    );
    return 2;
  }
  io.out(formatIpvsadmList(proxy.ipvs, now).replace(/\n$/, ''));
  return 0;
}
