import type { NetNs, OutputRoute, Route } from '../net/index.js';
import { SECOND } from '../sim/index.js';
import { formatIp4, type Ip4 } from '../wire/index.js';

/** A route in `ip -j route` shape (the key names iproute2's JSON output uses). */
export interface RouteJson {
  readonly type?: string;
  readonly dst: string;
  readonly gateway?: string;
  readonly dev: string;
  readonly protocol?: string;
  readonly scope?: string;
  readonly prefsrc?: string;
  readonly metric?: number;
  readonly flags: readonly string[];
}

/** `ip -j route show [table local]`: iproute2 omits `type` for unicast, `protocol` for boot, `scope` for global. */
export function routeJson(ns: NetNs, r: Route): RouteJson {
  const dev = ns.device(r.dev);
  const flags: string[] = [];
  if (r.onlink) flags.push('onlink');
  if (dev?.adminUp && !dev.carrier) flags.push('linkdown');
  return {
    ...(r.type !== 'unicast' ? { type: r.type } : {}),
    dst: routeDst(r),
    ...(r.gateway !== undefined ? { gateway: formatIp4(r.gateway) } : {}),
    dev: dev?.name ?? `if${r.dev}`,
    ...(r.proto !== 'boot' ? { protocol: r.proto } : {}),
    ...(r.scope !== 'global' ? { scope: r.scope } : {}),
    ...(r.prefsrc !== undefined ? { prefsrc: formatIp4(r.prefsrc) } : {}),
    ...(r.metric !== 0 ? { metric: r.metric } : {}),
    flags,
  };
}

/** One line of `ip route show`, field order of iproute2's print_route, with its trailing space. */
export function routeLine(ns: NetNs, r: Route): string {
  const j = routeJson(ns, r);
  let s = '';
  if (j.type !== undefined) s += `${j.type} `;
  s += `${j.dst} `;
  if (j.gateway !== undefined) s += `via ${j.gateway} `;
  s += `dev ${j.dev} `;
  if (j.protocol !== undefined) s += `proto ${j.protocol} `;
  if (j.scope !== undefined) s += `scope ${j.scope} `;
  if (j.prefsrc !== undefined) s += `src ${j.prefsrc} `;
  if (j.metric !== undefined) s += `metric ${j.metric} `;
  for (const f of j.flags) s += `${f} `;
  return s;
}

/** `ip route show [table local]`. */
export function ipRoute(ns: NetNs, table: 'main' | 'local' = 'main'): string {
  const t = table === 'main' ? ns.main : ns.local;
  return t
    .list()
    .map((r) => `${routeLine(ns, r)}\n`)
    .join('');
}

/** `ip route get DST`: the route a packet from this host would take, two lines as iproute2 prints them. */
export function ipRouteGet(ns: NetNs, dst: Ip4): string {
  const r: OutputRoute = ns.routeOutput(dst);
  if (!r.ok)
    return `RTNETLINK answers: ${r.errno === 'ENETUNREACH' ? 'Network is unreachable' : 'No route to host'}\n`;
  const to = formatIp4(dst);
  if (r.route.type === 'local')
    return `local ${to} dev lo src ${formatIp4(r.src)} uid 0 \n    cache <local> \n`;
  const via = r.route.gateway !== undefined ? `via ${formatIp4(r.route.gateway)} ` : '';
  // A learned path MTU shows as the route exception's remaining lifetime (whole seconds) and MTU.
  const cache =
    r.pmtu === undefined
      ? 'cache '
      : `cache expires ${Math.floor((r.pmtu.expires - ns.sim.now) / SECOND)}sec mtu ${r.pmtu.mtu} `;
  return `${to} ${via}dev ${r.dev.name} src ${formatIp4(r.src)} uid 0 \n    ${cache}\n`;
}

function routeDst(r: Route): string {
  if (r.prefixLen === 0 && r.dst === 0) return 'default';
  const ip = formatIp4(r.dst);
  return r.prefixLen === 32 ? ip : `${ip}/${r.prefixLen}`;
}
