import { describe, expect, it } from 'vitest';
import { BridgePlugin, FlannelPlugin } from '../../src/cni/index.js';
import { NetNs } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, formatMac, ip4 } from '../../src/wire/index.js';

// The bridge plugin's result names the devices ADD made: cni0, the host veth and the pod's eth0, with
// the MACs those devices have (cni plugins/main/bridge: current.Interface{Name, Mac: link.Attrs().HardwareAddr}).
describe('bridge plugin ADD result', () => {
  it('reports each device MAC as ip link shows it, for every pod of the node', () => {
    const sim = new Sim({ seed: 3 });
    const trace = new TraceBus<EthernetFrame>();
    const node = new NetNs(sim, { name: 'node1', trace });
    const bridge = new BridgePlugin(node);
    const flannel = new FlannelPlugin(bridge, {
      network: ip4('10.244.0.0'),
      networkLen: 16,
      subnet: ip4('10.244.1.1'),
      subnetLen: 24,
      mtu: 1450,
      ipmasq: true,
    });
    for (let i = 0; i < 40; i++) {
      const netns = new NetNs(sim, { name: `p${i}`, trace, tracePrefix: `node1/p${i}` });
      const r = flannel.add({ containerId: `cid${i}`, netns, netnsPath: `/run/netns/p${i}`, ifName: 'eth0' });
      if (!r.ok) throw new Error(r.error.msg);
      const a = bridge.attachment(`cid${i}`, 'eth0');
      expect(r.value.interfaces).toEqual([
        { name: 'cni0', mac: formatMac(a?.bridge.mac ?? 0) },
        { name: a?.hostVeth.name, mac: formatMac(a?.hostVeth.mac ?? 0) },
        { name: 'eth0', mac: formatMac(a?.podVeth.mac ?? 0), sandbox: `/run/netns/p${i}` },
      ]);
      expect(r.value.ips).toEqual([
        { version: '4', interface: 2, address: `10.244.1.${i + 2}/24`, gateway: '10.244.1.1' },
      ]);
      expect(r.value.routes).toEqual([{ dst: '10.244.0.0/16' }, { dst: '0.0.0.0/0', gw: '10.244.1.1' }]);
    }
  });
});
