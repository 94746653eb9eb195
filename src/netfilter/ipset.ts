/**
 * IP sets (the kernel's ip_set, as kube-proxy's IPVS mode uses them): the six types kube-proxy creates,
 * members added and deleted in `ipset add` syntax (`10.96.0.1,tcp:443`), and the per-packet test
 * `-m set --match-set NAME dst,dst` performs, which is one or two Map/Set lookups whatever the set's size.
 * The `dst,dst,src` flags pick, per dimension, the packet's source or destination address or port
 * (ip_set_get_ip4_port / ip4addrptr); a test with fewer flags than the type has dimensions never matches
 * (ip_set_test: `opt->dim < set->type->dimension`).
 */
import { type Ip4, maskOf } from '../wire/index.js';
import {
  DIMENSION,
  formatIpsetEntry,
  type IpSetEntry,
  type IpSetType,
  PROTO_INDEX,
  parseIpsetEntry,
} from './ipset-entry.js';

export {
  formatIpsetEntry,
  IPSET_TYPES,
  type IpSetEntry,
  type IpSetType,
  parseIpsetEntry,
} from './ipset-entry.js';

/** The packet fields a set test reads. For ICMP, ipset uses `(type << 8) | code` as the port. */
export interface IpSetPacket {
  readonly src: Ip4;
  readonly dst: Ip4;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
}

export interface IpSetOptions {
  /** Hash types: initial bucket count, rounded up to a power of two, at least 64 (default 1024). */
  readonly hashsize?: number;
  /** Hash types: most members allowed (default 65536). */
  readonly maxelem?: number;
  /** bitmap:port: the port range (kube-proxy uses 0-65535). Required for bitmap:port. */
  readonly range?: { readonly from: number; readonly to: number };
  /**
   * Hash types: the jhash seed the kernel draws at creation. Current ipset/kernels print it in the header
   * (`bucketsize 12 initval 0x…`); leave it out for the older header without either.
   */
  readonly initval?: number;
  /** Hash types: the bucket size shown with initval (default 12). */
  readonly bucketsize?: number;
}

export type IpSetResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

const OK: IpSetResult = { ok: true };

function failure(error: string): IpSetResult {
  return { ok: false, error };
}

/** The numeric key of an (ip, proto, port) triple: 32 + 2 + 16 bits, exact in a double. */
function ipPortKey(ip: Ip4, protoIndex: number, port: number): number {
  return ip * 0x40000 + protoIndex * 0x10000 + port;
}

/** A set of one type, with `ipset add/del/test` semantics and an O(1) packet test. */
export class IpSet {
  readonly hashsize: number;
  readonly maxelem: number;
  readonly range: { readonly from: number; readonly to: number } | undefined;
  readonly initval: number | undefined;
  readonly bucketsize: number;
  /** Members by their printed form, in insertion order (the order `ipset list` shows here). */
  private readonly members = new Map<string, IpSetEntry>();
  /** hash:ip, hash:ip,port: the member keys. */
  private readonly keys = new Set<number>();
  /** hash:ip,port,ip / hash:ip,port,net: ip,port key → second-level keys. */
  private readonly nested = new Map<number, Set<number>>();
  /** hash:net / hash:ip,port,net: how many members have each prefix length (the kernel's nets[] array). */
  private readonly prefixCounts = new Map<number, number>();
  /** The prefix lengths present, most specific first, as masks and lengths (no iterator per packet). */
  private lens: number[] = [];
  private masks: number[] = [];
  /** bitmap:port: one byte per port of the range. */
  private readonly bitmap: Uint8Array | undefined;

  constructor(
    readonly name: string,
    readonly type: IpSetType,
    opts: IpSetOptions = {},
  ) {
    if (name.length === 0 || name.length > 31)
      throw new RangeError(`set name "${name}" must be 1..31 characters`);
    const hs = opts.hashsize ?? 1024;
    if (!Number.isInteger(hs) || hs < 1) throw new RangeError(`hashsize ${hs} must be a positive integer`);
    this.hashsize = Math.max(64, 2 ** Math.ceil(Math.log2(hs)));
    this.maxelem = opts.maxelem ?? 65536;
    this.initval = opts.initval === undefined ? undefined : opts.initval >>> 0;
    this.bucketsize = opts.bucketsize ?? 12;
    if (type === 'bitmap:port') {
      const r = opts.range;
      if (r === undefined) throw new RangeError('bitmap:port needs a range');
      if (!(r.from >= 0 && r.from <= r.to && r.to <= 0xffff))
        throw new RangeError(`bad port range ${r.from}-${r.to}`);
      this.range = r;
      this.bitmap = new Uint8Array(r.to - r.from + 1);
    } else {
      this.range = undefined;
      this.bitmap = undefined;
    }
  }

  /** Number of members. */
  get size(): number {
    return this.members.size;
  }

