import { IPPROTO_ICMP, type Ipv4Packet } from '../wire/index.js';
import { isBroadcast, isMulticast } from './addr-select.js';
import type { StackView } from './view.js';

/** ICMP types that are errors (no error is ever sent about one of these). */
const ICMP_ERROR_TYPES = new Set([3, 4, 5, 11, 12]);

/**
 * The rules under which icmp_send stays silent about `orig`, whatever the error: a non-first fragment,
 * an unknown or broadcast/multicast sender or destination, an ICMP error itself. The reason, or
 * undefined when an error may be sent.
 */
export function icmpSilence(view: StackView, orig: Ipv4Packet): string | undefined {
  if (orig.fragOffset !== 0) return 'not about a non-first fragment';
  if (orig.src === 0 || isBroadcast(view, orig.dst) || isMulticast(orig.dst) || isMulticast(orig.src))
    return 'not about a broadcast, multicast or unspecified address';
  if (orig.protocol === IPPROTO_ICMP) {
    const inner = orig.payload;
    const innerType = inner.kind === 'icmp' ? inner.type : inner.kind === 'raw' ? inner.bytes[0] : undefined;
    if (innerType !== undefined && ICMP_ERROR_TYPES.has(innerType)) return 'not about an ICMP error';
  }
  return undefined;
}
