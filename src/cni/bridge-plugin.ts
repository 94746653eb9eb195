import { Bridge, type NetDevice, type NetNs, type Veth, vethPair } from '../net/index.js';
import type { Rng } from '../sim/index.js';
import { formatIp4, hex32, type Ip4 } from '../wire/index.js';
import { BridgeAdded } from './bridge-result.js';
import { BRIDGE_PLUGIN } from './defaults.js';
import { HostLocalStore } from './host-local.js';
import type { HostLocalConfig, HostLocalRoute } from './host-local-config.js';
import { cniFail, cniOk } from './result.js';
import { CNI_ERR, type CniAddResult, type CniResult, type CniRoute } from './types.js';

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
  /**
   * What ADD made, by interface name and then container ID (nearly always one inner map, for eth0): the
   * container ID is a string the pod keeps anyway, where a `<id>/<ifname>` key was ~100 bytes per pod.
   */
  private readonly attachments = new Map<string, Map<string, BridgeAttachment>>();
  /** `<node>/cni-veth-names`, fetched once (sim.rng hashes and looks up the name on every call). */
  private vethNames: Rng | undefined;
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
    return this.attachments.get(ifName)?.get(containerId);
  }

  /** cmdAdd, with its result as the CNI records. */
  add(conf: BridgeConf, args: CniArgs): CniResult<CniAddResult> {
    const r = this.addPod(conf, args);
    return r.ok ? cniOk(r.value.result()) : r;
  }

  /** cmdAdd, with its result kept compact (what the kubelet keeps for each pod). */
  addPod(conf: BridgeConf, args: CniArgs): CniResult<BridgeAdded> {
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
    let byId = this.attachments.get(args.ifName);
    if (byId === undefined) {
      byId = new Map();
      this.attachments.set(args.ifName, byId);
    }
    byId.set(args.containerId, { bridge, hostVeth, podVeth });

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

    return cniOk(
      new BridgeAdded(
        conf.cniVersion,
        bridge.name,
        bridge.mac,
        hostVeth.name,
        hostVeth.mac,
        args.ifName,
        podVeth.mac,
        args.netnsPath,
        ip,
        this.routesOf(conf, ipam.value.routes, ip.gateway),
      ),
    );
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

  /** cmdDel: releases the address and deletes the pod's veth pair; idempotent; the bridge stays. */
  del(conf: BridgeConf, args: CniArgs): CniResult<null> {
    this.store(conf.ipam).release(args.containerId, args.ifName);
    const byId = this.attachments.get(args.ifName);
    const a = byId?.get(args.containerId);
    if (byId === undefined || a === undefined) return cniOk(null);
    byId.delete(args.containerId);
    a.bridge.removePort(a.hostVeth);
    this.node.removeDevice(a.hostVeth.name);
    if (args.netns.deviceByName(a.podVeth.name) === a.podVeth) args.netns.removeDevice(a.podVeth.name);
    return cniOk(null);
  }

  private ensureBridge(name: string, mtu: number): Bridge {
    const existing = this.node.deviceByName(name);
    if (existing instanceof Bridge) return existing;
    const mac = this.node.sim.mac(`mac/${this.node.name}/${name}`);
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
      hostName = `veth${hex32(this.vethNames.u32())}`;
    } while (this.node.deviceByName(hostName) !== undefined);
    const pod = args.netns;
    const [podVeth, hostVeth] = vethPair(
      sim,
      // Stream names joined, not templated: the simulator keeps each name, and a template's rope is a
      // cons cell beside the flat copy hashing makes.
      pod.deviceOptions(args.ifName, sim.mac(['mac', pod.name, args.ifName].join('/')), mtu),
      this.node.deviceOptions(hostName, sim.mac(['mac', this.node.name, hostName].join('/')), mtu),
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
