/**
 * testing/ — fast-check arbitraries for writing properties against podwire: packets and frames of every
 * kind, as canonical records with random fields (packets.ts) and as valid packets the way Linux builds
 * them (valid-packets.ts), plus byte strings for parser robustness; random valid clusters drawn as the
 * topology files users write (cluster.ts), and whole flannel fabrics with a backend valid for their
 * layout and pods on the nodes (fabric.ts); pods by name, pairs of them, and the path and TTL flannel
 * gives a packet between them, computed without the simulator (pods.ts); one-shot ping/traceroute
 * probes to run in them (probes.ts); recordings of what the fabric did (observe.ts); and iptables
 * rulesets that iptables-restore accepts, as canonical rule records (netfilter.ts).
 */
export * from './cluster.js';
export * from './fabric.js';
export * from './netfilter.js';
export * from './observe.js';
export * from './packets.js';
export * from './pods.js';
export * from './probes.js';
export * from './valid-packets.js';
