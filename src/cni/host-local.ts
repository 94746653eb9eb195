/**
 * The host-local IPAM plugin over an in-memory model of its state directory
 * (`/var/lib/cni/networks/<network>/`). ADD mirrors plugins/ipam/host-local/main.go `cmdAdd` and
 * backend/allocator/allocator.go `IPAllocator.Get`; the files mirror backend/disk/backend.go: one file
 * per reserved address holding `<containerID>\r\n<ifname>`, `last_reserved_ip.<rangeSet>` holding the
 * last address handed out from that set, and the empty `lock`.
 */
import { formatIp4, type Ip4, parseIp4 } from '../wire/index.js';
import {
  HOST_LOCAL_DATA_DIR,
  HOST_LOCAL_LINE_BREAK,
  HOST_LOCAL_LOCK_FILE,
  LAST_RESERVED_IP_PREFIX,
} from './defaults.js';
import type { HostLocalConfig, HostLocalRoute } from './host-local-config.js';
import { candidates, formatRangeSet, type HostLocalRangeSet, rangeFor } from './host-local-range.js';
import { cniFail, cniOk } from './result.js';
import { CNI_ERR, type CniResult } from './types.js';

/** One address handed out, with its subnet's prefix length and gateway (current.IPConfig). */
export interface AllocatedIp {
  readonly address: Ip4;
  readonly prefixLen: number;
  readonly gateway: Ip4;
}

/** What ADD returns: one address per range set, in config order, and the config's routes. */
export interface Allocation {
  readonly ips: readonly AllocatedIp[];
  readonly routes: readonly HostLocalRoute[];
}

/** A file of the state directory: its name and exact content (no trailing newline is ever written). */
export interface HostLocalFile {
  readonly name: string;
  readonly content: string;
}

// Get's outcome before cmdAdd prefixes "failed to allocate for range N: ".
type GetResult =
  | { readonly ok: true; readonly ip: AllocatedIp }
  | { readonly ok: false; readonly msg: string };

