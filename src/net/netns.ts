import type { Sim, TraceBus } from '../sim/index.js';
import { type EthernetFrame, IPPROTO_UDP, type Ip4, type Mac, type UdpDatagram } from '../wire/index.js';
import { DEFAULT_SYSCTLS, IP } from './defaults.js';
import { Bridge, Loopback, type NetDevice, Tun, Vxlan, type VxlanUnderlay } from './dev/index.js';
import type { Explainer } from './explain.js';
import { appended, prefixMask, type Route, RouteTable } from './fib.js';
import type { NetfilterHooks } from './hooks.js';
import { Ipv4Stack, type OutputRoute, type SendOptions, type SendResult } from './ipv4.js';
import { NeighTable } from './neigh.js';
import { builtRoute, kernelRoute, LO_ADDR, LO_IFINDEX, LO_ROUTES, withSlot } from './netns-tables.js';
import { Sockets } from './sockets.js';
import type { IfAddr, StackView } from './view.js';

export interface NetNsOptions {
  /** The namespace's name: a node (`node1`), a router, or a pod (`node1/pa`). */
  readonly name: string;
  readonly trace: TraceBus<EthernetFrame>;
  /** Prefix for capture point names of its devices (`node1` → `node1/eth0`); defaults to `name`. */
  readonly tracePrefix?: string;
}

/** Arguments of `ip route add`. */
export interface RouteSpec {
  readonly dst: Ip4;
  readonly prefixLen: number;
  readonly gateway?: Ip4;
  readonly dev: string;
  readonly onlink?: boolean;
  readonly metric?: number;
  readonly prefsrc?: Ip4;
  readonly proto?: Route['proto'];
  readonly scope?: Route['scope'];
  readonly type?: Route['type'];
}

/** Arguments of `ip link add NAME address MAC mtu MTU type vxlan id VNI local IP dev LOWER dstport P [no]learning`. */
export interface VxlanSpec {
  readonly name: string;
  readonly mac: Mac;
  readonly mtu: number;
  readonly vni: number;
  readonly local: Ip4;
  readonly lowerDev: string;
  readonly dstPort: number;
  readonly learning: boolean;
}

/** Why `addRoute` refused, in iproute2's words. */
export type RouteError = 'Cannot find device' | 'Nexthop has invalid gateway.' | 'File exists';

/**
 * A network namespace: its devices (with `lo` at ifindex 1), addresses, `local` and `main` route tables,
 * neighbour table, sysctls and sockets, and the IPv4 stack that moves packets between them.
 */
export class NetNs implements StackView, VxlanUnderlay {
  readonly name: string;
  readonly trace: TraceBus<EthernetFrame>;
  readonly tracePrefix: string;
  readonly local = new RouteTable('local');
  readonly main = new RouteTable('main');
  /** Made at the first use: most pods never resolve a neighbour, nor are asked to show them. */
  private neighTable: NeighTable | undefined;
  readonly sockets = new Sockets(this);
  private statsMap: Map<string, number> | undefined;
  readonly ip: Ipv4Stack;
  readonly lo: Loopback;
  hooks: NetfilterHooks | undefined;
  /** Told every decision while a packet is being explained; set with `setExplainer`. */
  explain: Explainer | undefined;
  /** Exact-size copies on change (a pod has two devices; a pushed-to array reserves 17 slots). */
  private devs: NetDevice[] = [];
  /** Devices by ifindex (dense from 1): an array index on the per-packet path instead of a Map lookup. */
  private byIndex: Array<NetDevice | undefined> = [];
  /**
   * Devices by name, made once the namespace holds more than BY_NAME_FROM devices: a pod has two, found
   * as fast by scanning `devs`, and a Map per pod namespace costs more memory than the scan costs time.
   */
  private byName: Map<string, NetDevice> | undefined;
  /** Addresses by ifindex (dense from 1, like `byIndex`), kept exact-size while devices come in order. */
  private addrs: Array<IfAddr[] | undefined> = [];
  /** Sysctls set in this namespace; the others read DEFAULT_SYSCTLS (most pods set none). */
  private sysctlsSet: Map<string, string> | undefined;
  /** Sockets a device holds open (a VXLAN device's UDP socket), closed when the device goes. */
  private deviceSockets: Map<string, () => void> | undefined;
  /** net.ipv4.ip_forward is "1": read for every packet not addressed to us, so kept decoded. */
  ipForward = DEFAULT_SYSCTLS.get('net.ipv4.ip_forward') === '1';
  /** net.ipv4.icmp_echo_ignore_all is "1": read for every echo request. */
  icmpEchoIgnoreAll = DEFAULT_SYSCTLS.get('net.ipv4.icmp_echo_ignore_all') === '1';
  /** net.bridge.bridge-nf-call-iptables is "1": read for every IPv4 frame entering a bridge port. */
  bridgeNfCallIptables = DEFAULT_SYSCTLS.get('net.bridge.bridge-nf-call-iptables') === '1';
  private nextIfindex = 1;

