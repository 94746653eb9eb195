import { ipLink, ipNeigh, ipRoute, ipRouteGet, linkJson, neighJson, routeJson } from '../inspect/index.js';
import { parseDuration } from '../sim/index.js';
import { parseIp4, runScenario } from '../topology/index.js';
import { build, InputError, loadOrFail, parseSeed } from './load.js';
import type { Output } from './output.js';

export type ShowWhat = 'routes' | 'neigh' | 'links';

export interface ShowArgs {
  readonly file: string;
  readonly what: ShowWhat;
  readonly node: string;
  readonly at?: string;
  readonly seed?: string | number;
  readonly table?: 'main' | 'local';
  readonly get?: string;
  readonly json?: boolean;
}

/**
 * `podwire show FILE --node N routes|neigh|links`: the host's state after the scenario has run (or at
 * `--at T`), printed as `ip route`, `ip neigh`, `ip -d link` print it; `--json` gives `ip -j` data.
 */
export function showCommand(args: ShowArgs, io: Output): number {
  const topology = loadOrFail(args.file);
  const seed = parseSeed(args.seed, io.err);
  const atNs = args.at === undefined ? undefined : parseDuration(args.at);
  if (args.at !== undefined && atNs === undefined) {
    throw new InputError([`--at: expected a duration such as 10s, 250ms or 1500us, got "${args.at}"`]);
  }
  const cluster = build(topology, seed);
  const host = cluster.nodes.get(args.node) ?? cluster.routers.get(args.node);
  if (host === undefined) {
    const known = [...cluster.nodes.keys(), ...cluster.routers.keys()].join(', ');
    throw new InputError([`--node: no node or router "${args.node}" in ${args.file} (known: ${known})`]);
  }
  runScenario(cluster, { expectations: false, ...(atNs === undefined ? {} : { untilNs: atNs }) });
  const ns = host.ns;
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
  const text = args.what === 'routes' ? ipRoute(ns, table) : args.what === 'neigh' ? ipNeigh(ns) : ipLink(ns);
  if (text !== '') io.out(text);
  return 0;
}