  /** Members in listing order. */
  entries(): IterableIterator<IpSetEntry> {
    return this.members.values();
  }

  /** Members as `ipset list` prints them (bitmap:port ascending, hash types in insertion order). */
  memberTexts(): string[] {
    const texts = [...this.members.keys()];
    if (this.type === 'bitmap:port') texts.sort((a, b) => Number(a) - Number(b));
    return texts;
  }

  /** Parses a member in `ipset add` syntax for this set's type. */
  parseEntry(text: string): IpSetEntry | string {
    return parseIpsetEntry(this.type, text);
  }

  /** The member as ipset prints it (`10.96.0.1,tcp:443`, `10.244.1.0/24`, `30080`). */
  formatEntry(e: IpSetEntry): string {
    return formatIpsetEntry(this.type, e);
  }

  private normalise(entry: IpSetEntry | string): { e: IpSetEntry; text: string } | string {
    let e: IpSetEntry;
    if (typeof entry === 'string') {
      const p = this.parseEntry(entry);
      if (typeof p === 'string') return p;
      e = p;
    } else {
      e = entry;
      const text = this.formatEntry(e);
      const back = this.parseEntry(text);
      if (typeof back === 'string') return back;
      if (e.proto !== undefined && !PROTO_INDEX.has(e.proto))
        return `protocol ${e.proto} is not supported by podwire`;
      e = back;
    }
    if (this.type === 'bitmap:port' && this.range !== undefined) {
      const port = e.port ?? 0;
      if (port < this.range.from || port > this.range.to) return 'Element is out of the range of the set';
    }
    return { e, text: this.formatEntry(e) };
  }

  /** The key (and second-level key) of a member in the lookup structures. */
  private keyOf(e: IpSetEntry): { k: number; k2?: number; len?: number } {
    switch (this.type) {
      case 'bitmap:port':
        return { k: e.port ?? 0 };
      case 'hash:ip':
        return { k: e.ip ?? 0 };
      case 'hash:net':
        return { k: (e.ip ?? 0) * 64 + (e.prefixLen ?? 32), len: e.prefixLen ?? 32 };
      default: {
        const k = ipPortKey(e.ip ?? 0, PROTO_INDEX.get(e.proto ?? 6) ?? 0, e.port ?? 0);
        if (this.type === 'hash:ip,port') return { k };
        if (this.type === 'hash:ip,port,ip') return { k, k2: e.ip2 ?? 0 };
        const len = e.net?.prefixLen ?? 32;
        return { k, k2: (e.net?.addr ?? 0) * 64 + len, len };
      }
    }
  }

  /** `ipset add`: an existing member is an error unless `exist` (ipset's `-exist`). */
  add(entry: IpSetEntry | string, opts: { readonly exist?: boolean } = {}): IpSetResult {
    const n = this.normalise(entry);
    if (typeof n === 'string') return failure(n);
    if (this.members.has(n.text)) {
      return opts.exist === true ? OK : failure("Element cannot be added to the set: it's already added");
    }
    if (this.type !== 'bitmap:port' && this.members.size >= this.maxelem) {
      return failure('Hash is full, cannot add more elements');
    }
    this.members.set(n.text, n.e);
    const { k, k2, len } = this.keyOf(n.e);
    if (this.bitmap !== undefined && this.range !== undefined) this.bitmap[k - this.range.from] = 1;
    else if (k2 === undefined) this.keys.add(k);
    else {
      let inner = this.nested.get(k);
      if (inner === undefined) {
        inner = new Set();
        this.nested.set(k, inner);
      }
      inner.add(k2);
    }
    if (len !== undefined) {
      const c = this.prefixCounts.get(len) ?? 0;
      this.prefixCounts.set(len, c + 1);
      if (c === 0) this.updateLens();
    }
    return OK;
  }

  /** `ipset del`: a missing member is an error unless `exist`. */
  del(entry: IpSetEntry | string, opts: { readonly exist?: boolean } = {}): IpSetResult {
    const n = this.normalise(entry);
    if (typeof n === 'string') return failure(n);
    if (!this.members.delete(n.text)) {
      return opts.exist === true ? OK : failure("Element cannot be deleted from the set: it's not added");
    }
    const { k, k2, len } = this.keyOf(n.e);
    if (this.bitmap !== undefined && this.range !== undefined) this.bitmap[k - this.range.from] = 0;
    else if (k2 === undefined) this.keys.delete(k);
    else {
      const inner = this.nested.get(k);
      inner?.delete(k2);
      if (inner?.size === 0) this.nested.delete(k);
    }
    if (len !== undefined) {
      const c = (this.prefixCounts.get(len) ?? 1) - 1;
      if (c === 0) {
        this.prefixCounts.delete(len);
        this.updateLens();
      } else this.prefixCounts.set(len, c);
    }
    return OK;
  }

