import type { Ip4, Mac } from '../wire/index.js';
import type { SharedFdb, Vxlan, VxlanFdbEntry } from './dev/index.js';
import type { Route, RouteTable, SharedRoutes } from './fib.js';
import type { NeighTable, SharedNeighbours } from './neigh.js';

/**
 * What an overlay programs for one peer on every node alike — flannel's vxlan backend per remote lease:
 * the onlink route `dst/prefixLen via gateway dev VTEP`, the permanent neighbour `gateway lladdr mac`
 * and the FDB entry `mac dst remote`.
 */
export interface PeerSpec {
  readonly dst: Ip4;
  readonly prefixLen: number;
  readonly gateway: Ip4;
  /** The peer's VTEP MAC. */
  readonly mac: Mac;
  /** The peer's underlay address, where frames for `mac` are tunnelled. */
  readonly remote: Ip4;
}

/** One peer of a PeerTable, with what the tables that consult it need, built once. */
export class PeerEntry<T> implements PeerSpec {
  readonly dst: Ip4;
  readonly prefixLen: number;
  readonly gateway: Ip4;
  readonly mac: Mac;
  readonly remote: Ip4;
  readonly fdb: VxlanFdbEntry;
  /** The route as each VTEP ifindex sees it, built on first use: lookups never allocate. */
  private readonly routes: Array<Route | undefined> = [];

  constructor(
    spec: PeerSpec,
    /** What the owner of the table attached to the peer (flannel: the lease). */
    readonly data: T,
    /** Simulated time the peer was added. */
    readonly atNs: number,
  ) {
    this.dst = spec.dst;
    this.prefixLen = spec.prefixLen;
    this.gateway = spec.gateway;
    this.mac = spec.mac;
    this.remote = spec.remote;
    this.fdb = Object.freeze({ mac: spec.mac, dst: spec.remote });
  }

  /** `dst/prefixLen via gateway dev <ifindex> onlink`, as `ip route replace` would have built it. */
  route(ifindex: number): Route {
    let r = this.routes[ifindex];
    if (r === undefined) {
      r = Object.freeze<Route>({
        type: 'unicast',
        dst: this.dst,
        prefixLen: this.prefixLen,
        dev: ifindex,
        proto: 'boot',
        scope: 'global',
        metric: 0,
        onlink: true,
        gateway: this.gateway,
      });
      this.routes[ifindex] = r;
    }
    return r;
  }
}

/** What a namespace hands over to follow a PeerTable: its tables, its VTEP, and the peer that is itself. */
export interface PeerAttachment<T> {
  readonly main: RouteTable;
  readonly neigh: NeighTable;
  readonly dev: Vxlan;
  /** The namespace's own prefix: the peer with this dst/prefixLen is not shown to it. */
  readonly self: { readonly network: Ip4; readonly prefixLen: number };
  /** Called once the view is materialised into real entries, with the peers it held, in order. */
  readonly onDetach: (held: readonly PeerEntry<T>[]) => void;
}

/**
 * Entries many namespaces hold identically — an overlay's per-peer route, neighbour and FDB entry —
 * kept once. Each namespace attaches a PeerView: its main table, neighbour table and VTEP FDB consult
 * the shared entries after their own, so N nodes cost N entries, not N². Peers are kept in insertion
 * order (the order every node programmed them) and are unique by prefix, gateway and MAC; a
 * namespace whose own state stops being "its own entries plus every peer" detaches: its view becomes
 * real entries, in the order it would have created them.
 */
export class PeerTable<T> {
  private readonly peers = new Set<PeerEntry<T>>();
  /** By prefix length, by signed key (`dst | 0`). */
  private readonly byLen: Array<Map<number, PeerEntry<T>> | undefined> = [];
  /** Prefix lengths present, longest first. */
  lens: number[] = [];
  private readonly byMac = new Map<Mac, PeerEntry<T>>();
  private readonly byGateway = new Map<Ip4, PeerEntry<T>>();
  private readonly views = new Set<PeerView<T>>();
  /**
   * Attached views by the key (routeKey) of a route of their own main table: the only views a new peer
   * can clash with. A view's own neighbours on its VTEP are copies of current peers and its own FDB is
   * empty (any other change there detaches it), so a peer — unique by gateway and MAC — clashes with a
   * view only through a route the view added itself. May hold views that have since detached or removed
   * the route: `add` checks each candidate.
   */
  private readonly owners = new Map<number, PeerView<T>[]>();
  private closedValue = false;

  /** True once the table has been closed: nobody attaches or adds any more. */
  get closed(): boolean {
    return this.closedValue;
  }

  /** Peers in insertion order. */
  entries(): IterableIterator<PeerEntry<T>> {
    return this.peers.values();
  }

  get size(): number {
    return this.peers.size;
  }

  /** The peer for exactly `dst/prefixLen`. */
  at(dst: Ip4, prefixLen: number): PeerEntry<T> | undefined {
    return this.byLen[prefixLen]?.get(dst | 0);
  }

