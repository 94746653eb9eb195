/**
 * `kubectl get endpoints`: printers.go printEndpoints / formatEndpoints: every ready address with
 * every port of its subset as `ip:port` (just `ip` in a subset without ports), at most three, then
 * ` + N more...`; `<none>` without subsets. Since v1.33 the API server attaches a deprecation warning
 * to every v1 Endpoints response, which kubectl prints on stderr.
 */

import type { Endpoints } from '../../k8s/index.js';
import { age, type GetOptions, type GetResult, kubectlGet, type ResourceTable } from './get.js';

const MAX_SHOWN = 3;

/** net.JoinHostPort: IPv6 addresses in brackets. */
function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** formatEndpoints(endpoints, nil). */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  let more = false;
  const add = (text: string): boolean => {
    if (list.length === MAX_SHOWN) {
      more = true;
      return false;
    }
    list.push(text);
    return true;
  };
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) if (!add(a.ip)) break;
      continue;
    }
    for (const p of ports) {
      count += addresses.length;
      for (const a of addresses) if (!add(joinHostPort(a.ip, p.port))) break;
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${count - MAX_SHOWN} more...` : text;
}

export const ENDPOINTS_TABLE: ResourceTable<Endpoints> = {
  nameKind: 'endpoints',
  namespaced: true,
  columns: ['NAME', 'ENDPOINTS', 'AGE'],
  wideColumns: [],
  cells: (ep, _wide, nowNs) => [
    ep.metadata.name,
    formatEndpoints(ep),
    age(ep.metadata.creationTimestamp, nowNs),
  ],
  warning: 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice',
};

/** `kubectl get endpoints`. */
export function getEndpoints(endpoints: readonly Endpoints[], opts: GetOptions): GetResult {
  return kubectlGet(ENDPOINTS_TABLE, endpoints, opts);
}
