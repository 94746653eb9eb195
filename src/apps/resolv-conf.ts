/**
 * /etc/resolv.conf as glibc's resolver reads it (resolv/res_init.c): nameservers, the search list and the
 * options ndots, timeout and attempts, with glibc's defaults (RES_TIMEOUT 5 s, RES_DFLRETRY 2, ndots 1,
 * at most MAXNS = 3 nameservers).
 */
import { formatIp4, type Ip4, parseIp4 } from '../wire/index.js';

/** The parts of resolv.conf the stub resolver uses. */
export interface ResolvConf {
  readonly nameservers: readonly Ip4[];
  readonly search: readonly string[];
  readonly ndots: number;
  /** `options timeout:N`, seconds (glibc RES_TIMEOUT 5). */
  readonly timeout: number;
  /** `options attempts:N` (glibc RES_DFLRETRY 2). */
  readonly attempts: number;
}

/** glibc's defaults for what resolv.conf leaves out. */
export const RESOLV_DEFAULTS = { ndots: 1, timeout: 5, attempts: 2 } as const;

/** glibc's MAXNS: later nameserver lines are ignored. */
export const RESOLV_MAXNS = 3;

/**
 * The resolv.conf the kubelet writes for a pod with `dnsPolicy: ClusterFirst` (pkg/kubelet/network/dns):
 * the cluster DNS Service as the only nameserver, the search path `<ns>.svc.<domain> svc.<domain>
 * <domain>` and `options ndots:5`. (The kubelet appends the node's own search domains, which podwire's
 * nodes do not have.)
 */
export function podResolvConf(
  namespace: string,
  clusterDnsIp: Ip4 | string,
  clusterDomain = 'cluster.local',
): ResolvConf {
  const ip = typeof clusterDnsIp === 'number' ? clusterDnsIp : parseIp4(clusterDnsIp);
  if (ip === undefined)
    throw new RangeError(`podResolvConf: bad cluster DNS address ${String(clusterDnsIp)}`);
  return {
    nameservers: [ip],
    search: [`${namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain],
    ndots: 5,
    timeout: RESOLV_DEFAULTS.timeout,
    attempts: RESOLV_DEFAULTS.attempts,
  };
}

/** The file text in the kubelet's order: `search`, `nameserver` lines, then the options that differ. */
export function formatResolvConf(c: ResolvConf): string {
  const lines: string[] = [];
  if (c.search.length > 0) lines.push(`search ${c.search.join(' ')}`);
  for (const ns of c.nameservers) lines.push(`nameserver ${formatIp4(ns)}`);
  const opts: string[] = [];
  if (c.ndots !== RESOLV_DEFAULTS.ndots) opts.push(`ndots:${c.ndots}`);
  if (c.timeout !== RESOLV_DEFAULTS.timeout) opts.push(`timeout:${c.timeout}`);
  if (c.attempts !== RESOLV_DEFAULTS.attempts) opts.push(`attempts:${c.attempts}`);
  if (opts.length > 0) lines.push(`options ${opts.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
