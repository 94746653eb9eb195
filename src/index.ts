/**
 * podwire — the library entry. Re-exports the public API of every layer, each through its own
 * index.ts: the simulator core (Sim, Timer, TraceBus, durations), the byte-exact wire codecs and
 * builders, network namespaces and their devices, the apps (Ping, Traceroute), the topology file
 * (loader, builder, scenario runner, types), the inspect renderers (`ip route`, `ip neigh`,
 * `ip -d link`, `bridge fdb show`) and pcapng capture. fast-check arbitraries live in the separate
 * entry `podwire/testing`.
 */
export * from './apps/index.js';
export * from './capture/index.js';
export * from './inspect/index.js';
export * from './net/index.js';
export * from './sim/index.js';
export * from './topology/index.js';
export * from './wire/index.js';
// Both wire/ and topology/ export a `formatCidr`; the entry keeps wire's `(ip, prefixLen)` form, which
// also formats a topology `Cidr` as `formatCidr(cidr.network, cidr.prefixLen)`.
export { formatCidr } from './wire/index.js';
