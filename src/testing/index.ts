/**
 * testing/ — fast-check arbitraries for writing properties against podwire: packets and frames of every
 * kind, as canonical records with random fields (packets.ts) and as valid packets the way Linux builds
 * them (valid-packets.ts), plus byte strings for parser robustness.
 */
export * from './packets.js';
export * from './valid-packets.js';
