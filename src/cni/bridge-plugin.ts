import { Bridge, type NetDevice, type NetNs, type Veth, vethPair } from '../net/index.js';
import type { Rng } from '../sim/index.js';
import { formatIp4, formatMac, type Ip4, type Mac } from '../wire/index.js';
import { BRIDGE_PLUGIN } from './defaults.js';
import { type AllocatedIp, HostLocalStore } from './host-local.js';
import type { HostLocalConfig, HostLocalRoute } from './host-local-config.js';
import { cniFail, cniOk } from './result.js';
import {
  CNI_ERR,
  type CniAddResult,
  type CniDns,
  type CniIpConfig,
  type CniResult,
  type CniRoute,
} from './types.js';

/** The result's empty `dns`: one object for every pod's result (results are only read). */
const NO_DNS: CniDns = Object.freeze({});

/** Two hex digits per byte value. */
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * `formatMac`'s text (aa:bb:cc:dd:ee:ff) as one flat string: results are kept for the pod's life, and
 * a string built by `+=` is a rope of cons cells several times the size of its 17 characters.
 */
function macText(mac: Mac): string {
  const hi = Math.floor(mac / 4294967296);
  const lo = mac >>> 0;
  return [
    HEX_BYTES[(hi >>> 8) & 0xff],
    HEX_BYTES[hi & 0xff],
    HEX_BYTES[lo >>> 24],
    HEX_BYTES[(lo >>> 16) & 0xff],
    HEX_BYTES[(lo >>> 8) & 0xff],
    HEX_BYTES[lo & 0xff],
  ].join(':');
}

/** The bridge plugin's config keys flannel sets (plugins/main/bridge NetConf), already checked. */
export interface BridgeConf {
  readonly cniVersion: string;
  readonly name: string;
  /** `bridge`, default cni0. */
  readonly bridge: string;
  readonly isGateway: boolean;
  readonly isDefaultGateway: boolean;
  readonly ipMasq: boolean;
  /** 0 = the kernel default (1500). */
  readonly mtu: number;
  readonly hairpinMode: boolean;
  readonly ipam: HostLocalConfig;
}

/** The runtime's side of a call: CNI_CONTAINERID, CNI_NETNS (the pod namespace itself), CNI_IFNAME. */
export interface CniArgs {
  readonly containerId: string;
  readonly netns: NetNs;
  /** The path the runtime names the namespace by (`/run/netns/<name>`), for `sandbox` in the result. */
  readonly netnsPath: string;
  readonly ifName: string;
}

/** What ADD made on the host, for captures and `show`: the host-side veth and the bridge. */
export interface BridgeAttachment {
  readonly bridge: Bridge;
  readonly hostVeth: Veth;
  readonly podVeth: Veth;
}

/**
 * The CNI `bridge` plugin on one node (plugins/main/bridge/bridge.go), in its ADD order: create cni0 if
 * missing, a veth pair with the host end named `veth` + 8 hex digits enslaved to cni0 (hairpin as
 * configured), host-local IPAM, the address and routes in the pod, the gateway address on cni0 and
 * ip_forward=1. A failed IPAM leaves the veth pair behind until DEL, as the real plugin does.
 */
export class BridgePlugin {
  private readonly stores = new Map<string, HostLocalStore>();
  /** The store `store` returned last: every ADD of a node names the same one. */
  private lastStore: HostLocalStore | undefined;
  private readonly attachments = new Map<string, BridgeAttachment>();
  /** `<node>/cni-veth-names`, fetched once (sim.rng hashes and looks up the name on every call). */
  private vethNames: Rng | undefined;
  /** The bridge's MAC as last formatted for a result: the same text for every pod of the node. */
  private bridgeMac: { readonly mac: Mac; readonly text: string } | undefined;
  /** The gateway as last formatted for a result (every pod of a node has the same). */
  private gatewayText: { readonly ip: Ip4; readonly text: string } | undefined;
  /** The last config's routes as result records, reused while ADDs get the same config. */
  private resultRoutes:
    | {
        readonly conf: BridgeConf;
        readonly ipamRoutes: readonly HostLocalRoute[];
        readonly gateway: Ip4;
        readonly routes: readonly CniRoute[];
      }
    | undefined;