  /** Rebuilds the prefix-length list (the kernel keeps its nets[] most specific first). */
  private updateLens(): void {
    this.lens = [...this.prefixCounts.keys()].sort((a, b) => b - a);
    this.masks = this.lens.map((len) => maskOf(len));
  }

  /** `ipset flush`. */
  flush(): void {
    this.members.clear();
    this.keys.clear();
    this.nested.clear();
    this.prefixCounts.clear();
    this.updateLens();
    this.bitmap?.fill(0);
  }

  /** `ipset test SET ENTRY`: is this member in the set (hash:net: is the address covered)? */
  has(entry: IpSetEntry | string): boolean {
    const n = this.normalise(entry);
    if (typeof n === 'string') return false;
    if (this.type === 'hash:net' && n.e.prefixLen === 32) {
      // Without a prefix the kernel tries every prefix length the set holds (mtype_test_cidrs).
      const ip = n.e.ip ?? 0;
      return this.test({ src: ip, dst: ip, proto: 0, sport: 0, dport: 0 }, ['dst']);
    }
    return this.members.has(n.text);
  }

  /**
   * The `-m set --match-set NAME FLAGS` test for one packet: O(1) for the ip/port types, at most one
   * lookup per distinct prefix length for the net types.
   */
  test(pkt: IpSetPacket, flags: readonly ('src' | 'dst')[]): boolean {
    const dim = DIMENSION[this.type];
    if (flags.length < dim) return false;
    const ip1 = flags[0] === 'src' ? pkt.src : pkt.dst;
    switch (this.type) {
      case 'hash:ip':
        return this.keys.has(ip1);
      case 'hash:net':
        for (let k = 0; k < this.lens.length; k++) {
          const len = this.lens[k] as number;
          if (this.keys.has(((ip1 & (this.masks[k] as number)) >>> 0) * 64 + len)) return true;
        }
        return false;
      case 'bitmap:port': {
        const port = flags[0] === 'src' ? pkt.sport : pkt.dport;
        const r = this.range;
        return r !== undefined && port >= r.from && port <= r.to && this.bitmap?.[port - r.from] === 1;
      }
      default: {
        const pi = PROTO_INDEX.get(pkt.proto);
        if (pi === undefined) return false;
        const k = ipPortKey(ip1, pi, flags[1] === 'src' ? pkt.sport : pkt.dport);
        if (this.type === 'hash:ip,port') return this.keys.has(k);
        const inner = this.nested.get(k);
        if (inner === undefined) return false;
        const ip3 = flags[2] === 'src' ? pkt.src : pkt.dst;
        if (this.type === 'hash:ip,port,ip') return inner.has(ip3);
        for (let k = 0; k < this.lens.length; k++) {
          const len = this.lens[k] as number;
          if (inner.has(((ip3 & (this.masks[k] as number)) >>> 0) * 64 + len)) return true;
        }
        return false;
      }
    }
  }
}

/**
 * The sets of one network namespace (ip_set is per netns): `ipset create`/`destroy`, lookup by name, and
 * the by-name test `-m set --match-set NAME FLAGS` needs (an unknown set is never a member). Sets keep
 * their creation order, which is the order `ipset list` and `ipset save` show them in.
 */
export class IpSets {
  private readonly byName = new Map<string, IpSet>();

  /** `ipset create NAME TYPE …`; with `exist` an identical existing set is not an error (ipset's -exist). */
  create(
    name: string,
    type: IpSetType,
    opts: IpSetOptions = {},
    flags: { readonly exist?: boolean } = {},
  ): IpSetResult {
    const old = this.byName.get(name);
    if (old !== undefined) {
      return flags.exist === true && old.type === type
        ? OK
        : failure('Set cannot be created: set with the same name already exists');
    }
    let set: IpSet;
    try {
      set = new IpSet(name, type, opts);
    } catch (e) {
      return failure(e instanceof Error ? e.message : String(e));
    }
    this.byName.set(name, set);
    return OK;
  }

  /** `ipset destroy NAME`; a set iptables rules still name (`inUse`) cannot go. */
  destroy(name: string, flags: { readonly inUse?: boolean } = {}): IpSetResult {
    if (!this.byName.has(name)) return failure('The set with the given name does not exist');
    if (flags.inUse === true) return failure('Set cannot be destroyed: it is in use by a kernel component');
    this.byName.delete(name);
    return OK;
  }

  get(name: string): IpSet | undefined {
    return this.byName.get(name);
  }

  /** Every set, in creation order. */
  all(): IpSet[] {
    return [...this.byName.values()];
  }

  /** The `-m set` test by set name (netfilter's SetLookup). */
  test(name: string, packet: IpSetPacket, flags: readonly ('src' | 'dst')[]): boolean {
    return this.byName.get(name)?.test(packet, flags) ?? false;
  }
}