  constructor(
    readonly sim: Sim,
    options: NetNsOptions,
  ) {
    this.name = options.name;
    this.trace = options.trace;
    this.tracePrefix = options.tracePrefix ?? options.name;
    this.ip = new Ipv4Stack(this);
    this.lo = new Loopback(sim, this.deviceOptions('lo', 0, 65536));
    this.attach(this.lo);
    // `addAddress('lo', 127.0.0.1, 8, 'host')`, with the address and its three routes shared by every
    // namespace: they are equal everywhere (lo is ifindex 1) and never changed in place.
    this.setAddrs(LO_IFINDEX, [LO_ADDR]);
    for (const r of LO_ROUTES) this.local.add(r);
  }

  /** The ARP neighbour table (its random stream opens at its first draw, so when it is made is moot). */
  get neigh(): NeighTable {
    this.neighTable ??= new NeighTable(this.sim, this.ip, this.name);
    return this.neighTable;
  }

  /** Counters by name (drops and their reasons), made at the first one. */
  get stats(): Map<string, number> {
    this.statsMap ??= new Map();
    return this.statsMap;
  }

  /** Options for a new device of this namespace: next ifindex, capture point `PREFIX/NAME`. */
  deviceOptions(name: string, mac: number, mtu: number) {
    return {
      name,
      ifindex: this.nextIfindex++,
      mac,
      mtu,
      // Joined, not templated: the trace bus keeps the name, and a template's rope is a cons cell kept
      // beside the flat copy that hashing it makes.
      tracePoint: [this.tracePrefix, name].join('/'),
      trace: this.trace,
    };
  }

  /** Takes ownership of a device created with `deviceOptions`; its frames now reach this stack. */
  attach(dev: NetDevice): void {
    if (this.deviceByName(dev.name) !== undefined) {
      throw new Error(`${this.name}: device ${dev.name} already exists`);
    }
    this.devs = appended(this.devs, dev);
    this.byIndex = withSlot(this.byIndex, dev.ifindex, dev);
    if (this.byName !== undefined) this.byName.set(dev.name, dev);
    else if (this.devs.length > BY_NAME_FROM) this.byName = new Map(this.devs.map((d) => [d.name, d]));
    dev.handler = this.ip;
    if (dev instanceof Bridge) dev.nfHooks = this.ip.brnf;
    if (dev instanceof Bridge || dev instanceof Vxlan) dev.explain = this.explain;
  }

  /**
   * Starts (or, with undefined, stops) explaining: the stack, and the bridges and VXLAN devices of the
   * namespace, report each decision they take to `x` (`podwire trace`).
   */
  setExplainer(x: Explainer | undefined): void {
    this.explain = x;
    for (const dev of this.devs) if (dev instanceof Bridge || dev instanceof Vxlan) dev.explain = x;
  }

  /**
   * `ip link del DEV`: the device leaves the namespace with its addresses, the routes through it and its
   * neighbour entries (a veth's peer goes with it: call this for both ends).
   */
  removeDevice(name: string): void {
    const dev = this.mustDevice(name);
    this.devs = this.devs.filter((d) => d !== dev);
    this.byIndex[dev.ifindex] = undefined;
    this.byName?.delete(name);
    this.deviceSockets?.get(name)?.();
    this.deviceSockets?.delete(name);
    if (this.addrs[dev.ifindex] !== undefined) this.addrs[dev.ifindex] = undefined;
    this.local.remove((r) => r.dev === dev.ifindex);
    this.main.remove((r) => r.dev === dev.ifindex);
    this.neighTable?.flushDev(dev.ifindex);
    dev.adminUp = false;
    dev.handler = undefined;
  }