  constructor(private readonly node: NetNs) {}

  /** host-local's state for a network name (one store per `<dataDir>/<name>`). */
  store(config: HostLocalConfig): HostLocalStore {
    const last = this.lastStore;
    if (last !== undefined && last.network === config.name && last.dataDir === config.dataDir) return last;
    const key = `${config.dataDir}/${config.name}`;
    let s = this.stores.get(key);
    if (s === undefined) {
      s = new HostLocalStore(config.name, config.dataDir);
      this.stores.set(key, s);
    }
    this.lastStore = s;
    return s;
  }

  /** Every host-local state directory this node has used, in first-use order. */
  ipamStores(): readonly HostLocalStore[] {
    return [...this.stores.values()];
  }

  /** The devices ADD made for a container, while it has them. */
  attachment(containerId: string, ifName: string): BridgeAttachment | undefined {
    return this.attachments.get(`${containerId}/${ifName}`);
  }

  /** cmdAdd. */
  add(conf: BridgeConf, args: CniArgs): CniResult<CniAddResult> {
    const mtu = conf.mtu > 0 ? conf.mtu : BRIDGE_PLUGIN.defaultMtu;
    const bridge = this.ensureBridge(conf.bridge, mtu);
    if (args.netns.deviceByName(args.ifName) !== undefined) {
      return cniFail(
        conf.cniVersion,
        CNI_ERR.internal,
        `container veth name provided (${args.ifName}) already exists`,
      );
    }
    const { hostVeth, podVeth } = this.makeVeth(args, mtu);
    const port = bridge.addPort(hostVeth);
    port.hairpin = conf.hairpinMode;
    this.attachments.set(`${args.containerId}/${args.ifName}`, { bridge, hostVeth, podVeth });

    const ipam = this.store(conf.ipam).allocate(conf.ipam, args.containerId, args.ifName);
    if (!ipam.ok) return ipam; // the veth pair stays until DEL (LAB)
    const ip = ipam.value.ips[0];
    if (ip === undefined)
      return cniFail(conf.cniVersion, CNI_ERR.internal, 'IPAM plugin returned missing IP config');

    // In the pod: address, link up, then the IPAM routes (via the gateway) and the default route last.
    const pod = args.netns;
    pod.addAddress(args.ifName, ip.address, ip.prefixLen, 'global', { setBroadcast: true });
    podVeth.adminUp = true;
    podVeth.activated = true;
    for (const r of ipam.value.routes) {
      pod.addRoute({ dst: r.dst, prefixLen: r.dstLen, gateway: r.gw ?? ip.gateway, dev: args.ifName });
    }
    if (conf.isDefaultGateway) pod.addRoute({ dst: 0, prefixLen: 0, gateway: ip.gateway, dev: args.ifName });
    if (conf.isGateway || conf.isDefaultGateway) this.ensureGatewayAddress(bridge, ip.gateway, ip.prefixLen);

    return cniOk({
      cniVersion: conf.cniVersion,
      interfaces: [
        { name: bridge.name, mac: this.bridgeMacText(bridge) },
        { name: hostVeth.name, mac: macText(hostVeth.mac) },
        { name: args.ifName, mac: macText(podVeth.mac), sandbox: args.netnsPath },
      ],
      ips: [this.ipConfig(conf.cniVersion, ip)],
      routes: this.routesOf(conf, ipam.value.routes, ip.gateway),
      dns: NO_DNS,
    });
  }

  /**
   * The result's routes: the IPAM routes, then the default route when isDefaultGateway. They depend only
   * on the config and the gateway, so pods of one node share one copy: results are only ever read.
   */
  private routesOf(
    conf: BridgeConf,
    ipamRoutes: readonly HostLocalRoute[],
    gateway: Ip4,
  ): readonly CniRoute[] {
    const cached = this.resultRoutes;
    if (cached?.conf === conf && cached.ipamRoutes === ipamRoutes && cached.gateway === gateway) {
      return cached.routes;
    }
    const routes: CniRoute[] = ipamRoutes.map((r) => ({
      dst: `${formatIp4(r.dst)}/${r.dstLen}`,
      ...(r.gw !== undefined ? { gw: formatIp4(r.gw) } : {}),
    }));
    if (conf.isDefaultGateway) routes.push({ dst: '0.0.0.0/0', gw: formatIp4(gateway) });
    this.resultRoutes = { conf, ipamRoutes, gateway, routes };
    return routes;
  }

