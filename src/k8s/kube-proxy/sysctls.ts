/**
 * The kernel settings kube-proxy makes at start-up, as data for the node to apply: conntrack sizing and
 * timeouts (cmd/kube-proxy/app/conntrack.go, server_linux.go), route_localnet for localhost NodePorts
 * (iptables proxier), and the IPVS knobs (pkg/proxy/ipvs/proxier.go NewProxier).
 */

import type { ProxyConfig } from './types.js';

/** One setting, keyed as `sysctl` names it (dots). */
export interface SysctlSetting {
  readonly key: string;
  readonly value: string;
  /** Why kube-proxy sets it. */
  readonly reason: string;
}

/** The host facts the settings depend on. */
export interface ProxyHost {
  /** Number of CPUs (conntrack.maxPerCore scales with it). */
  readonly cpus: number;
  /** Kernel version [major, minor]; conn_reuse_mode is only touched on 4.1 ≤ kernel < 5.9. */
  readonly kernel: readonly [number, number];
}

/** KubeProxyConntrackConfiguration defaults. */
export const CONNTRACK_MAX_PER_CORE = 32768;
export const CONNTRACK_MIN = 131072;
export const TCP_ESTABLISHED_TIMEOUT_S = 86400;
export const TCP_CLOSE_WAIT_TIMEOUT_S = 3600;

/** The sysctls kube-proxy sets on a node, in the order it sets them. */
export function kubeProxySysctls(config: ProxyConfig, host: ProxyHost): SysctlSetting[] {
  const out: SysctlSetting[] = [];
  // getConntrackMax: maxPerCore × CPUs, but at least min.
  const max = Math.max(CONNTRACK_MAX_PER_CORE * host.cpus, CONNTRACK_MIN);
  out.push(
    {
      key: 'net.netfilter.nf_conntrack_max',
      value: String(max),
      reason: 'conntrack.maxPerCore × CPUs (min 131072)',
    },
    {
      key: 'net.netfilter.nf_conntrack_tcp_timeout_established',
      value: String(TCP_ESTABLISHED_TIMEOUT_S),
      reason: 'conntrack.tcpEstablishedTimeout 24h',
    },
    {
      key: 'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
      value: String(TCP_CLOSE_WAIT_TIMEOUT_S),
      reason: 'conntrack.tcpCloseWaitTimeout 1h',
    },
  );
  if (config.mode === 'iptables') {
    if (config.localhostNodePorts) {
      out.push({ key: 'net.ipv4.conf.all.route_localnet', value: '1', reason: 'NodePorts on localhost' });
    }
    return out;
  }
  out.push({
    key: 'net.ipv4.vs.conntrack',
    value: '1',
    reason: 'IPVS connections go through conntrack (SNAT)',
  });
  const [major, minor] = host.kernel;
  const k = major * 1000 + minor;
  if (k >= 4001 && k < 5009) {
    out.push({ key: 'net.ipv4.vs.conn_reuse_mode', value: '0', reason: 'kernels 4.1–5.8 (issue 93297)' });
  }
  out.push(
    { key: 'net.ipv4.vs.expire_nodest_conn', value: '1', reason: 'drop connections to removed real servers' },
    {
      key: 'net.ipv4.vs.expire_quiescent_template',
      value: '1',
      reason: 'expire persistence to weight-0 servers',
    },
    { key: 'net.ipv4.ip_forward', value: '1', reason: 'IPVS forwards to real servers' },
  );
  if (config.strictARP) {
    out.push(
      { key: 'net.ipv4.conf.all.arp_ignore', value: '1', reason: 'ipvs.strictARP' },
      { key: 'net.ipv4.conf.all.arp_announce', value: '2', reason: 'ipvs.strictARP' },
    );
  }
  return out;
}
