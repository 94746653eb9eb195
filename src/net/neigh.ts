import { MS, type Rng, type Sim } from '../sim/index.js';
import type { Ip4, Ipv4Packet, Mac } from '../wire/index.js';
import { NEIGH } from './defaults.js';
import { NeighEntry, type NeighHost, type NudState, type SharedNeighbours } from './neigh-entry.js';

export {
  NeighEntry,
  type NeighHost,
  type NudState,
  type SharedNeighbour,
  type SharedNeighbours,
} from './neigh-entry.js';

/** The entries of a table that has none yet, shared: never written (`writable` replaces it first). */
const NO_ENTRIES: ReadonlyMap<number, Map<Ip4, NeighEntry>> = new Map();

/** neigh_timer_handler's lower bound on the next expiry: HZ/100. */
const NEIGH_MIN_REARM_NS = 10 * MS;

/** States in which the MAC may be used to send (NUD_CONNECTED | NUD_DELAY | NUD_PROBE | NUD_STALE). */
function usable(state: NudState): boolean {
  return state !== 'NONE' && state !== 'INCOMPLETE' && state !== 'FAILED';
}

/**
 * The ARP neighbour table of one netns, after net/core/neighbour.c: resolution with queued packets,
 * retries, FAILED with error reports, and REACHABLE → STALE/DELAY → PROBE ageing on real timers.
 */
export class NeighTable {
  /** Entries by device, then address; NO_ENTRIES until the first (most pods never resolve anything). */
  private entries: ReadonlyMap<number, Map<Ip4, NeighEntry>> = NO_ENTRIES;
  /**
   * The entry `get` found last, by device: a device mostly sends to one next hop (a router's uplink, a
   * pod's gateway), so this skips two Map lookups per packet. Cleared when its entry is deleted.
   */
  private lastByDev: Array<NeighEntry | undefined> | undefined;
  private reachableNs = 0;
  /** When `reachableNs` was drawn; meaningless before the first draw (`rng` still unopened). */
  private reachableDrawnAt = 0;
  /** Packets dropped because the unresolved queue was full (unres_discards). */
  unresDiscards = 0;
  /** Permanent entries of one device shared with other namespaces; set by a PeerView. */
  shared: SharedNeighbours | undefined;

  private rng: Rng | undefined;

  /** `nsName`'s stream `<nsName>/neigh` is opened at the first draw (most pods never need one). */
  constructor(
    readonly sim: Sim,
    private readonly host: NeighHost,
    private readonly nsName: string,
  ) {}

  /** The entries by device, to write to (made at the first entry). */
  private writable(): Map<number, Map<Ip4, NeighEntry>> {
    if (this.entries === NO_ENTRIES) this.entries = new Map();
    return this.entries as Map<number, Map<Ip4, NeighEntry>>;
  }

  /** The entry for `ip` on device `dev`, if any. */
  get(dev: number, ip: Ip4): NeighEntry | undefined {
    const last = this.lastByDev?.[dev];
    if (last !== undefined && last.ip === ip) return last;
    let e = this.entries.get(dev)?.get(ip);
    if (e === undefined) {
      const shared = this.shared;
      if (shared === undefined || shared.ifindex !== dev) return undefined;
      const n = shared.neighbour(ip);
      if (n === undefined) return undefined;
      // Copy on use: the stack writes `used` (and may change state); that must stay this namespace's.
      e = this.permanentEntry(dev, ip, n.mac, shared.handledAt(n));
      this.devEntries(dev).set(ip, e);
    }
    // Made at the first entry found: a table that never resolves anything keeps no array.
    if (this.lastByDev === undefined) this.lastByDev = [];
    this.lastByDev[dev] = e;
    return e;
  }

  /** All entries, in creation order per device (ifindex order). */
  list(): NeighEntry[] {
    const shared = this.shared;
    const devs = [...this.entries.keys()];
    if (shared !== undefined && !this.entries.has(shared.ifindex)) devs.push(shared.ifindex);
    devs.sort((a, b) => a - b);
    return devs.flatMap((d) =>
      shared !== undefined && d === shared.ifindex
        ? this.withShared(d, shared)
        : [...(this.entries.get(d)?.values() ?? [])],
    );
  }

  /** The shared device's entries: each shared one (its copy once used) in order, then any own. */
  private withShared(dev: number, shared: SharedNeighbours): NeighEntry[] {
    const own = this.entries.get(dev);
    const out: NeighEntry[] = [];
    const seen = new Set<Ip4>();
    for (const n of shared.visible()) {
      out.push(own?.get(n.gateway) ?? this.permanentEntry(dev, n.gateway, n.mac, shared.handledAt(n)));
      seen.add(n.gateway);
    }
    for (const e of own?.values() ?? []) if (!seen.has(e.ip)) out.push(e);
    return out;
  }

  /** The addresses the table itself (not what it shares) has entries for on `dev`. */
  ownOn(dev: number): Iterable<Ip4> {
    return this.entries.get(dev)?.keys() ?? [];
  }

