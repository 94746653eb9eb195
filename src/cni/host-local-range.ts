/**
 * host-local's ranges and range sets, and the round-robin iterator over them. Mirrors
 * plugins/ipam/host-local/backend/allocator/range.go, range_set.go and `RangeIter` in allocator.go,
 * IPv4 only, with the upstream error texts.
 */
import { formatCidr, formatIp4, type Ip4, inPrefix, maskOf, networkOf } from '../wire/index.js';

/** A canonical range: every bound filled in and checked (allocator.Range after Canonicalize). */
export interface HostLocalRange {
  /** The subnet's network address (host bits are rejected). */
  readonly subnet: Ip4;
  readonly prefixLen: number;
  /** First address handed out, inclusive; default subnet+1. */
  readonly rangeStart: Ip4;
  /** Last address handed out, inclusive; default broadcast−1. */
  readonly rangeEnd: Ip4;
  /** Never handed out; default subnet+1. */
  readonly gateway: Ip4;
}

/** A set of ranges one address is taken from (allocator.RangeSet). */
export type HostLocalRangeSet = readonly HostLocalRange[];

/** A range as written in the config, before Canonicalize; the subnet keeps any host bits it was given. */
export interface RawRange {
  /** Absent when the config gave none: Canonicalize then fails on the nil address. */
  readonly subnet?: { readonly ip: Ip4; readonly len: number };
  readonly rangeStart?: Ip4;
  readonly rangeEnd?: Ip4;
  readonly gateway?: Ip4;
}

/** Result of canonicalizing: the range, or the plugin's error text. */
export type RangeCheck<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly msg: string };

// range.go Range.Contains: in the subnet and between the bounds that are already set.
function withinBounds(ip: Ip4, subnet: Ip4, len: number, start?: Ip4, end?: Ip4): boolean {
  if (!inPrefix(ip, subnet, len)) return false;
  if (start !== undefined && ip < start) return false;
  return end === undefined || ip <= end;
}

/** Fills defaults and checks a range, as range.go `Range.Canonicalize` does (same order, same texts). */
export function canonicalizeRange(raw: RawRange): RangeCheck<HostLocalRange> {
  if (raw.subnet === undefined) return { ok: false, msg: 'IP <nil> not v4 nor v6' };
  const { ip, len } = raw.subnet;
  const cidr = formatCidr(ip, len);
  if (len > 30) return { ok: false, msg: `Network ${cidr} too small to allocate from` };
  const network = networkOf(ip, len);
  if (network !== ip) {
    const text = `Network has host bits set. For a subnet mask of length ${len} the network address is ${formatIp4(network)}`;
    return { ok: false, msg: text };
  }
  const gateway = raw.gateway ?? network + 1;
  const rangeStart = raw.rangeStart ?? network + 1;
  if (raw.rangeStart !== undefined && !withinBounds(rangeStart, network, len, rangeStart, raw.rangeEnd))
    return { ok: false, msg: `RangeStart ${formatIp4(rangeStart)} not in network ${cidr}` };
  // lastIP(): the broadcast address minus one for IPv4.
  const rangeEnd = raw.rangeEnd ?? ((network | ~maskOf(len)) >>> 0) - 1;
  if (raw.rangeEnd !== undefined && !withinBounds(rangeEnd, network, len, rangeStart, rangeEnd))
    return { ok: false, msg: `RangeEnd ${formatIp4(rangeEnd)} not in network ${cidr}` };
  return { ok: true, value: { subnet: network, prefixLen: len, rangeStart, rangeEnd, gateway } };
}

/** True when `ip` is one the range may hand out or has handed out (range.go `Range.Contains`). */
export function rangeContains(r: HostLocalRange, ip: Ip4): boolean {
  return withinBounds(ip, r.subnet, r.prefixLen, r.rangeStart, r.rangeEnd);
}

/** "start-end", as range.go `Range.String` prints a range. */
export function formatRange(r: HostLocalRange): string {
  return `${formatIp4(r.rangeStart)}-${formatIp4(r.rangeEnd)}`;
}

/** The ranges joined by ",", as range_set.go `RangeSet.String` prints a set. */
export function formatRangeSet(set: HostLocalRangeSet): string {
  return set.map(formatRange).join(',');
}

/** The range of the set that contains `ip` (range_set.go `RangeFor`), or undefined. */
export function rangeFor(set: HostLocalRangeSet, ip: Ip4): HostLocalRange | undefined {
  return set.find((r) => rangeContains(r, ip));
}

/** True when two ranges share an address (range.go `Range.Overlaps`). */
export function rangesOverlap(a: HostLocalRange, b: HostLocalRange): boolean {
  return (
    rangeContains(a, b.rangeStart) ||
    rangeContains(a, b.rangeEnd) ||
    rangeContains(b, a.rangeStart) ||
    rangeContains(b, a.rangeEnd)
  );
}

/** Canonicalizes every range of a set and rejects an empty or self-overlapping set (range_set.go). */
export function canonicalizeRangeSet(raws: readonly RawRange[]): RangeCheck<HostLocalRangeSet> {
  if (raws.length === 0) return { ok: false, msg: 'empty range set' };
  const set: HostLocalRange[] = [];
  for (const raw of raws) {
    const r = canonicalizeRange(raw);
    if (!r.ok) return r;
    set.push(r.value);
  }
  for (let i = 0; i < set.length; i++) {
    for (let j = i + 1; j < set.length; j++) {
      const a = set[i];
      const b = set[j];
      if (a !== undefined && b !== undefined && rangesOverlap(a, b))
        return { ok: false, msg: `subnets ${formatRange(a)} and ${formatRange(b)} overlap` };
    }
  }
  return { ok: true, value: set };
}

/** True when any range of one set overlaps any range of the other (range_set.go `RangeSet.Overlaps`). */
export function rangeSetsOverlap(a: HostLocalRangeSet, b: HostLocalRangeSet): boolean {
  return a.some((ra) => b.some((rb) => rangesOverlap(ra, rb)));
}

/** A candidate address with the range it came from. */
export interface Candidate {
  readonly ip: Ip4;
  readonly range: HostLocalRange;
}

/**
 * The allocation order of one range set (allocator.go `GetIter` + `RangeIter.Next`): from the address
 * after `lastReserved` (when the set contains it) or from the first range's start, through each
 * range's end into the next range's start, wrapping around, skipping every gateway, and stopping when
 * it comes back to the first address it produced.
 */
export function* candidates(set: HostLocalRangeSet, lastReserved: Ip4 | undefined): Generator<Candidate> {
  const first = set[0];
  if (first === undefined) return;
  let idx = 0;
  let cur: Ip4 | undefined;
  let startIp: Ip4 | undefined;
  if (lastReserved !== undefined) {
    const at = set.findIndex((r) => rangeContains(r, lastReserved));
    if (at >= 0) {
      idx = at;
      cur = lastReserved;
    }
  }
  for (;;) {
    let r = set[idx] ?? first;
    if (cur === undefined) {
      cur = r.rangeStart;
      startIp = cur;
    } else {
      if (cur === r.rangeEnd) {
        idx = (idx + 1) % set.length;
        r = set[idx] ?? first;
        cur = r.rangeStart;
      } else {
        cur = (cur + 1) >>> 0; // ip.NextIP wraps at 255.255.255.255
      }
      if (startIp === undefined) startIp = cur;
      else if (cur === startIp) return;
    }
    if (cur !== r.gateway) yield { ip: cur, range: r };
  }
}
