import { IP_FLAG_DF, IPPROTO_TCP, type Ipv4Packet, ipv4 } from '../wire/index.js';
import { IP } from './defaults.js';
import { resetFor } from './tcp-output.js';

/**
 * nf_send_reset (net/ipv4/netfilter/nf_reject_ipv4.c): the RST `REJECT --reject-with tcp-reset` answers
 * `orig` with — addresses and ports swapped, seq from the segment's ACK or an ACK of what it carried
 * (as tcp_v4_send_reset), window 0, in an IP header with TOS 0, ID 0, DF and the route's TTL (64).
 * Undefined when no reset is sent: not a TCP segment, a non-first fragment, or itself a RST.
 */
export function nfResetPacket(orig: Ipv4Packet): Ipv4Packet | undefined {
  const seg = orig.payload;
  if (orig.protocol !== IPPROTO_TCP || orig.fragOffset !== 0 || seg.kind !== 'tcp') return undefined;
  const rst = resetFor(orig, seg);
  if (rst === undefined) return undefined;
  return ipv4({
    src: orig.dst,
    dst: orig.src,
    protocol: IPPROTO_TCP,
    ttl: IP.defaultTtl,
    tos: 0,
    id: 0,
    flags: IP_FLAG_DF,
    payload: rst,
  });
}
