/**
 * kube-proxy on one node: the kernel settings it makes at start-up (NewProxier), and syncProxyRules,
 * which puts what the cluster's shared KubeProxyRules generates for this node into the node's netfilter
 * — in iptables mode the nat/filter/mangle chains and jumps; in IPVS mode kube-ipvs0, its addresses,
 * the ipsets, the virtual servers and the remaining iptables rules — then clears stale UDP conntrack
 * entries. In IPVS mode it also gives the node's netfilter engine the Ipvs it programs (`nf.ipvs`).
 */

import type { NetNs } from '../../net/index.js';
import { type IpSets, Ipvs, type Netfilter, type TableName } from '../../netfilter/index.js';
import type { Ip4 } from '../../wire/index.js';
import { cleanStaleEntries, udpServiceMap } from './conntrack-cleanup.js';
import type { KubeProxyRules } from './generator.js';
import { installProxyTable } from './install.js';
import { IpvsNodeSync } from './ipvs-sync.js';
import { kubeProxySysctls } from './sysctls.js';
import type { ProxyConfig, ProxyTableRules } from './types.js';

/**
 * The node's addresses as kube-proxy's GetAllLocalAddressesExcept(kube-ipvs0) finds them: every address
 * but loopback's and kube-ipvs0's, device by device (eth0, then flannel.1, cni0 as they were created).
 */
export function localAddresses(ns: NetNs): Ip4[] {
  const out: Ip4[] = [];
  for (const dev of ns.devices()) {
    if (dev.kind === 'loopback' || dev.name === 'kube-ipvs0') continue;
    for (const a of ns.addresses(dev.ifindex)) out.push(a.ip);
  }
  return out;
}

/** The kernel the model follows (the reference LAB ran Linux 6.18): ≥ 5.9, so conn_reuse_mode stays. */
const KERNEL: readonly [number, number] = [6, 18];

export interface KubeProxyNodeOptions {
  readonly ns: NetNs;
  readonly nf: Netfilter;
  /** The node's ipsets (IPVS mode fills them; `nf.sets` is pointed at them when unset). */
  readonly sets: IpSets;
  readonly config: ProxyConfig;
  /** CPUs of the node (conntrack.maxPerCore scales with them); default 1. */
  readonly cpus?: number;
  /**
   * Reads the node's addresses at each sync, as GetAllLocalAddressesExcept does (cni0 appears with the
   * first pod); without it `config.nodeIPs` stays as given.
   */
  readonly nodeIPs?: () => readonly Ip4[];
}

/** One node's kube-proxy. */
export class KubeProxyNode {
  /** The node's IPVS (IPVS mode only), also set as `nf.ipvs`. */
  readonly ipvs: Ipvs | undefined;
  private cfg: ProxyConfig;
  private readonly nodeIPs: (() => readonly Ip4[]) | undefined;
  private readonly ns: NetNs;
  private readonly nf: Netfilter;
  private readonly ipvsSync: IpvsNodeSync | undefined;
  /** The output the tables were last installed from (iptables mode), for the no-op check. */
  private lastOutput: object | undefined;
  private readonly installed = new Map<TableName, ProxyTableRules>();
  private udpSignature = '';

  constructor(opts: KubeProxyNodeOptions) {
    this.ns = opts.ns;
    this.nf = opts.nf;
    this.cfg = opts.config;
    this.nodeIPs = opts.nodeIPs;
    if (opts.nf.sets === undefined) opts.nf.sets = opts.sets;
    if (opts.config.mode === 'ipvs') {
      const ns = opts.ns;
      const ipvs = new Ipvs({ isLocal: (addr) => ns.local.lookup(addr)?.type === 'local' });
      this.ipvs = ipvs;
      this.ipvsSync = new IpvsNodeSync(ns, opts.sets, ipvs);
      opts.nf.ipvs = ipvs;
    } else {
      this.ipvs = undefined;
      this.ipvsSync = undefined;
    }
    this.applySysctls(opts.cpus ?? 1);
  }

  /**
   * syncProxyRules: installs what `rules` generates for this node. In iptables mode a sync that gets
   * the very output object of the last one does nothing; IPVS mode diffs against the kernel state.
   */
  sync(rules: KubeProxyRules): void {
    if (this.nodeIPs !== undefined) {
      const ips = this.nodeIPs();
      const old = this.cfg.nodeIPs;
      if (ips.length !== old.length || ips.some((ip, i) => ip !== old[i]))
        this.cfg = { ...this.cfg, nodeIPs: ips };
    }
    const sync = this.ipvsSync;
    if (sync === undefined) {
      const out = rules.iptables(this.config);
      if (out === this.lastOutput) return;
      this.lastOutput = out;
      this.install('filter', out.filter);
      this.install('nat', out.nat);
      this.install('mangle', out.mangle);
    } else {
      const state = rules.ipvs(this.config);
      sync.apply(state);
      this.install('filter', state.filter);
      this.install('nat', state.nat);
    }
    const udp = udpServiceMap(rules.servicePorts());
    if (udp.signature !== this.udpSignature) {
      this.udpSignature = udp.signature;
      cleanStaleEntries(this.nf, udp);
    }
  }

  get config(): ProxyConfig {
    return this.cfg;
  }

  private install(table: TableName, rules: ProxyTableRules): void {
    if (this.installed.get(table) === rules) return;
    installProxyTable(this.nf, table, rules);
    this.installed.set(table, rules);
  }

  /** NewProxier's sysctls: net.netfilter.* go to the conntrack engine, the rest to the namespace. */
  private applySysctls(cpus: number): void {
    for (const s of kubeProxySysctls(this.config, { cpus, kernel: KERNEL })) {
      if (!s.key.startsWith('net.netfilter.') || !this.nf.setSysctl(s.key, s.value))
        this.ns.setSysctl(s.key, s.value);
      const ipvs = this.ipvs;
      if (ipvs !== undefined) setIpvsSysctl(ipvs, s.key, s.value);
    }
  }
}

/** /proc/sys/net/ipv4/vs/* as IPVS reads them. */
function setIpvsSysctl(ipvs: Ipvs, key: string, value: string): void {
  const on = value !== '0';
  switch (key) {
    case 'net.ipv4.vs.conntrack':
      ipvs.sysctls.conntrack = on;
      return;
    case 'net.ipv4.vs.expire_nodest_conn':
      ipvs.sysctls.expireNodestConn = on;
      return;
    case 'net.ipv4.vs.expire_quiescent_template':
      ipvs.sysctls.expireQuiescentTemplate = on;
      return;
    case 'net.ipv4.vs.conn_reuse_mode':
      ipvs.sysctls.connReuseMode = Number(value);
      return;
  }
}
