/**
 * wire/ — byte-exact codecs for the frames podwire moves: Ethernet II, ARP, IPv4, ICMP, UDP, TCP and
 * VXLAN. A packet is a tree of readonly records (types.ts) holding exactly the wire's field values.
 *
 * Guarantees:
 * - every `parse*` is total: any bytes give `{ ok: true, value }` or `{ ok: false, error }` naming the
 *   layer, field, absolute byte offset and what was expected; parsers never throw;
 * - `emit*` writes every stored field as it is (no recomputation), exactly `*Len(record)` bytes, so
 *   `parse(emit(r))` is `r`, and `emit(parse(b))` is `b` for any `b` that parses;
 * - builders fill lengths and checksums from the fields, and rewrites (TTL, NAT) patch checksums
 *   incrementally as Linux does; none of them touch an existing record;
 * - checksum verification is an option of the call, never a global.
 * Throws happen only for caller bugs (RangeError: a buffer too small, options an IHL cannot hold).
 * Imports nothing outside this folder.
 */
export * from './addr.js';
export * from './arp.js';
export * from './build.js';
export * from './checksum.js';
export * from './dns.js';
export * from './ethernet.js';
export * from './fragment.js';
export * from './frame.js';
export * from './hex.js';
export * from './icmp.js';
export * from './ipv4.js';
export * from './result.js';
export * from './rewrite.js';
export * from './tcp.js';
export * from './types.js';
export * from './udp.js';
export * from './verify.js';
export * from './vxlan.js';