  /** The peer of prefix length `prefixLen` whose destination's signed form is `key`. */
  atKey(prefixLen: number, key: number): PeerEntry<T> | undefined {
    return this.byLen[prefixLen]?.get(key);
  }

  byMacAddr(mac: Mac): PeerEntry<T> | undefined {
    return this.byMac.get(mac);
  }

  byGatewayAddr(ip: Ip4): PeerEntry<T> | undefined {
    return this.byGateway.get(ip);
  }

  /** Namespaces following the table now. */
  get attached(): number {
    return this.views.size;
  }

  /**
   * Adds a peer every attached namespace sees at once. A namespace whose own tables already hold an
   * entry the peer would replace detaches first. Undefined (nothing added) when the table is closed or
   * the peer's prefix, gateway or MAC is another peer's: namespaces would not agree, the caller closes.
   */
  add(spec: PeerSpec, data: T, nowNs: number): PeerEntry<T> | undefined {
    if (this.closedValue) return undefined;
    if (this.at(spec.dst, spec.prefixLen) !== undefined) return undefined;
    if (this.byMac.has(spec.mac) || this.byGateway.has(spec.gateway)) return undefined;
    const key = routeKey(spec.dst, spec.prefixLen);
    const candidates = this.owners.get(key);
    // The candidates that do not clash no longer hold the route (or it is their own lease): forgotten.
    this.owners.delete(key);
    if (candidates !== undefined) for (const v of candidates) if (v.attached && v.clashes(spec)) v.detach();
    const e = new PeerEntry(spec, data, nowNs);
    this.peers.add(e);
    let group = this.byLen[e.prefixLen];
    if (group === undefined) {
      group = new Map();
      this.byLen[e.prefixLen] = group;
      this.lens = [...this.lens, e.prefixLen].sort((a, b) => b - a);
    }
    group.set(e.dst | 0, e);
    this.byMac.set(e.mac, e);
    this.byGateway.set(e.gateway, e);
    return e;
  }

  /** Removes a peer: attached namespaces stop seeing it (and drop their in-use copy of its neighbour). */
  remove(e: PeerEntry<T>): boolean {
    if (!this.peers.delete(e)) return false;
    const group = this.byLen[e.prefixLen];
    group?.delete(e.dst | 0);
    if (group !== undefined && group.size === 0) {
      this.byLen[e.prefixLen] = undefined;
      this.lens = this.lens.filter((l) => l !== e.prefixLen);
    }
    this.byMac.delete(e.mac);
    this.byGateway.delete(e.gateway);
    for (const v of this.views) v.forget(e);
    return true;
  }

  /**
   * Attaches a namespace. Undefined when the table is closed, when the namespace's own prefix is already
   * another peer's, or when its tables hold entries a peer would have replaced: it programs its own.
   */
  attach(a: PeerAttachment<T>, nowNs: number): PeerView<T> | undefined {
    if (this.closedValue || this.at(a.self.network, a.self.prefixLen) !== undefined) return undefined;
    // Any peer holding an entry the namespace has itself (none of them is the namespace's own prefix).
    const { main, neigh, dev } = a;
    for (const r of main.ownRoutes()) if (this.at(r.dst, r.prefixLen) !== undefined) return undefined;
    for (const ip of neigh.ownOn(dev.ifindex)) if (this.byGateway.has(ip)) return undefined;
    for (const f of dev.fdbOwn()) if (this.byMac.has(f.mac)) return undefined;
    const v = new PeerView(this, a, nowNs);
    this.views.add(v);
    for (const r of main.ownRoutes()) this.owns(v, r.dst, r.prefixLen);
    v.hook();
    return v;
  }

  /** Called by an attached view whose main table added a route of its own to `dst/prefixLen`. */
  owns(v: PeerView<T>, dst: Ip4, prefixLen: number): void {
    if (this.closedValue) return;
    const key = routeKey(dst, prefixLen);
    const list = this.owners.get(key);
    if (list === undefined) this.owners.set(key, [v]);
    else if (list[list.length - 1] !== v) list.push(v);
  }

  /** Every attached namespace detaches, and the table takes no more peers or namespaces. */
  close(): void {
    this.closedValue = true;
    this.owners.clear();
    for (const v of [...this.views]) v.detach();
  }

  /** Called by a view as it detaches. */
  drop(v: PeerView<T>): void {
    // Its entries in `owners` go when a peer's add checks them (at most one per route it held).
    this.views.delete(v);
  }
}

/**
 * One namespace's window on a PeerTable: every peer but itself, as routes of its main table, permanent
 * neighbours of its VTEP and FDB entries of the VTEP. Lookups read the shared entries; a neighbour the
 * stack uses is copied into the namespace's own table first, so per-packet state never leaks.
 */
