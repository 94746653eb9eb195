/**
 * Every default of the cni/ layer, each with the upstream value and the file it comes from
 * (containernetworking/cni and containernetworking/plugins).
 */

/** Root of host-local's state: one directory per network name (plugins/ipam/host-local/backend/disk/backend.go `defaultDataDir`). */
export const HOST_LOCAL_DATA_DIR = '/var/lib/cni/networks';

/** Between container ID and ifname in a reservation file (disk/backend.go `LineBreak`). */
export const HOST_LOCAL_LINE_BREAK = '\r\n';

/** Name prefix of the round-robin cursor file, suffixed by the range-set index (disk/backend.go `lastIPFilePrefix`). */
export const LAST_RESERVED_IP_PREFIX = 'last_reserved_ip.';

/** The empty file host-local flock()s around every operation (disk/lock.go `NewFileLock`). */
export const HOST_LOCAL_LOCK_FILE = 'lock';

/**
 * CNI spec versions podwire accepts in a config and can print a result for. Upstream (cni
 * pkg/version `All`) also takes 0.1.0 and 0.2.0, whose results have another shape; podwire does not.
 */
export const SUPPORTED_CNI_VERSIONS: readonly string[] = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

/** A config without `cniVersion` means 0.1.0 (cni pkg/version/conf.go `ConfigDecoder.Decode`). */
export const CNI_VERSION_WHEN_ABSENT = '0.1.0';

/** Allowed characters of a network name (cni pkg/utils/utils.go `cniValidNameChars`). */
export const CNI_VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The bridge plugin's defaults (plugins/main/bridge/bridge.go loadNetConf, netlink's default MTU). */
export const BRIDGE_PLUGIN = {
  /** `bridge` when the config names none. */
  bridgeName: 'cni0',
  /** `mtu: 0` leaves the kernel default. */
  defaultMtu: 1500,
} as const;

/** Where the flannel CNI plugin saves each container's delegate config (flannel.go `defaultDataDir`). */
export const FLANNEL_DATA_DIR = '/var/lib/cni/flannel';
