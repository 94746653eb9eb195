/**
 * The kubelet keeps each pod's CNI ADD result in the bridge plugin's compact form and renders it when
 * read. The rendering must be the result the real plugin prints (current.Result: the bridge, the host
 * veth and the pod's interface with their MACs, the address with its gateway, the routes, an empty dns),
 * built here independently from the devices ADD made, and the pod IP must be that address.
 */
import { describe, expect, it } from 'vitest';
import { BridgePlugin, FlannelPlugin } from '../../src/cni/index.js';
import { Kubelet } from '../../src/k8s/index.js';
import { NetNs } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, formatMac, ip4 } from '../../src/wire/index.js';
import { NODE1_FLANNEL_ENV as ENV } from '../cni/helpers.js';

describe('kubelet pod record CNI result', () => {
  it('renders the plugin result from the devices ADD made, key order included', () => {
    const sim = new Sim({ seed: 11 });
    const node = new NetNs(sim, { name: 'node1', trace: new TraceBus<EthernetFrame>() });
    const bridge = new BridgePlugin(node);
    const kubelet = new Kubelet(node, ip4('192.168.56.11'), new FlannelPlugin(bridge, ENV));
    for (let i = 0; i < 5; i++) {
      const record = kubelet.runPod({
        name: `p${i}`,
        namespace: 'default',
        containers: [{ name: 'c' }],
        hostNetwork: false,
      });
      const a = bridge.attachment(record.containerId, 'eth0');
      if (a === undefined) throw new Error('no attachment');
      const expected = {
        cniVersion: '0.3.1',
        interfaces: [
          { name: 'cni0', mac: formatMac(a.bridge.mac) },
          { name: a.hostVeth.name, mac: formatMac(a.hostVeth.mac) },
          {
            name: 'eth0',
            mac: formatMac(a.podVeth.mac),
            sandbox: `/var/run/netns/cni-${record.containerId.slice(0, 8)}`,
          },
        ],
        ips: [{ version: '4', interface: 2, address: `10.244.1.${i + 2}/24`, gateway: '10.244.1.1' }],
        routes: [{ dst: '10.244.0.0/16' }, { dst: '0.0.0.0/0', gw: '10.244.1.1' }],
        dns: {},
      };
      expect(JSON.stringify(record.cniResult)).toBe(JSON.stringify(expected));
      expect(record.status).toEqual({ phase: 'Running', podIP: ip4(`10.244.1.${i + 2}`) });
    }
  });

  it('keeps the MACs ADD reported when a device changes its address later', () => {
    const sim = new Sim({ seed: 12 });
    const node = new NetNs(sim, { name: 'node1', trace: new TraceBus<EthernetFrame>() });
    const bridge = new BridgePlugin(node);
    const kubelet = new Kubelet(node, ip4('192.168.56.11'), new FlannelPlugin(bridge, ENV));
    const record = kubelet.runPod({ name: 'pa', namespace: 'default', containers: [], hostNetwork: false });
    const before = JSON.stringify(record.cniResult);
    const a = bridge.attachment(record.containerId, 'eth0');
    if (a === undefined) throw new Error('no attachment');
    a.podVeth.mac = 0x02aabbccddee;
    expect(JSON.stringify(record.cniResult)).toBe(before);
  });

  it('hostNetwork pods have no CNI result and the node IP', () => {
    const sim = new Sim({ seed: 13 });
    const node = new NetNs(sim, { name: 'node1', trace: new TraceBus<EthernetFrame>() });
    const kubelet = new Kubelet(node, ip4('192.168.56.11'), new FlannelPlugin(new BridgePlugin(node), ENV));
    const record = kubelet.runPod({ name: 'h', namespace: 'kube-system', containers: [], hostNetwork: true });
    expect(record.cniResult).toBeUndefined();
    expect(record.status).toEqual({ phase: 'Running', podIP: ip4('192.168.56.11') });
  });
});
