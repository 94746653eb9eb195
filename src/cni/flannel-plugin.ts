import { formatIp4, type Ip4, maskOf } from '../wire/index.js';
import type { BridgeConf, BridgePlugin, CniArgs } from './bridge-plugin.js';
import type { BridgeAdded } from './bridge-result.js';
import { BRIDGE_PLUGIN, FLANNEL_DATA_DIR } from './defaults.js';
import { hostLocalConfigFrom } from './host-local-config.js';
import { isJsonObject } from './json-fields.js';
import { cniOk } from './result.js';
import type { CniAddResult, CniResult } from './types.js';

/** What flanneld writes to /run/flannel/subnet.env and the flannel CNI plugin reads. */
export interface SubnetEnv {
  /** FLANNEL_NETWORK, e.g. 10.244.0.0/16. */
  readonly network: Ip4;
  readonly networkLen: number;
  /** FLANNEL_SUBNET, the node's podCIDR with host part 1, e.g. 10.244.1.1/24. */
  readonly subnet: Ip4;
  readonly subnetLen: number;
  /** FLANNEL_MTU. */
  readonly mtu: number;
  /** FLANNEL_IPMASQ: flanneld masquerades itself, so the bridge plugin must not (ipMasq = !this). */
  readonly ipmasq: boolean;
}

/** The flannel entry of the stock conflist (kube-flannel.yml 10-flannel.conflist). */
export interface FlannelNetConf {
  readonly cniVersion: string;
  /** `cbr0`. */
  readonly name: string;
  readonly hairpinMode: boolean;
  readonly isDefaultGateway: boolean;
}

/** kube-flannel.yml's conflist. */
export const STOCK_FLANNEL_CONF: FlannelNetConf = {
  cniVersion: '0.3.1',
  name: 'cbr0',
  hairpinMode: true,
  isDefaultGateway: true,
};

/**
 * The flannel CNI plugin (flannel-io/cni-plugin flannel_linux.go): turns subnet.env into a bridge
 * delegate config, saves it under /var/lib/cni/flannel/<containerID> so DEL can replay it, and calls the
 * bridge plugin with it. The saved text is what the real plugin writes: Go's json.Marshal of a map, keys
 * sorted, no spaces.
 */
export class FlannelPlugin {
  private readonly saved = new Map<string, string>();
  /**
   * The last delegate text and its parsed config: the text depends only on subnet.env, so every pod of
   * the node saves the same string and the bridge plugin reads the same config (one copy, parsed once).
   */
  private last: { readonly text: string; readonly conf: CniResult<BridgeConf> } | undefined;
  /** `delegate()`'s text, made at the first ADD: subnet.env and the conflist are fixed for the plugin's life. */
  private delegateText: string | undefined;

  constructor(
    private readonly bridge: BridgePlugin,
    private readonly env: SubnetEnv,
    private readonly conf: FlannelNetConf = STOCK_FLANNEL_CONF,
  ) {}

  /** The delegate config flannel generates for this node. */
  delegate(): string {
    const e = this.env;
    const subnetNet = (e.subnet & maskOf(e.subnetLen)) >>> 0;
    return JSON.stringify({
      cniVersion: this.conf.cniVersion,
      hairpinMode: this.conf.hairpinMode,
      ipMasq: !e.ipmasq,
      ipam: {
        ranges: [[{ subnet: `${formatIp4(subnetNet)}/${e.subnetLen}` }]],
        routes: [{ dst: `${formatIp4(e.network)}/${e.networkLen}` }],
        type: 'host-local',
      },
      isDefaultGateway: this.conf.isDefaultGateway,
      isGateway: true,
      mtu: e.mtu,
      name: this.conf.name,
      type: 'bridge',
    });
  }

  /** The saved delegate configs, as files of /var/lib/cni/flannel (path, content), by container ID. */
  savedFiles(): Array<{ readonly path: string; readonly content: string }> {
    return [...this.saved.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([cid, content]) => ({ path: `${FLANNEL_DATA_DIR}/${cid}`, content }));
  }

  /** cmdAdd: save the delegate config, then delegate to the bridge plugin. */
  add(args: CniArgs): CniResult<CniAddResult> {
    const r = this.addPod(args);
    return r.ok ? cniOk(r.value.result()) : r;
  }

  /** cmdAdd, with the bridge plugin's result kept compact (what the kubelet keeps for each pod). */
  addPod(args: CniArgs): CniResult<BridgeAdded> {
    this.delegateText ??= this.delegate();
    const { text, conf } = this.parsed(this.delegateText);
    this.saved.set(args.containerId, text);
    if (!conf.ok) return conf;
    return this.bridge.addPod(conf.value, args);
  }

  /** cmdDel: replay the saved delegate config; none saved is success. */
  del(args: CniArgs): CniResult<null> {
    const text = this.saved.get(args.containerId);
    if (text === undefined) return cniOk(null);
    const { conf } = this.parsed(text);
    if (!conf.ok) return conf;
    const r = this.bridge.del(conf.value, args);
    if (r.ok) this.saved.delete(args.containerId);
    return r;
  }

  private parsed(text: string): { readonly text: string; readonly conf: CniResult<BridgeConf> } {
    if (this.last?.text !== text) this.last = { text, conf: bridgeConf(text) };
    return this.last;
  }
}

/** The bridge plugin's loadNetConf for the keys flannel writes. */
function bridgeConf(text: string): CniResult<BridgeConf> {
  const net: unknown = JSON.parse(text);
  const ipam = hostLocalConfigFrom(net);
  if (!ipam.ok) return ipam;
  const get = (key: string): unknown => (isJsonObject(net) ? net[key] : undefined);
  const flag = (key: string): boolean => get(key) === true;
  const mtu = get('mtu');
  const bridge = get('bridge');
  return cniOk({
    cniVersion: ipam.value.cniVersion,
    name: ipam.value.name,
    bridge: typeof bridge === 'string' ? bridge : BRIDGE_PLUGIN.bridgeName,
    isGateway: flag('isGateway'),
    isDefaultGateway: flag('isDefaultGateway'),
    ipMasq: flag('ipMasq'),
    mtu: typeof mtu === 'number' ? mtu : 0,
    hairpinMode: flag('hairpinMode'),
    ipam: ipam.value,
  });
}