  /** The result's IP record: `version` only for 0.x results (two literals: a spread clones per pod). */
  private ipConfig(cniVersion: string, ip: AllocatedIp): CniIpConfig {
    const address = [formatIp4(ip.address), ip.prefixLen].join('/'); // flat: the result is kept (macText)
    if (this.gatewayText?.ip !== ip.gateway)
      this.gatewayText = { ip: ip.gateway, text: formatIp4(ip.gateway) };
    const gateway = this.gatewayText.text;
    return cniVersion.startsWith('0.')
      ? { version: '4', interface: 2, address, gateway }
      : { interface: 2, address, gateway };
  }

  private bridgeMacText(bridge: Bridge): string {
    if (this.bridgeMac?.mac !== bridge.mac) this.bridgeMac = { mac: bridge.mac, text: formatMac(bridge.mac) };
    return this.bridgeMac.text;
  }

  /** cmdDel: releases the address and deletes the pod's veth pair; idempotent; the bridge stays. */
  del(conf: BridgeConf, args: CniArgs): CniResult<null> {
    this.store(conf.ipam).release(args.containerId, args.ifName);
    const key = `${args.containerId}/${args.ifName}`;
    const a = this.attachments.get(key);
    if (a === undefined) return cniOk(null);
    this.attachments.delete(key);
    a.bridge.removePort(a.hostVeth);
    this.node.removeDevice(a.hostVeth.name);
    if (args.netns.deviceByName(a.podVeth.name) === a.podVeth) args.netns.removeDevice(a.podVeth.name);
    return cniOk(null);
  }

  private ensureBridge(name: string, mtu: number): Bridge {
    const existing = this.node.deviceByName(name);
    if (existing instanceof Bridge) return existing;
    const mac = this.node.sim.rng(`mac/${this.node.name}/${name}`).mac();
    const bridge = new Bridge(this.node.sim, this.node.deviceOptions(name, mac, mtu));
    this.node.attach(bridge);
    return bridge;
  }

  /** ip.SetupVeth: both ends random MACs, host end `veth` + 4 random bytes in hex, MTU from the config. */
  private makeVeth(args: CniArgs, mtu: number): { hostVeth: Veth; podVeth: Veth } {
    const sim = this.node.sim;
    let hostName: string;
    this.vethNames ??= sim.rng(`${this.node.name}/cni-veth-names`);
    do {
      hostName = `veth${this.vethNames.u32().toString(16).padStart(8, '0')}`;
    } while (this.node.deviceByName(hostName) !== undefined);
    const pod = args.netns;
    const [podVeth, hostVeth] = vethPair(
      sim,
      pod.deviceOptions(args.ifName, sim.rng(`mac/${pod.name}/${args.ifName}`).mac(), mtu),
      this.node.deviceOptions(hostName, sim.rng(`mac/${this.node.name}/${hostName}`).mac(), mtu),
    );
    // Veths the plugin makes over netlink have txqueuelen 0 (no `qlen` in ip link; OBSERVED-cni.md).
    podVeth.txqlen = 0;
    hostVeth.txqlen = 0;
    podVeth.peerNetns = this.node.name;
    hostVeth.peerNetns = pod.name;
    pod.attach(podVeth);
    podVeth.adminUp = false; // brought up only once it has its address
    podVeth.activated = false;
    this.node.attach(hostVeth);
    return { hostVeth, podVeth };
  }

  /** The first pod puts `<gw>/<len>` on cni0 and turns on forwarding; later pods find it there. */
  private ensureGatewayAddress(bridge: NetDevice, gateway: Ip4, prefixLen: number): void {
    if (!this.node.addresses(bridge.ifindex).some((a) => a.ip === gateway)) {
      this.node.addAddress(bridge.name, gateway, prefixLen, 'global', { setBroadcast: true });
    }
    this.node.setSysctl('net.ipv4.ip_forward', '1');
  }
}