// Go's sort.Strings / `LC_ALL=C ls`: byte order (names here are ASCII, so code-unit order is byte order).
function byteOrder(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/**
 * The names under one content in the index: the name itself while it is the only one (nearly every
 * content is one pod's "id\r\nifname"), an array from the second on — an array per pod cost ~32 bytes.
 */
type Names = string | string[];

function namesOf(names: Names | undefined): readonly string[] {
  if (names === undefined) return [];
  return typeof names === 'string' ? [names] : names;
}

/** The state directory of one network name, and the host-local ADD/DEL that work on it. */
export class HostLocalStore {
  /** The network name (the config's `name`, `cbr0` with stock flannel). */
  readonly network: string;
  /** The directory that holds the network's directory (`dataDir`, default /var/lib/cni/networks). */
  readonly dataDir: string;
  readonly #files = new Map<string, string>();
  /**
   * The files' names by trimmed content, beside `#files`: GetByID and ReleaseByID read every file of the
   * directory, which per ADD grows with the pods of the node; this answers the same question by lookup.
   */
  readonly #byContent = new Map<string, Names>();
  /**
   * The files kept out of `#byContent`: `lock` and `last_reserved_ip.<set>`, a handful per directory.
   * last_reserved_ip is rewritten by every ADD, and indexing it made an index entry and an array per ADD;
   * lookups scan these few instead (GetByID skips them anyway: their names are no addresses).
   */
  readonly #unindexed = new Set<string>();
  /** `last_reserved_ip.<set>`'s text and address as last read or written: the ADD after reads it back. */
  #seenText: string | undefined;
  #seenIp: Ip4 | undefined;

  constructor(network: string, dataDir: string = HOST_LOCAL_DATA_DIR) {
    this.network = network;
    this.dataDir = dataDir;
  }

  /** The directory path, as disk.New joins it. */
  get dir(): string {
    return `${this.dataDir.replace(/\/+$/, '')}/${this.network}`;
  }

  /**
   * ADD: reserves one address from each range set for (containerId, ifname), or fails with the
   * plugin's error (code 999) after releasing what this call reserved. Throws RangeError when the
   * config names another network or data directory (a caller bug: that is another store).
   */
  allocate(config: HostLocalConfig, containerId: string, ifname: string): CniResult<Allocation> {
    if (config.name !== this.network || config.dataDir !== this.dataDir)
      throw new RangeError(`config for ${config.dataDir}/${config.name} given to the store of ${this.dir}`);
    this.#write(HOST_LOCAL_LOCK_FILE, '');
    // The owner texts GetByID matches ("id\r\nifname", and the bare id of the old format), built once per
    // ADD and flat (joined): the exact one is also each reserved file's content, kept while the pod lives.
    const bare = containerId.trim();
    const owner = [bare, ifname].join(HOST_LOCAL_LINE_BREAK);
    const requested: Ip4[] = [];
    for (const ip of config.requestedIps) if (!requested.includes(ip)) requested.push(ip);
    const ips: AllocatedIp[] = [];
    for (const [idx, set] of config.ranges.entries()) {
      const at = requested.findIndex((ip) => rangeFor(set, ip) !== undefined);
      const want = requested[at];
      if (at >= 0) requested.splice(at, 1);
      const got = this.#get(set, idx, containerId, owner, bare, want);
      if (!got.ok) {
        if (ips.length > 0) this.#releaseById(containerId, ifname);
        return cniFail(
          config.cniVersion,
          CNI_ERR.internal,
          `failed to allocate for range ${idx}: ${got.msg}`,
        );
      }
      ips.push(got.ip);
    }
    if (requested.length > 0) {
      this.#releaseById(containerId, ifname);
      const list = requested.map((ip) => ` ${formatIp4(ip)}`).join('');
      return cniFail(config.cniVersion, CNI_ERR.internal, `failed to allocate all requested IPs:${list}`);
    }
    return cniOk({ ips, routes: config.routes });
  }

  /** DEL: frees every address held by (containerId, ifname); `last_reserved_ip` stays. Idempotent. */
  release(containerId: string, ifname: string): void {
    this.#write(HOST_LOCAL_LOCK_FILE, '');
    this.#releaseById(containerId, ifname);
  }

  /** The files of the state directory in `LC_ALL=C ls` order (empty before the first ADD or DEL). */
  listFiles(): readonly HostLocalFile[] {
    return [...this.#files.keys()]
      .sort(byteOrder)
      .map((name) => ({ name, content: this.#files.get(name) ?? '' }));
  }

  /** The container ID and ifname holding `ip`, or undefined when it is free. */
  holder(ip: Ip4): { readonly containerId: string; readonly ifname: string } | undefined {
    const content = this.#files.get(formatIp4(ip));
    if (content === undefined) return undefined;
    const cut = content.indexOf(HOST_LOCAL_LINE_BREAK);
    if (cut < 0) return { containerId: content, ifname: '' };
    return { containerId: content.slice(0, cut), ifname: content.slice(cut + HOST_LOCAL_LINE_BREAK.length) };
  }

  // allocator.go IPAllocator.Get.
  #get(
    set: HostLocalRangeSet,
    rangeId: number,
    id: string,
    owner: string,
    bare: string,
    want: Ip4 | undefined,
  ): GetResult {
    if (want !== undefined) {
      const r = rangeFor(set, want);
      if (r === undefined)
        return { ok: false, msg: `${formatIp4(want)} not in range set ${formatRangeSet(set)}` };
      if (want === r.gateway)
        return { ok: false, msg: `requested ip ${formatIp4(want)} is subnet's gateway` };
      if (!this.#reserve(owner, want, rangeId)) {
        const msg = `requested IP address ${formatIp4(want)} is not available in range set ${formatRangeSet(set)}`;
        return { ok: false, msg };
      }
      return { ok: true, ip: { address: want, prefixLen: r.prefixLen, gateway: r.gateway } };
    }
    // The spec forbids a second ADD for the same container and interface.
    for (const held of this.#getById(owner, bare)) {
      if (rangeFor(set, held) !== undefined)
        return {
          ok: false,
          msg: `${formatIp4(held)} has been allocated to ${id}, duplicate allocation is not allowed`,
        };
    }
    for (const c of candidates(set, this.#lastReserved(rangeId))) {
      if (this.#reserve(owner, c.ip, rangeId))
        return { ok: true, ip: { address: c.ip, prefixLen: c.range.prefixLen, gateway: c.range.gateway } };
    }
    return { ok: false, msg: `no IP addresses available in range set: ${formatRangeSet(set)}` };
  }

  // disk Store.Reserve: O_CREAT|O_EXCL of the address file (content `owner`, "id\r\nifname"), then
  // rewrite last_reserved_ip.<rangeId>.
  #reserve(owner: string, ip: Ip4, rangeId: number): boolean {
    const name = formatIp4(ip);
    if (this.#files.has(name)) return false;
    this.#write(name, owner);
    this.#write(LAST_RESERVED_IP_PREFIX + rangeId, name);
    this.#seenText = name;
    this.#seenIp = ip;
    return true;
  }

  // disk Store.LastReservedIP: an unreadable address counts as none. The text this store wrote last is
  // not parsed again: the next ADD of the node reads back the address the previous one wrote.
  #lastReserved(rangeId: number): Ip4 | undefined {
    const text = this.#files.get(LAST_RESERVED_IP_PREFIX + rangeId);
    if (text === undefined) return undefined;
    if (text === this.#seenText) return this.#seenIp;
    this.#seenText = text;
    this.#seenIp = parseIp4(text);
    return this.#seenIp;
  }

  // disk Store.GetByID: address-named files whose content is "id\r\nifname" (or a bare "id", the old
  // format); `owner` is the former and `old` the trimmed id. Unindexed files have no address names.
  #getById(owner: string, old: string): Ip4[] {
    const exact = this.#byContent.get(owner);
    const bare = this.#byContent.get(old);
    if (exact === undefined && bare === undefined) return []; // every ADD
    // The directory is walked in name order; only the matches need sorting.
    const names = [...namesOf(exact), ...namesOf(bare)];
    const out: Ip4[] = [];
    for (const name of names.sort(byteOrder)) {
      const ip = parseIp4(name);
      if (ip !== undefined) out.push(ip);
    }
    return out;
  }

  // disk Store.ReleaseByID: remove every file matching "id\r\nifname"; only when none did, try a bare "id".
  #releaseById(id: string, ifname: string): void {
    const bare = id.trim();
    if (!this.#releaseByKey([bare, ifname].join(HOST_LOCAL_LINE_BREAK))) this.#releaseByKey(bare);
  }

  // Every file whose trimmed content is `match` goes, the unindexed ones included (ReleaseByKey reads all).
  #releaseByKey(match: string): boolean {
    let found = false;
    for (const name of [...this.#unindexed]) {
      if ((this.#files.get(name) ?? '').trim() !== match) continue;
      this.#remove(name);
      found = true;
    }
    const gone = this.#byContent.get(match);
    if (gone === undefined) return found;
    for (const name of [...namesOf(gone)]) this.#remove(name);
    return true;
  }

  // Every change of the directory goes through #write and #remove, which keep #byContent in step.
  #write(name: string, content: string): void {
    const before = this.#files.get(name);
    if (before === content) return;
    this.#files.set(name, content);
    if (name === HOST_LOCAL_LOCK_FILE || name.startsWith(LAST_RESERVED_IP_PREFIX)) {
      this.#unindexed.add(name);
      return;
    }
    if (before !== undefined) this.#unindex(name, before);
    const key = content.trim();
    const names = this.#byContent.get(key);
    if (names === undefined) this.#byContent.set(key, name);
    else if (typeof names === 'string') this.#byContent.set(key, [names, name]);
    else names.push(name);
  }

  #remove(name: string): void {
    const content = this.#files.get(name);
    if (content === undefined) return;
    this.#files.delete(name);
    if (this.#unindexed.delete(name)) return;
    this.#unindex(name, content);
  }

  #unindex(name: string, content: string): void {
    const key = content.trim();
    const names = this.#byContent.get(key);
    if (names === undefined) return;
    if (typeof names === 'string') {
      if (names === name) this.#byContent.delete(key);
      return;
    }
    const at = names.indexOf(name);
    if (at >= 0) names.splice(at, 1);
    if (names.length === 0) this.#byContent.delete(key);
  }
}
