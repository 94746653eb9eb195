import { type HookPoint, type NetfilterHooks, type NetNs, selectSource } from '../net/index.js';
import { formatIp4, type Ipv4Packet, maskOf } from '../wire/index.js';
import type { Subnet } from './lease.js';

/** 224.0.0.0/4. */
const MULTICAST_NET = 0xe0000000;
const MULTICAST_MASK = 0xf0000000;

/**
 * flanneld `--ip-masq` before podwire has netfilter: evaluates the FLANNEL-POSTRTG chain flannel installs
 * (reference flannel.md §6) on every packet leaving the node, and where its MASQUERADE would change the
 * source address it says so in flanneld's log instead of rewriting — once per source and destination.
 * The packet goes on unchanged. Replaced by the real rules when netfilter lands (issue #5).
 */
export class MasqNotice implements NetfilterHooks {
  private readonly networkMask: number;
  private readonly leaseMask: number;
  private readonly told = new Set<string>();

  constructor(
    private readonly ns: NetNs,
    private readonly network: Subnet,
    private readonly lease: Subnet,
    private readonly warn: (text: string) => void,
  ) {
    this.networkMask = maskOf(network.prefixLen);
    this.leaseMask = maskOf(lease.prefixLen);
  }

  run(hook: HookPoint, packet: Ipv4Packet, _in: string | undefined, outDev: string | undefined) {
    if (hook !== 'POSTROUTING' || outDev === undefined || !this.masquerades(packet)) return packet;
    const dev = this.ns.deviceByName(outDev);
    if (dev === undefined) return packet;
    const to = selectSource(this.ns, dev.ifindex, packet.dst, 'global');
    if (to === undefined || to === packet.src) return packet;
    const key = `${packet.src}>${packet.dst}`;
    if (!this.told.has(key)) {
      this.told.add(key);
      this.warn(
        `ip-masq: ${formatIp4(packet.src)} -> ${formatIp4(packet.dst)} would leave ${outDev} as ${formatIp4(to)} (FLANNEL-POSTRTG MASQUERADE); not yet modelled, it leaves unchanged`,
      );
    }
    return packet;
  }

  /** FLANNEL-POSTRTG in order: four RETURNs, then two MASQUERADEs; no kube-proxy mark exists yet. */
  private masquerades(p: Ipv4Packet): boolean {
    const srcIn = (p.src & this.networkMask) >>> 0 === this.network.network;
    const dstIn = (p.dst & this.networkMask) >>> 0 === this.network.network;
    const srcLease = (p.src & this.leaseMask) >>> 0 === this.lease.network;
    const dstLease = (p.dst & this.leaseMask) >>> 0 === this.lease.network;
    if (srcLease && dstIn) return false;
    if (dstLease) return false; // covers both `-s N -d L` and `! -s N -d L`
    if (srcIn) return (p.dst & MULTICAST_MASK) >>> 0 !== MULTICAST_NET;
    return dstIn;
  }
}
