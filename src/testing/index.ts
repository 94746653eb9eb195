/**
 * testing/ — fast-check arbitraries for writing properties against podwire: packets and frames of every
 * kind, as canonical records with random fields (packets.ts) and as valid packets the way Linux builds
 * them (valid-packets.ts), plus byte strings for parser robustness; random valid clusters drawn as the
 * topology files users write (cluster.ts); one-shot ping/traceroute probes to run in them (probes.ts);
 * and recordings of what the fabric did (observe.ts).
 */
export * from './cluster.js';
export * from './observe.js';
export * from './packets.js';
export * from './probes.js';
export * from './valid-packets.js';