export class PeerView<T> implements SharedRoutes, SharedNeighbours, SharedFdb {
  readonly ifindex: number;
  private attachedValue = true;

  constructor(
    private readonly table: PeerTable<T>,
    private readonly a: PeerAttachment<T>,
    /** When the namespace attached: it programmed the peers present then, at that time. */
    private readonly attachedAtNs: number,
  ) {
    this.ifindex = a.dev.ifindex;
  }

  get attached(): boolean {
    return this.attachedValue;
  }

  get lens(): readonly number[] {
    return this.table.lens;
  }

  /** The namespace's own prefix. */
  private isSelf(e: PeerEntry<T>): boolean {
    return e.dst === this.a.self.network && e.prefixLen === this.a.self.prefixLen;
  }

  /** The peer this namespace sees for exactly `dst/prefixLen`. */
  peerAt(dst: Ip4, prefixLen: number): PeerEntry<T> | undefined {
    const e = this.table.at(dst, prefixLen);
    return e === undefined || this.isSelf(e) ? undefined : e;
  }

  /** SharedRoutes: the route for the signed key `key` of prefix length `prefixLen`. */
  route(prefixLen: number, key: number): Route | undefined {
    const e = this.table.atKey(prefixLen, key);
    return e === undefined || this.isSelf(e) ? undefined : e.route(this.ifindex);
  }

  /** SharedRoutes: every route, in peer order. */
  routes(): Route[] {
    return this.visible().map((e) => e.route(this.ifindex));
  }

  /** SharedRoutes: whether `match` accepts any of the routes. */
  some(match: (r: Route) => boolean): boolean {
    for (const e of this.table.entries()) if (!this.isSelf(e) && match(e.route(this.ifindex))) return true;
    return false;
  }

  /** SharedRoutes: the namespace added a route of its own; a peer taking its prefix would clash. */
  ownAdded(dst: Ip4, prefixLen: number): void {
    if (this.attachedValue) this.table.owns(this, dst, prefixLen);
  }

  /** SharedNeighbours: the permanent neighbour for `ip` on the VTEP. */
  neighbour(ip: Ip4): PeerEntry<T> | undefined {
    const e = this.table.byGatewayAddr(ip);
    return e === undefined || this.isSelf(e) ? undefined : e;
  }

  /** When this namespace programmed the peer: when it attached, or when the peer was added since. */
  handledAt(e: PeerEntry<T>): number {
    return e.atNs > this.attachedAtNs ? e.atNs : this.attachedAtNs;
  }

  /** The FDB entry for `mac`. */
  fdb(mac: Mac): VxlanFdbEntry | undefined {
    const e = this.table.byMacAddr(mac);
    return e === undefined || this.isSelf(e) ? undefined : e.fdb;
  }

  /** The peers shown to the namespace, in order. */
  visible(): PeerEntry<T>[] {
    const out: PeerEntry<T>[] = [];
    for (const e of this.table.entries()) if (!this.isSelf(e)) out.push(e);
    return out;
  }

  /** Whether the namespace's own tables hold an entry that `spec`'s programming would replace. */
  clashes(spec: PeerSpec): boolean {
    const { main, neigh, dev, self } = this.a;
    if (spec.dst === self.network && spec.prefixLen === self.prefixLen) return false;
    return (
      main.hasOwn(spec.dst, spec.prefixLen) ||
      neigh.hasOwn(this.ifindex, spec.gateway) ||
      dev.fdbHasOwn(spec.mac)
    );
  }

  /** Points the namespace's tables at this view. */
  hook(): void {
    this.a.main.shared = this;
    this.a.neigh.shared = this;
    this.a.dev.sharedFdb = this;
  }

  /** The peer is gone from the table: the namespace's in-use copy of its neighbour goes with it. */
  forget(e: PeerEntry<T>): void {
    if (!this.isSelf(e)) this.a.neigh.dropShared(this.ifindex, e.gateway);
  }

  /**
   * Materialises the view: each peer becomes a real neighbour, FDB entry and route of the namespace, in
   * peer order (the order it would have programmed them), and the tables stop consulting the table.
   */
  detach(): void {
    if (!this.attachedValue) return;
    this.attachedValue = false;
    const held = this.visible();
    const { main, neigh, dev } = this.a;
    main.shared = undefined;
    neigh.shared = undefined;
    dev.sharedFdb = undefined;
    this.table.drop(this);
    neigh.adoptShared(
      this.ifindex,
      held.map((e) => ({ ip: e.gateway, mac: e.mac, atNs: this.handledAt(e) })),
    );
    for (const e of held) dev.fdbAdd(e.mac, e.remote);
    for (const e of held) main.add(e.route(this.ifindex));
    this.a.onDetach(held);
  }
}

/** A unique number for `dst/prefixLen`. */
function routeKey(dst: Ip4, prefixLen: number): number {
  return prefixLen * 0x1_0000_0000 + (dst >>> 0);
}