  /** Whether the table itself (not what it shares) has an entry for `ip` on `dev`. */
  hasOwn(dev: number, ip: Ip4): boolean {
    return this.entries.get(dev)?.has(ip) ?? false;
  }

  /**
   * The shared device's entries become the table's own: `shared` in order (each its copy if one was
   * made), as created at their time (create + setPermanent), then the entries it had besides.
   */
  adoptShared(dev: number, shared: readonly { ip: Ip4; mac: Mac; atNs: number }[]): void {
    const own = this.entries.get(dev);
    if (shared.length === 0) return;
    const rebuilt = new Map<Ip4, NeighEntry>();
    for (const n of shared)
      rebuilt.set(n.ip, own?.get(n.ip) ?? this.permanentEntry(dev, n.ip, n.mac, n.atNs));
    for (const [ip, e] of own ?? []) if (!rebuilt.has(ip)) rebuilt.set(ip, e);
    this.writable().set(dev, rebuilt);
  }

  /** A shared entry left the table: the copy this namespace made of it goes (queue empty: permanent). */
  dropShared(dev: number, ip: Ip4): void {
    const e = this.entries.get(dev)?.get(ip);
    if (e === undefined) return;
    e.timer.cancel();
    this.entries.get(dev)?.delete(ip);
    if (this.lastByDev?.[dev] === e) this.lastByDev[dev] = undefined;
  }

  /** A PERMANENT entry as `ip neigh replace … nud permanent` left it at `atNs` on a new entry. */
  private permanentEntry(dev: number, ip: Ip4, mac: Mac, atNs: number): NeighEntry {
    const e = new NeighEntry(this, ip, dev);
    e.used = atNs;
    e.updated = atNs;
    e.confirmed = atNs - 2 * NEIGH.baseReachableNs;
    e.mac = mac;
    e.state = 'PERMANENT';
    return e;
  }

  /** Before a change on the shared device that is not a copy on use: hold every entry ourselves. */
  private unshare(dev: number): void {
    if (this.shared !== undefined && this.shared.ifindex === dev) this.shared.detach();
  }

  private devEntries(dev: number): Map<Ip4, NeighEntry> {
    let byIp = this.entries.get(dev);
    if (byIp === undefined) {
      byIp = new Map();
      this.writable().set(dev, byIp);
    }
    return byIp;
  }

  /** The current randomised reachable time (neigh_rand_reach_time, redrawn every 300 s). */
  reachableTime(): number {
    const now = this.sim.now;
    if (this.rng === undefined || now - this.reachableDrawnAt >= NEIGH.reachableRedrawNs) {
      // neigh_rand_reach_time: base/2 + a uniform draw below base (drawn here in whole milliseconds).
      const base = NEIGH.baseReachableNs;
      this.rng ??= this.sim.rng(`${this.nsName}/neigh`);
      this.reachableNs = base / 2 + this.rng.int(0, base / MS - 1) * MS;
      this.reachableDrawnAt = now;
    }
    return this.reachableNs;
  }

  /** Sends `packet` to neighbour `ip` on `dev` once its MAC is known (neigh_output / neigh_event_send). */
  output(dev: number, ip: Ip4, packet: Ipv4Packet): void {
    let e = this.get(dev, ip);
    if (e === undefined) e = this.create(dev, ip);
    const now = this.sim.now;
    e.used = now;
    switch (e.state) {
      case 'REACHABLE':
        if (now > e.confirmed + this.reachableTime()) {
          // The kernel's timer would have moved it on by now; it was just used, so DELAY.
          this.enterDelay(e);
        }
        this.host.transmit(e, packet);
        return;
      case 'PERMANENT':
      case 'NOARP':
      case 'DELAY':
      case 'PROBE':
        this.host.transmit(e, packet);
        return;
      case 'STALE':
        this.enterDelay(e);
        this.host.transmit(e, packet);
        return;
      case 'NONE':
      case 'FAILED':
        this.setState(e, 'INCOMPLETE');
        e.probes = 0;
        this.enqueue(e, packet);
        this.probe(e);
        return;
      case 'INCOMPLETE':
        this.enqueue(e, packet);
        return;
    }
  }

  /**
   * Records what an ARP packet from `ip` says its MAC is (neigh_update from arp_process). `solicited` is
   * an ARP reply to us (→ REACHABLE); a request only makes a STALE entry, and only `create`s one when it
   * was addressed to us.
   */
  update(dev: number, ip: Ip4, mac: Mac, solicited: boolean, create: boolean): void {
    let e = this.get(dev, ip);
    if (e === undefined) {
      if (!create) return;
      e = this.create(dev, ip);
    }
    if (e.state === 'PERMANENT' || e.state === 'NOARP') return;
    const now = this.sim.now;
    const changed = e.mac !== mac;
    if (solicited) {
      e.mac = mac;
      e.confirmed = now;
      this.setState(e, 'REACHABLE');
      e.timer.start(this.reachableTime());
    } else if (changed || !usable(e.state)) {
      e.mac = mac;
      this.setState(e, 'STALE');
      e.timer.cancel();
    }
    if (usable(e.state)) this.flush(e);
  }

