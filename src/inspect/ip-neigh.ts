import type { NeighEntry, NetNs } from '../net/index.js';
import { formatIp4, formatMac } from '../wire/index.js';

/** A neighbour in `ip -j neigh` shape. */
export interface NeighJson {
  readonly dst: string;
  readonly dev: string;
  readonly lladdr?: string;
  readonly state: readonly string[];
}

/** Entries `ip neigh` shows: everything but NONE (never resolved, being created). */
function shown(ns: NetNs): NeighEntry[] {
  return ns.neigh.list().filter((e) => e.state !== 'NONE');
}

export function neighJson(ns: NetNs): NeighJson[] {
  return shown(ns).map((e) => ({
    dst: formatIp4(e.ip),
    dev: ns.device(e.dev)?.name ?? `if${e.dev}`,
    ...(e.mac !== undefined && e.state !== 'INCOMPLETE' && e.state !== 'FAILED'
      ? { lladdr: formatMac(e.mac) }
      : {}),
    state: [e.state],
  }));
}

/**
 * `ip neigh show`: `IP dev DEV lladdr MAC STATE ` (trailing space as iproute2 prints). The kernel lists
 * entries in hash-bucket order; podwire lists them by device, then creation order.
 */
export function ipNeigh(ns: NetNs): string {
  return neighJson(ns)
    .map(
      (n) =>
        `${n.dst} dev ${n.dev} ${n.lladdr !== undefined ? `lladdr ${n.lladdr} ` : ''}${n.state.join(' ')} \n`,
    )
    .join('');
}
