import { BRIDGE, Bridge, type NetDevice, type NetNs, Vxlan } from '../net/index.js';
import { formatIp4, formatMac, type Mac } from '../wire/index.js';

/** Filters of `bridge fdb show [br BRIDGE] [dev DEV]`. */
export interface BridgeFdbShowOptions {
  /** Only this device's entries; the `dev NAME` field is then left out, as iproute2 does. */
  readonly dev?: string;
  /** Only the bridge itself and its ports. */
  readonly br?: string;
}

/** 33:33:00:00:00:01, ff02::1 (all nodes): joined when IPv6 registers the device. */
const MC_ALL_NODES6 = 0x333300000001;
/** 01:00:5e:00:00:6a and 33:33:00:00:00:6a, 224.0.0.106 / ff02::6a (all snoopers): a snooping bridge joins them on open. */
const MC_SNOOPERS4 = 0x01005e00006a;
const MC_SNOOPERS6 = 0x33330000006a;
/** 01:00:5e:00:00:01, 224.0.0.1 (all hosts): joined by ip_mc_up when the device comes up. */
const MC_ALL_HOSTS4 = 0x01005e000001;
/** 33:33:ff:00:00:00 + the low 24 bits of the EUI-64 link-local address: its solicited-node group. */
const MC_SOLICITED6 = 0x3333ff000000;

/**
 * A device's own multicast filter list (`self permanent` entries), in the order the kernel adds them to
 * dev->mc for a device created and brought up once, with IPv6 on (LAB, kernel 6.18): ff02::1 at
 * registration, the bridge's snooper groups on open, 224.0.0.1 on NETDEV_UP, then the solicited-node
 * group of the fe80:: EUI-64 address. A device that is down has an empty list. (After a down/up cycle
 * the kernel re-adds 224.0.0.1 before ff02::1; that order is not modelled.)
 */
export function selfFdbMacs(dev: NetDevice): readonly Mac[] {
  if (!dev.adminUp) return [];
  if (dev.kind !== 'ether' && dev.kind !== 'veth' && dev.kind !== 'bridge') return [];
  const solicited = MC_SOLICITED6 + (dev.mac % 0x1000000);
  if (dev.kind === 'bridge') return [MC_ALL_NODES6, MC_SNOOPERS4, MC_SNOOPERS6, MC_ALL_HOSTS4, solicited];
  return [MC_ALL_NODES6, MC_ALL_HOSTS4, solicited];
}

/**
 * `bridge fdb show` (iproute2 6.1): devices in ifindex order (rtnl_fdb_dump); for a bridge port first
 * the bridge's entries for it (newest first: learned `MAC dev PORT master BR ` with a trailing space,
 * the port's own MAC `… permanent`), then each device's own filter list (`MAC dev DEV self permanent`);
 * a bridge lists its own MAC after its filter list as `MAC dev BR master BR permanent`; a VXLAN device
 * lists its remote entries, `MAC dev flannel.1 dst 192.168.56.12 self permanent` (reference flannel.md §3.2).
 */
export function bridgeFdbShow(ns: NetNs, opts: BridgeFdbShowOptions = {}): string {
  const only = opts.br !== undefined ? ns.deviceByName(opts.br) : undefined;
  if (opts.br !== undefined && !(only instanceof Bridge)) return '';
  const now = ns.sim.now;
  let out = '';
  for (const dev of ns.devices()) {
    if (opts.dev !== undefined && dev.name !== opts.dev) continue;
    if (only !== undefined && dev !== only && dev.master !== only) continue;
    const devField = opts.dev !== undefined ? '' : `dev ${dev.name} `;
    const master = dev.master;
    if (master instanceof Bridge) {
      for (const e of master.fdbDump()) {
        if (e.port?.dev !== dev) continue;
        out += `${formatMac(e.mac)} ${devField}master ${master.name} ${fdbState(e.local, e.updated, now)}\n`;
      }
    }
    for (const mac of selfFdbMacs(dev)) out += `${formatMac(mac)} ${devField}self permanent\n`;
    // A VXLAN device dumps its own table (vxlan_fdb_dump) instead of its multicast list.
    if (dev instanceof Vxlan) {
      for (const e of dev.fdbEntries())
        out += `${formatMac(e.mac)} ${devField}dst ${formatIp4(e.dst)} self permanent\n`;
    }
    if (dev instanceof Bridge) {
      for (const e of dev.fdbDump()) {
        if (e.port !== undefined) continue;
        out += `${formatMac(e.mac)} ${devField}master ${dev.name} permanent\n`;
      }
    }
  }
  return out;
}

/** state_n2a: local entries are `permanent`, a learned one past ageing_time but not yet collected `stale`. */
function fdbState(local: boolean, updated: number, now: number): string {
  if (local) return 'permanent';
  return updated + BRIDGE.ageingNs <= now ? 'stale' : '';
}
