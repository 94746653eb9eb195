/** Shared helpers for the cni/ tests: configs as the flannel plugin writes them, and ADD shortcuts. */
import { expect } from 'vitest';
import {
  type Allocation,
  type CniError,
  type CniResult,
  type HostLocalConfig,
  type HostLocalStore,
  loadHostLocalConfig,
} from '../../src/cni/index.js';
import { formatIp4, ip4 } from '../../src/wire/index.js';

/** flannel's subnet.env on node1 as the flannel plugin reads it: 10.244.1.0/24 of 10.244.0.0/16, VXLAN MTU. */
export const NODE1_FLANNEL_ENV = {
  network: ip4('10.244.0.0'),
  networkLen: 16,
  subnet: ip4('10.244.1.1'),
  subnetLen: 24,
  mtu: 1450,
  ipmasq: true,
} as const;

/** The delegate config flannel's CNI plugin hands to the bridge plugin (cni.md §2), with `ipam` overridable. */
export function flannelDelegate(subnet: string, ipam: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: '0.3.1',
    name: 'cbr0',
    type: 'bridge',
    mtu: 1450,
    hairpinMode: true,
    isDefaultGateway: true,
    isGateway: true,
    ipMasq: false,
    ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '10.244.0.0/16' }], ...ipam },
  };
}

/** Loads a config that must be valid. */
export function mustLoad(net: unknown): HostLocalConfig {
  const r = loadHostLocalConfig(JSON.stringify(net));
  if (!r.ok) throw new Error(`config rejected: ${r.error.msg}`);
  return r.value;
}

/** The error of a result that must have failed. */
export function mustFail<T>(r: CniResult<T>): CniError {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value)}`);
  return r.error;
}

/** ADD that must succeed; returns the single address as text. */
export function addOk(store: HostLocalStore, config: HostLocalConfig, cid: string, ifname = 'eth0'): string {
  const r = store.allocate(config, cid, ifname);
  if (!r.ok) throw new Error(`ADD ${cid} failed: ${r.error.msg}`);
  return firstAddress(r.value);
}

/** The first allocated address as dotted text. */
export function firstAddress(a: Allocation): string {
  const ip = a.ips[0];
  expect(ip).toBeDefined();
  return ip === undefined ? '' : formatIp4(ip.address);
}
