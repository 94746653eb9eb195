/**
 * host-local's ADD result as the plugin prints it (main.go `types.PrintResult(result, confVersion)`):
 * no interfaces, one IP per range set, the config's routes, empty DNS.
 */
import { formatCidr, formatIp4 } from '../wire/index.js';
import type { Allocation } from './host-local.js';
import { formatRouteDst } from './host-local-config.js';
import type { CniAddResult, CniIpConfig, CniRoute } from './types.js';

const V4: '4' = '4';

/** The result JSON record of an allocation for the config's `cniVersion` (0.3.x/0.4.0 print `version`). */
export function ipamResult(allocation: Allocation, cniVersion: string): CniAddResult {
  const legacy = cniVersion.startsWith('0.');
  const ips: CniIpConfig[] = allocation.ips.map((ip) => ({
    ...(legacy ? { version: V4 } : {}),
    address: formatCidr(ip.address, ip.prefixLen),
    gateway: formatIp4(ip.gateway),
  }));
  const routes: CniRoute[] = allocation.routes.map((r) =>
    r.gw === undefined ? { dst: formatRouteDst(r) } : { dst: formatRouteDst(r), gw: formatIp4(r.gw) },
  );
  return {
    cniVersion,
    ...(ips.length > 0 ? { ips } : {}),
    ...(routes.length > 0 ? { routes } : {}),
    dns: {},
  };
}
