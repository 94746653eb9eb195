import type { Ip4 } from '../wire/index.js';
import { prefixMask } from './fib.js';
import type { IfAddr, StackView } from './view.js';

const SCOPE_RANK = { global: 0, link: 253, host: 254 } as const;

/**
 * inet_select_addr: the source address for sending to `dst` out of device `dev` — the device's primary
 * address on the same subnet as `dst` if there is one, else its first primary address whose scope is no
 * narrower than `scope`; undefined when the device has none.
 */
export function selectSource(
  view: StackView,
  dev: number,
  dst: Ip4,
  scope: 'global' | 'link' | 'host',
): Ip4 | undefined {
  const addrs = view.addresses(dev);
  const limit = SCOPE_RANK[scope];
  let fallback: IfAddr | undefined;
  for (const a of addrs) {
    if (SCOPE_RANK[a.scope] > limit) continue;
    if (a.prefixLen > 0 && ((a.ip ^ dst) & prefixMask(a.prefixLen)) === 0) return a.ip;
    if (fallback === undefined) fallback = a;
  }
  return fallback?.ip;
}

/** True if `ip` is one of the namespace's own addresses (a `local` route in the local table). */
export function isLocalAddress(view: StackView, ip: Ip4): boolean {
  const r = view.local.lookup(ip);
  return r !== undefined && r.type === 'local';
}

/** True for 255.255.255.255 and for any directed broadcast of the namespace's subnets. */
export function isBroadcast(view: StackView, ip: Ip4): boolean {
  if (ip === 0xffffffff) return true;
  const r = view.local.lookup(ip);
  return r !== undefined && r.type === 'broadcast';
}

/** 224.0.0.0/4. */
export function isMulticast(ip: Ip4): boolean {
  return ip >>> 28 === 0xe;
}
