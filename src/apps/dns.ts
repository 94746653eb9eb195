/** DNS in apps/: the UDP server CoreDNS's answers go out through, and glibc's stub resolver. */
export { type DnsAnswerFn, type DnsServer, type DnsServerOptions, startDnsServer } from './dns-server.js';
export {
  formatResolvConf,
  podResolvConf,
  RESOLV_DEFAULTS,
  RESOLV_MAXNS,
  type ResolvConf,
} from './resolv-conf.js';
export { type HErrno, type ResolveResult, type ResolverQuery, resolveHost } from './resolver.js';
