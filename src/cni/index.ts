/**
 * cni/ — the CNI plugins a flannel node runs, as functions over podwire's model: host-local IPAM
 * (this part), then the bridge and flannel plugins. Each operation returns a `CniResult`: the
 * CNI-shaped value (result JSON records as the plugin prints them) or a `CniError` carrying the
 * well-known code and the plugin's own message text.
 *
 * Guarantees:
 * - host-local hands out addresses in the real allocator's order (round-robin after
 *   `last_reserved_ip.<n>`, gateway skipped, wrap at the range end) and keeps a byte-exact model of
 *   its state directory, which `listFiles`/`renderHostLocalDir` show;
 * - config errors and allocation failures are values with upstream's texts; nothing here throws
 *   except for caller bugs (RangeError);
 * - no randomness, clocks, file or console I/O.
 * Imports only wire/ (through its index).
 */
export * from './bridge-plugin.js';
export * from './bridge-result.js';
export * from './defaults.js';
export * from './flannel-plugin.js';
export * from './host-local.js';
export * from './host-local-config.js';
export * from './host-local-range.js';
export * from './host-local-render.js';
export * from './host-local-result.js';
export * from './result.js';
export * from './types.js';
