import type { Ip4 } from '../wire/index.js';
import { selectSource } from './addr-select.js';
import type { NetNs } from './netns.js';

/** RTN_* numbers (include/uapi/linux/rtnetlink.h) netfilter's addrtype match compares. */
const RTN_UNICAST = 1;
const RTN_LOCAL = 2;
const RTN_BROADCAST = 3;
const RTN_MULTICAST = 5;

/**
 * What a namespace tells its netfilter engine (netfilter/'s `NfHost`, met structurally): the type of an
 * address for `-m addrtype`, and the source MASQUERADE gives a packet leaving by a device.
 */
export class NetfilterHost {
  constructor(private readonly ns: NetNs) {}

  /**
   * inet_dev_addr_type: 0.0.0.0/8 and 255.255.255.255 are BROADCAST, 224/4 MULTICAST; otherwise the
   * `local` table decides (LOCAL, BROADCAST), and anything not in it is UNICAST. With `dev`, a local
   * address counts only on that device (`--limit-iface-in/out`).
   */
  addrType(ip: Ip4, dev: string | undefined): number {
    if (ip >>> 24 === 0 || ip === 0xffffffff) return RTN_BROADCAST;
    if (ip >>> 28 === 0xe) return RTN_MULTICAST;
    const r = this.ns.local.lookup(ip);
    if (r === undefined) return RTN_UNICAST;
    if (dev !== undefined && this.ns.deviceByName(dev)?.ifindex !== r.dev) return RTN_UNICAST;
    return r.type === 'local' ? RTN_LOCAL : r.type === 'broadcast' ? RTN_BROADCAST : RTN_UNICAST;
  }

  /**
   * nf_nat_masquerade_ipv4: inet_select_addr(out, next hop toward `dst`, RT_SCOPE_UNIVERSE) — a global
   * address of `outDev`, preferring one on the next hop's subnet, else a global address of any device.
   */
  masqueradeSource(outDev: string, dst: Ip4): Ip4 | undefined {
    const dev = this.ns.deviceByName(outDev);
    if (dev === undefined) return undefined;
    const route = this.ns.main.lookup(dst);
    const nexthop = route?.gateway ?? dst;
    const own = selectSource(this.ns, dev.ifindex, nexthop, 'global');
    if (own !== undefined) return own;
    for (const d of this.ns.devices()) {
      const a = selectSource(this.ns, d.ifindex, nexthop, 'global');
      if (a !== undefined) return a;
    }
    return undefined;
  }
}
