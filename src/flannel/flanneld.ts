import type { NetNs, PeerTable, PeerView } from '../net/index.js';
import type { Netfilter } from '../netfilter/index.js';
import type { Ip4, Mac } from '../wire/index.js';
import { type Backend, type BackendContext, formatSubnet } from './backend.js';
import { HostGwBackend } from './hostgw-backend.js';
import { installFlannelRules } from './iptables.js';
import type { BackendType, Lease, LeaseEvent, Subnet } from './lease.js';
import type { FlannelLog } from './log.js';
import { UdpBackend } from './udp-backend.js';
import { VxlanBackend } from './vxlan-backend.js';

/** flanneld's settings on one node: net-conf.json, the node's podCIDR and public IP, its flags. */
export interface FlanneldConfig {
  readonly node: string;
  /** `Network`. */
  readonly network: Subnet;
  /** `node.spec.podCIDR`, the lease. */
  readonly lease: Subnet;
  readonly publicIp: Ip4;
  /** The external interface; the interface of the default route (`eth0`). */
  readonly extIface: string;
  readonly backend: BackendType;
  /** vxlan `"DirectRouting": true`. */
  readonly directRouting: boolean;
  /** `--ip-masq`. */
  readonly ipMasq: boolean;
  /** vxlan: the VTEP MAC (random at first start, then kept in the node's backend-data annotation). */
  readonly vtepMac: Mac;
  /** The node's netfilter, where flanneld keeps FLANNEL-POSTRTG and FLANNEL-FWD; none on a bare namespace. */
  readonly netfilter?: Netfilter;
}

/** One node's flanneld: sets up its backend, publishes its lease, and programs every peer's lease. */
export class Flanneld {
  readonly backend: Backend;
  private leaseValue: Lease | undefined;
  /** The leases of peers programmed now, by node; empty while the node shares its peers' entries. */
  private readonly peers = new Map<string, Lease>();
  /** The node's view of the FlannelNetwork's shared peer table, while attached. */
  private view: PeerView<Lease> | undefined;

  constructor(
    readonly ns: NetNs,
    readonly config: FlanneldConfig,
    readonly log: FlannelLog,
  ) {
    const ctx: BackendContext = {
      ns,
      node: config.node,
      network: config.network,
      lease: config.lease,
      publicIp: config.publicIp,
      extIface: config.extIface,
      log: (severity, text) => log.write(ns.sim.now, config.node, severity, text),
    };
    this.backend =
      config.backend === 'vxlan'
        ? new VxlanBackend(ctx, config.directRouting, config.vtepMac)
        : config.backend === 'host-gw'
          ? new HostGwBackend(ctx)
          : new UdpBackend(ctx);
  }

  /** The lease as published once started; undefined before. */
  get lease(): Lease | undefined {
    return this.leaseValue;
  }

  /**
   * Backend setup, the node's lease published, and its iptables rules (masquerade with --ip-masq). With
   * `shared`, a vxlan node follows the table for the peers it holds instead of programming each;
   * `unshared` is called once it stops (it programs its own entries from then on).
   */
  start(shared?: PeerTable<Lease>, unshared?: () => void): Lease {
    if (this.leaseValue !== undefined) return this.leaseValue;
    const data = this.backend.start();
    if (shared !== undefined && this.backend instanceof VxlanBackend) {
      this.view = this.backend.share(shared, (held) => {
        for (const e of held) this.peers.set(e.data.node, e.data);
        unshared?.();
      });
    }
    const c = this.config;
    this.leaseValue = {
      node: c.node,
      subnet: c.lease,
      publicIp: c.publicIp,
      backendType: this.backend.type,
      ...data,
    };
    if (c.netfilter !== undefined) installFlannelRules(c.netfilter, c.network, c.lease, c.ipMasq);
    return this.leaseValue;
  }

  /** A lease event from the subnet watch; this node's own lease is filtered out, as flannel does. */
  handle(event: LeaseEvent): void {
    const lease = event.lease;
    if (lease.node === this.config.node) return;
    if (lease.backendType !== this.backend.type) {
      this.log.write(
        this.ns.sim.now,
        this.config.node,
        'W',
        `Ignoring non-${this.backend.type} v4 subnet(${formatSubnet(lease.subnet)}): type=${lease.backendType}`,
      );
      return;
    }
    const shared = this.sharedHolds(lease);
    if (event.type === 'added') {
      // A lease the shared table does not hold: this node programs its own entries from now on.
      if (!shared) this.unshare();
      if (!shared) this.peers.set(lease.node, lease);
      this.backend.added(lease);
    } else if (shared || this.peers.delete(lease.node)) {
      this.backend.removed(lease);
    }
  }

  /** Peers programmed, in the order they were added. */
  programmed(): readonly Lease[] {
    const v = this.view;
    if (v?.attached === true) return v.visible().map((e) => e.data);
    return [...this.peers.values()];
  }

  /** Whether the node shares a peer table now. */
  get sharing(): boolean {
    return this.view?.attached === true;
  }

  /** The node programs its own entries from now on: the shared ones it held become real ones. */
  unshare(): void {
    this.view?.detach();
  }

  private sharedHolds(lease: Lease): boolean {
    const v = this.view;
    return (
      v?.attached === true && v.peerAt(lease.subnet.network, lease.subnet.prefixLen)?.data.node === lease.node
    );
  }
}