  /** Adds or replaces a static entry (`ip neigh replace … nud permanent`). */
  setPermanent(dev: number, ip: Ip4, mac: Mac): void {
    this.unshare(dev);
    const e = this.get(dev, ip) ?? this.create(dev, ip);
    e.mac = mac;
    e.timer.cancel();
    this.setState(e, 'PERMANENT');
    this.flush(e);
  }

  /** Deletes an entry (`ip neigh del`); queued packets are dropped. */
  delete(dev: number, ip: Ip4): boolean {
    if (this.shared?.ifindex === dev && this.shared.neighbour(ip) !== undefined) this.shared.detach();
    const e = this.get(dev, ip);
    if (e === undefined) return false;
    e.timer.cancel();
    this.entries.get(dev)?.delete(ip);
    if (this.lastByDev?.[dev] === e) this.lastByDev[dev] = undefined;
    return true;
  }

  /** Drops every entry of a device (device down or deleted: neigh_ifdown). */
  flushDev(dev: number): void {
    this.unshare(dev);
    for (const e of this.entries.get(dev)?.values() ?? []) e.timer.cancel();
    if (this.entries.has(dev)) this.writable().delete(dev);
    if (this.lastByDev !== undefined) this.lastByDev[dev] = undefined;
  }

  /** neigh_timer_handler (the comparisons are its time_before_eq, i.e. inclusive). */
  timerFired(e: NeighEntry): void {
    const now = this.sim.now;
    switch (e.state) {
      case 'REACHABLE':
        if (now <= e.confirmed + this.reachableTime()) {
          this.rearm(e, e.confirmed + this.reachableTime() - now);
        } else if (now <= e.used + NEIGH.delayFirstProbeNs) {
          this.enterDelay(e);
        } else {
          this.setState(e, 'STALE');
        }
        return;
      case 'DELAY':
        // Only a confirmation during the delay itself (upper-layer progress, an ARP reply) saves the probe.
        if (now <= e.confirmed + NEIGH.delayFirstProbeNs) {
          this.setState(e, 'REACHABLE');
          this.rearm(e, e.confirmed + this.reachableTime() - now);
        } else {
          this.setState(e, 'PROBE');
          e.probes = 0;
          this.probe(e);
        }
        return;
      case 'INCOMPLETE':
      case 'PROBE': {
        const max = e.state === 'INCOMPLETE' ? NEIGH.mcastSolicit : NEIGH.ucastSolicit;
        if (e.probes >= max) this.fail(e);
        else this.probe(e);
        return;
      }
      default:
        return;
    }
  }

  /** The handler never re-arms sooner than HZ/100 ahead (10 ms), so an entry cannot spin at one instant. */
  private rearm(e: NeighEntry, delay: number): void {
    e.timer.start(delay < NEIGH_MIN_REARM_NS ? NEIGH_MIN_REARM_NS : delay);
  }

  private create(dev: number, ip: Ip4): NeighEntry {
    this.unshare(dev);
    const byIp = this.devEntries(dev);
    const e = new NeighEntry(this, ip, dev);
    e.updated = this.sim.now;
    e.used = this.sim.now;
    // ___neigh_create backdates a new entry's confirmation by two base reachable times: never confirmed.
    e.confirmed = this.sim.now - 2 * NEIGH.baseReachableNs;
    byIp.set(ip, e);
    return e;
  }

  private setState(e: NeighEntry, state: NudState): void {
    if (e.state !== state) e.updated = this.sim.now;
    e.state = state;
  }

  private enterDelay(e: NeighEntry): void {
    this.setState(e, 'DELAY');
    e.timer.start(NEIGH.delayFirstProbeNs);
  }

  private probe(e: NeighEntry): void {
    e.probes++;
    this.host.solicit(e, e.state === 'PROBE' ? e.mac : undefined);
    e.timer.start(NEIGH.retransNs);
  }

  private enqueue(e: NeighEntry, packet: Ipv4Packet): void {
    const size = packet.totalLength;
    while (e.queue.length > 0 && e.queueBytes + size > NEIGH.unresQlenBytes) {
      const dropped = e.queue.shift();
      if (dropped !== undefined) e.queueBytes -= dropped.totalLength;
      this.unresDiscards++;
    }
    e.queue.push(packet);
    e.queueBytes += size;
  }

  private flush(e: NeighEntry): void {
    if (e.queue.length === 0) return;
    const queued = e.queue;
    e.queue = [];
    e.queueBytes = 0;
    for (const p of queued) this.host.transmit(e, p);
  }

  private fail(e: NeighEntry): void {
    this.setState(e, 'FAILED');
    e.timer.cancel();
    const queued = e.queue;
    e.queue = [];
    e.queueBytes = 0;
    for (const p of queued) this.host.unreachable(e, p);
  }
}
