/**
 * The bridge plugin remembers what each ADD made by interface name and then container ID; DEL must find
 * and remove exactly that container's interface, and leave another interface of the same container alone.
 */
import { describe, expect, it } from 'vitest';
import { BridgePlugin, type CniArgs, FlannelPlugin } from '../../src/cni/index.js';
import { NetNs } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import type { EthernetFrame } from '../../src/wire/index.js';
import { NODE1_FLANNEL_ENV as ENV } from './helpers.js';

describe('bridge plugin attachments', () => {
  it('keeps one record per (container, interface) and DEL removes only its own', () => {
    const sim = new Sim({ seed: 7 });
    const trace = new TraceBus<EthernetFrame>();
    const node = new NetNs(sim, { name: 'node1', trace });
    const bridge = new BridgePlugin(node);
    const flannel = new FlannelPlugin(bridge, ENV);
    const netns = new NetNs(sim, { name: 'pa', trace, tracePrefix: 'node1/pa' });
    const other = new NetNs(sim, { name: 'pb', trace, tracePrefix: 'node1/pb' });
    const args = (containerId: string, ns: NetNs, ifName: string): CniArgs => ({
      containerId,
      netns: ns,
      netnsPath: `/run/netns/${ns.name}`,
      ifName,
    });
    for (const a of [args('c1', netns, 'eth0'), args('c1', netns, 'net1'), args('c2', other, 'eth0')]) {
      const r = flannel.add(a);
      if (!r.ok) throw new Error(r.error.msg);
    }
    const eth0 = bridge.attachment('c1', 'eth0');
    const net1 = bridge.attachment('c1', 'net1');
    const c2 = bridge.attachment('c2', 'eth0');
    expect(eth0?.podVeth.name).toBe('eth0');
    expect(net1?.podVeth.name).toBe('net1');
    expect(new Set([eth0?.hostVeth, net1?.hostVeth, c2?.hostVeth]).size).toBe(3);
    expect(bridge.attachment('c3', 'eth0')).toBeUndefined();
    expect(bridge.attachment('c2', 'net1')).toBeUndefined();

    expect(flannel.del(args('c1', netns, 'eth0')).ok).toBe(true);
    expect(bridge.attachment('c1', 'eth0')).toBeUndefined();
    expect(bridge.attachment('c1', 'net1')).toBe(net1);
    expect(bridge.attachment('c2', 'eth0')).toBe(c2);
    expect(netns.devices().map((d) => d.name)).toEqual(['lo', 'net1']);
    expect(node.deviceByName(eth0?.hostVeth.name ?? '')).toBeUndefined();
    expect(node.deviceByName(net1?.hostVeth.name ?? '')).toBe(net1?.hostVeth);
    // A second DEL of the same interface finds nothing and still succeeds (CNI DEL is idempotent).
    expect(flannel.del(args('c1', netns, 'eth0')).ok).toBe(true);
    expect(bridge.attachment('c1', 'net1')).toBe(net1);
  });
});