  /**
   * `ip link add … type vxlan …`, brought up: the device, and the UDP socket on its port that hands
   * arriving datagrams to it (vxlan_sock_add on open). Refuses a port another socket holds.
   */
  addVxlan(spec: VxlanSpec): Vxlan {
    const dev = new Vxlan(this.sim, this.deviceOptions(spec.name, spec.mac, spec.mtu), {
      vni: spec.vni,
      local: spec.local,
      lowerDev: spec.lowerDev,
      dstPort: spec.dstPort,
      learning: spec.learning,
      hashKey: this.sim.rng(`${this.name}/flow-hash`).u32(),
    });
    const close = this.sockets.bindUdp(spec.dstPort, (_pkt, datagram) => dev.receiveOuter(datagram));
    if (close === undefined) throw new Error(`${this.name}: UDP port ${spec.dstPort} is in use`);
    dev.underlay = this;
    this.attach(dev);
    this.deviceSockets ??= new Map();
    this.deviceSockets.set(spec.name, close);
    return dev;
  }

  /** `ip tuntap add NAME mode tun`, up, with MTU `mtu`: a TUN device (no MAC, no ARP). */
  addTun(name: string, mtu: number): Tun {
    const dev = new Tun(this.sim, { ...this.deviceOptions(name, 0, mtu), layer3: true });
    dev.txqlen = 500;
    this.attach(dev);
    return dev;
  }

  /** VxlanUnderlay: ip_local_out of an outer datagram with DF clear and TTL 64 (`ttl auto`). */
  sendOuter(src: Ip4, dst: Ip4, datagram: UdpDatagram, tos: number): boolean {
    const r = this.ip.send({
      src,
      dst,
      protocol: IPPROTO_UDP,
      payload: datagram,
      ttl: IP.defaultTtl,
      tos,
      pmtudisc: 'dont',
    });
    return r.ok;
  }

  device(ifindex: number): NetDevice | undefined {
    return this.byIndex[ifindex];
  }

  deviceByName(name: string): NetDevice | undefined {
    if (this.byName !== undefined) return this.byName.get(name);
    const devs = this.devs;
    for (let i = 0; i < devs.length; i++) if ((devs[i] as NetDevice).name === name) return devs[i];
    return undefined;
  }

  /** Devices in ifindex order. */
  devices(): readonly NetDevice[] {
    return this.devs;
  }

  addresses(ifindex: number): readonly IfAddr[] {
    return this.addrs[ifindex] ?? [];
  }

  sysctl(key: string): string {
    return this.sysctlsSet?.get(key) ?? DEFAULT_SYSCTLS.get(key) ?? '0';
  }

  setSysctl(key: string, value: string): void {
    this.sysctlsSet ??= new Map();
    this.sysctlsSet.set(key, value);
    if (key === 'net.ipv4.ip_forward') this.ipForward = value === '1';
    else if (key === 'net.ipv4.icmp_echo_ignore_all') this.icmpEchoIgnoreAll = value === '1';
    else if (key === 'net.bridge.bridge-nf-call-iptables') this.bridgeNfCallIptables = value === '1';
  }

  /**
   * `ip addr add IP/LEN dev DEV`: the address plus the routes the kernel adds for it (fib_add_ifaddr):
   * `local` in table local, `broadcast` for the subnet (not for /31 and /32), and the connected prefix
   * route in main (not for /32). `options.setBroadcast` is netlink's IFA_BROADCAST (what the CNI plugins
   * send; `ip addr add` without `brd` sends none): it only changes what `ip addr` prints.
   */
  addAddress(
    devName: string,
    ip: Ip4,
    prefixLen: number,
    scope: IfAddr['scope'] = 'global',
    options?: { readonly setBroadcast?: boolean },
  ): void {
    const dev = this.mustDevice(devName);
    const mask = prefixMask(prefixLen);
    const net = (ip & mask) >>> 0;
    const broadcast = prefixLen < 31 ? (net | ~mask) >>> 0 : undefined;
    const list = this.addrs[dev.ifindex];
    const broadcastSet = options?.setBroadcast === true && broadcast !== undefined;
    const addr: IfAddr = { ip, prefixLen, dev: dev.ifindex, broadcast, scope, broadcastSet };
    if (list === undefined) this.setAddrs(dev.ifindex, [addr]);
    else list.push(addr);
    const ifindex = dev.ifindex;
    if (dev.kind === 'loopback' && prefixLen < 32) {
      this.local.add(kernelRoute('local', net, prefixLen, 'host', ifindex, ip));
    }
    this.local.add(kernelRoute('local', ip, 32, 'host', ifindex, ip));
    if (broadcast !== undefined) {
      this.local.add(kernelRoute('broadcast', broadcast, 32, 'link', ifindex, ip));
    }
    if (prefixLen < 32 && dev.kind !== 'loopback') {
      this.main.add(kernelRoute('unicast', net, prefixLen, 'link', ifindex, ip));
    }
  }

