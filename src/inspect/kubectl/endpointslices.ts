/**
 * `kubectl get endpointslices`: printers.go printEndpointSlice with formatDiscoveryPorts (port
 * numbers, a named port without a number by name, `*` for neither) and formatDiscoveryEndpoints
 * (every address of every endpoint, ready or not); both show three, then ` + N more...`, and
 * `<unset>` when empty (listWithMoreString).
 */

import type { EndpointSlice } from '../../k8s/index.js';
import { age, type GetOptions, type GetResult, kubectlGet, type ResourceTable } from './get.js';

const MAX_SHOWN = 3;

/** listWithMoreString. */
function listWithMore(all: readonly string[]): string {
  const text = all.slice(0, MAX_SHOWN).join(',');
  if (all.length > MAX_SHOWN) return `${text} + ${all.length - MAX_SHOWN} more...`;
  return text === '' ? '<unset>' : text;
}

function ports(slice: EndpointSlice): string {
  return listWithMore(
    (slice.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? '*'))),
  );
}

function endpoints(slice: EndpointSlice): string {
  return listWithMore(slice.endpoints.flatMap((e) => e.addresses));
}

export const ENDPOINT_SLICE_TABLE: ResourceTable<EndpointSlice> = {
  nameKind: 'endpointslice.discovery.k8s.io',
  namespaced: true,
  columns: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
  wideColumns: [],
  cells: (s, _wide, nowNs) => [
    s.metadata.name,
    s.addressType,
    ports(s),
    endpoints(s),
    age(s.metadata.creationTimestamp, nowNs),
  ],
};

/** `kubectl get endpointslices`. */
export function getEndpointSlices(slices: readonly EndpointSlice[], opts: GetOptions): GetResult {
  return kubectlGet(ENDPOINT_SLICE_TABLE, slices, opts);
}
