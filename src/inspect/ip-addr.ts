import type { NetDevice, NetNs } from '../net/index.js';
import { formatIp4, type Mac } from '../wire/index.js';
import { describeLink } from './ip-link.js';

/**
 * The EUI-64 IPv6 link-local address Linux gives a device with this MAC (addrconf_addr_eui48: flip the
 * universal/local bit, insert ff:fe in the middle), printed as iproute2 prints it (RFC 5952: lower-case
 * hex, no leading zeros, the longest run of two or more zero groups as `::`).
 */
export function linkLocal6(mac: Mac): string {
  const b = [40, 32, 24, 16, 8, 0].map((shift) => Math.floor(mac / 2 ** shift) % 256);
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0] = b;
  const groups = [0xfe80, 0, 0, 0, ((b0 ^ 0x02) << 8) | b1, (b2 << 8) | 0xff, 0xfe00 | b3, (b4 << 8) | b5];
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j += 1;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

const LIFETIME = '       valid_lft forever preferred_lft forever\n';

/**
 * The IPv6 line of a device, if Linux would have given it an address. IPv6 is on by default, so `lo`
 * has ::1 and every Ethernet-like device gets its EUI-64 link-local once it is up with carrier (addrconf
 * waits for the link to be ready). podwire shows these addresses because the kernel's `ip addr` does,
 * but it models no IPv6: it never sends IPv6 frames (no MLD, router solicitation or DAD), and DAD's
 * `tentative` phase is not shown.
 */
function inet6(dev: NetDevice): string | undefined {
  if (!dev.adminUp) return undefined;
  if (dev.kind === 'loopback') return '    inet6 ::1/128 scope host \n';
  if (dev.kind !== 'ether' && dev.kind !== 'veth' && dev.kind !== 'bridge' && dev.kind !== 'vxlan')
    return undefined;
  if (!dev.carrier) return undefined;
  return `    inet6 ${linkLocal6(dev.mac)}/64 scope link \n`;
}

/**
 * `ip addr` (iproute2 6.1): per device in ifindex order, the link line as `ip link` prints it without
 * `mode DEFAULT` (and with a trailing space instead of `qlen` when txqueuelen is 0), the `link/` line,
 * then each IPv4 address (`brd` only when it was set, as netlink callers do and `ip addr add` without
 * `brd` does not) and the IPv6 address Linux assigns, each followed by its lifetimes.
 */
export function ipAddr(ns: NetNs, opts: { readonly dev?: string } = {}): string {
  let out = '';
  for (const dev of ns.devices()) {
    if (opts.dev !== undefined && dev.name !== opts.dev) continue;
    const j = describeLink(ns, dev);
    const peer = j.link_index !== undefined ? `@if${j.link_index}` : '';
    const master = j.master !== undefined ? ` master ${j.master}` : '';
    const qlen = j.txqlen > 0 ? ` qlen ${j.txqlen}` : ' ';
    out += `${j.ifindex}: ${j.ifname}${peer}: <${j.flags.join(',')}> mtu ${j.mtu} qdisc ${j.qdisc}${master} state ${j.operstate} group ${j.group}${qlen}\n`;
    const netns = j.link_netns !== undefined ? ` link-netns ${j.link_netns}` : '';
    const hw = j.address === undefined ? ' ' : ` ${j.address} brd ${j.broadcast}`;
    out += `    link/${j.link_type}${hw}${netns}\n`;
    for (const a of ns.addresses(dev.ifindex)) {
      const brd = a.broadcastSet && a.broadcast !== undefined ? ` brd ${formatIp4(a.broadcast)}` : '';
      out += `    inet ${formatIp4(a.ip)}/${a.prefixLen}${brd} scope ${a.scope} ${dev.name}\n${LIFETIME}`;
    }
    const v6 = inet6(dev);
    if (v6 !== undefined) out += `${v6}${LIFETIME}`;
  }
  return out;
}
