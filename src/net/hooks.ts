import type { Ipv4Packet } from '../wire/index.js';

/** The five IPv4 netfilter hooks (include/uapi/linux/netfilter_ipv4.h), in packet-path order. */
export type HookPoint = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/**
 * The netfilter state one packet carries from hook to hook (the parts of struct sk_buff netfilter uses):
 * made by the stack when a packet enters (PREROUTING) or is sent (OUTPUT), passed unchanged to every
 * later hook of the same packet, and dropped when it leaves the namespace (a veth or a tunnel scrubs it,
 * as skb_scrub_packet does).
 */
export interface NfSkb {
  /** skb->mark: set by `-j MARK`, read by `-m mark`; 0 for every new packet. */
  mark: number;
  /** skb->_nfct: the conntrack entry, owned by the netfilter implementation (opaque to net/). */
  nfct: object | undefined;
  /** The IP_CT_* info that goes with `nfct` (ESTABLISHED 0, RELATED 1, NEW 2, +3 in the reply direction). */
  ctinfo: number;
  /** br_netfilter: the bridge port the frame entered by (nf_bridge->physindev, `--physdev-in`). */
  physIn: string | undefined;
  /** br_netfilter: the bridge port a bridged frame leaves by (physoutdev, `--physdev-out`). */
  physOut: string | undefined;
}

/** A fresh packet's state: no mark, no conntrack entry, not bridged. */
export function newSkb(): NfSkb {
  return { mark: 0, nfct: undefined, ctinfo: 0, physIn: undefined, physOut: undefined };
}

/**
 * What a hook decided other than "go on": the packet is dropped and counted under `reason`; or dropped
 * after the stack sends the error the kernel's REJECT target sends — an ICMP destination unreachable
 * with `code` (nf_send_unreach), or a TCP RST (nf_send_reset, `--reject-with tcp-reset`). IPVS also
 * answers with an ICMP error of another `type` (time exceeded, 11, from ip_vs_nat_xmit); 3 when absent.
 */
export type NfVerdict =
  | { readonly kind: 'drop'; readonly reason: string }
  | { readonly kind: 'reject'; readonly code: number; readonly reason: string; readonly type?: number }
  | { readonly kind: 'reset'; readonly reason: string };

/**
 * A hook's answer: the packet to continue with (possibly rewritten by NAT, a new record), a verdict, or
 * undefined when the hook took the packet (NF_STOLEN; counted as `nf_drop`).
 */
export type HookResult = Ipv4Packet | NfVerdict | undefined;

/**
 * What the IPv4 stack calls at each hook. net/ declares it; netfilter/ satisfies it without importing
 * net/, and the topology builder plugs one into a namespace.
 */
export interface NetfilterHooks {
  run(
    hook: HookPoint,
    packet: Ipv4Packet,
    inDev: string | undefined,
    outDev: string | undefined,
    skb: NfSkb,
  ): HookResult;
  /**
   * nf_ct_attach: `reply` is a packet the stack makes in answer to the packet of `orig` (the RST of
   * `REJECT --reject-with tcp-reset`); it belongs to the same connection, in the other direction.
   */
  attachReply?(reply: NfSkb, orig: NfSkb): void;
}