  /**
   * `ip addr del IP/LEN dev DEV`: the address goes with the routes fib_del_ifaddr removes for it — its
   * `local` route unless another address of the namespace is the same IP, and the subnet's `broadcast`
   * and prefix routes unless another address of the device still covers that subnet. False when the
   * device has no such address (EADDRNOTAVAIL).
   */
  deleteAddress(devName: string, ip: Ip4, prefixLen: number): boolean {
    const dev = this.mustDevice(devName);
    const list = this.addrs[dev.ifindex] ?? [];
    const at = list.findIndex((a) => a.ip === ip && a.prefixLen === prefixLen);
    const gone = list[at];
    if (gone === undefined) return false;
    list.splice(at, 1);
    const mask = prefixMask(prefixLen);
    const net = (ip & mask) >>> 0;
    const kernelRoute = (r: Route) => r.dev === dev.ifindex && r.proto === 'kernel';
    let sameIp = false;
    for (const l of this.addrs) if (l?.some((a) => a.ip === ip) === true) sameIp = true;
    const subnetLeft = list.some((a) => a.prefixLen === prefixLen && (a.ip & mask) >>> 0 === net);
    this.local.remove(
      (r) =>
        kernelRoute(r) &&
        ((r.type === 'local' && r.prefsrc === ip && !sameIp) ||
          (r.type === 'broadcast' && !subnetLeft && r.dst === gone.broadcast)),
    );
    if (!subnetLeft) this.main.remove((r) => kernelRoute(r) && r.dst === net && r.prefixLen === prefixLen);
    return true;
  }

  /** `ip route add`; refuses what iproute2 refuses (unknown device, a gateway not on a link without onlink). */
  addRoute(spec: RouteSpec): RouteError | undefined {
    const dev = this.deviceByName(spec.dev);
    if (dev === undefined) return 'Cannot find device';
    if (spec.gateway !== undefined && spec.onlink !== true) {
      const via = this.main.lookup(spec.gateway);
      if (via === undefined || via.gateway !== undefined || via.dev !== dev.ifindex) {
        return 'Nexthop has invalid gateway.';
      }
    }
    const route = builtRoute(
      spec.type ?? 'unicast',
      spec.dst,
      spec.prefixLen,
      dev.ifindex,
      spec.proto ?? 'boot',
      spec.scope ?? (spec.gateway === undefined ? 'link' : 'global'),
      spec.metric ?? 0,
      spec.onlink ?? false,
      spec.gateway,
      spec.prefsrc,
    );
    return this.main.add(route) ? undefined : 'File exists';
  }

  /** `ip route replace`: the route with the same destination, prefix and metric is replaced, or added. */
  replaceRoute(spec: RouteSpec): RouteError | undefined {
    const metric = spec.metric ?? 0;
    const same = (r: Route) => r.dst === spec.dst && r.prefixLen === spec.prefixLen && r.metric === metric;
    const old = this.main.withPrefix(spec.dst, spec.prefixLen).filter(same);
    if (old.length > 0) this.main.remove(same);
    const err = this.addRoute(spec);
    if (err !== undefined) for (const r of old) this.main.add(r);
    return err;
  }

  /** `ip route del DST/LEN [via GW]`; false (ESRCH, "No such process") when no route matched. */
  deleteRoute(dst: Ip4, prefixLen: number, gateway?: Ip4): boolean {
    return (
      this.main.remove(
        (r) =>
          r.dst === dst &&
          r.prefixLen === prefixLen &&
          r.type === 'unicast' &&
          (gateway === undefined || r.gateway === gateway),
      ) > 0
    );
  }

  /** `ip link set DEV up|down`; down flushes the device's neighbours, as neigh_ifdown does. */
  setLinkUp(devName: string, up: boolean): void {
    const dev = this.mustDevice(devName);
    dev.adminUp = up;
    if (up) dev.activated = true;
    if (!up) this.neighTable?.flushDev(dev.ifindex);
  }

  /** The route and source a local send to `dst` would use (`ip route get DST`). */
  routeOutput(dst: Ip4, src?: Ip4): OutputRoute {
    return this.ip.routeOutput(dst, src);
  }

  /** Sends a locally generated packet. */
  send(opts: SendOptions): SendResult {
    return this.ip.send(opts);
  }

  private setAddrs(ifindex: number, list: IfAddr[]): void {
    this.addrs = withSlot(this.addrs, ifindex, list);
  }

  private mustDevice(name: string): NetDevice {
    const dev = this.deviceByName(name);
    if (dev === undefined) throw new Error(`${this.name}: no device ${name}`);
    return dev;
  }
}

/** Namespaces with more devices than this index them by name (see `byName`). */
const BY_NAME_FROM = 8;
