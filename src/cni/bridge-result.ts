/**
 * The bridge plugin's ADD result (plugins/main/bridge cmdAdd's current.Result), kept compact. The
 * kubelet holds every pod's result for `show`, and the JSON-shaped records (three interfaces with their
 * MAC texts, the IP record and its address text) were ~470 bytes a pod that almost nobody reads; this
 * keeps the numbers and the strings the devices share, and renders the records when asked.
 */
import { formatIp4, formatMac, type Mac } from '../wire/index.js';
import type { AllocatedIp } from './host-local.js';
import type { CniAddResult, CniDns, CniIpConfig, CniRoute } from './types.js';

/** The result's empty `dns`: one object for every pod's result (results are only read). */
const NO_DNS: CniDns = Object.freeze({});

/**
 * What one ADD made and handed out. The MACs are copied at ADD time: the result reports the devices as
 * they were then, as the runtime's cached result does.
 */
export class BridgeAdded {
  constructor(
    readonly cniVersion: string,
    readonly bridgeName: string,
    readonly bridgeMac: Mac,
    readonly hostName: string,
    readonly hostMac: Mac,
    readonly ifName: string,
    readonly podMac: Mac,
    /** The runtime's path of the pod's namespace (CNI_NETNS), the pod interface's `sandbox`. */
    readonly sandbox: string,
    readonly ip: AllocatedIp,
    /** The result's routes, shared by the pods of a node (results are only read). */
    readonly routes: readonly CniRoute[],
  ) {}

  /** The result records, in the plugin's order: the bridge, the host veth, the pod interface. */
  result(): CniAddResult {
    return {
      cniVersion: this.cniVersion,
      interfaces: [
        { name: this.bridgeName, mac: formatMac(this.bridgeMac) },
        { name: this.hostName, mac: formatMac(this.hostMac) },
        { name: this.ifName, mac: formatMac(this.podMac), sandbox: this.sandbox },
      ],
      ips: [ipConfig(this.cniVersion, this.ip)],
      routes: this.routes,
      dns: NO_DNS,
    };
  }
}

/** The result's IP record: `version` only for 0.x results (two literals: a spread clones per pod). */
function ipConfig(cniVersion: string, ip: AllocatedIp): CniIpConfig {
  const address = [formatIp4(ip.address), ip.prefixLen].join('/');
  const gateway = formatIp4(ip.gateway);
  return cniVersion.startsWith('0.')
    ? { version: '4', interface: 2, address, gateway }
    : { interface: 2, address, gateway };
}
