import type { Ipv4Packet } from '../wire/index.js';

/** The five IPv4 netfilter hooks (include/uapi/linux/netfilter_ipv4.h), in packet-path order. */
export type HookPoint = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/**
 * What the IPv4 stack calls at each hook. net/ declares it; netfilter/ satisfies it without importing
 * net/, and the topology builder plugs one into a namespace. Returns the packet to continue with
 * (possibly rewritten by NAT), or undefined when a rule dropped or stole it.
 */
export interface NetfilterHooks {
  run(
    hook: HookPoint,
    packet: Ipv4Packet,
    inDev: string | undefined,
    outDev: string | undefined,
  ): Ipv4Packet | undefined;
}
