import { describe, expect, it } from 'vitest';
import { BridgePlugin, FlannelPlugin } from '../../src/cni/index.js';
import { ipAddr, linkLocal6 } from '../../src/inspect/index.js';
import { NetNs, Nic, Segment } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, ip4, mac } from '../../src/wire/index.js';
import { NODE1_FLANNEL_ENV } from '../cni/helpers.js';

/**
 * OBSERVED-cni.md (kernel 6.18, iproute2 6.1): `ip addr` in node1 and in pod pa after the real bridge +
 * host-local plugins ran ADD for pa (namespace prefix `pw17850x2-` kept, as printed).
 */
const NODE1_ADDR = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
  '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
  '    inet 127.0.0.1/8 scope host lo',
  '       valid_lft forever preferred_lft forever',
  '    inet6 ::1/128 scope host ',
  '       valid_lft forever preferred_lft forever',
  // (node1's eth0 is a veth into the lab's switch namespace there; here a NIC, so its line differs.)
  '3: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default qlen 1000',
  '    link/ether a2:c4:88:94:4e:90 brd ff:ff:ff:ff:ff:ff',
  '    inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0',
  '       valid_lft forever preferred_lft forever',
  '    inet6 fe80::a0c4:88ff:fe94:4e90/64 scope link ',
  '       valid_lft forever preferred_lft forever',
  '4: vethd18eaebc@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default ',
  '    link/ether 0e:76:69:6a:4a:c2 brd ff:ff:ff:ff:ff:ff link-netns pw17850x2-pa',
  '    inet6 fe80::c76:69ff:fe6a:4ac2/64 scope link ',
  '       valid_lft forever preferred_lft forever',
];
const PA_ADDR = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
  '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
  '    inet 127.0.0.1/8 scope host lo',
  '       valid_lft forever preferred_lft forever',
  '    inet6 ::1/128 scope host ',
  '       valid_lft forever preferred_lft forever',
  '2: eth0@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default ',
  '    link/ether 3e:82:0c:62:8b:09 brd ff:ff:ff:ff:ff:ff link-netns pw17850x2-node1',
  '    inet 10.244.1.2/24 brd 10.244.1.255 scope global eth0',
  '       valid_lft forever preferred_lft forever',
  '    inet6 fe80::3c82:cff:fe62:8b09/64 scope link ',
  '       valid_lft forever preferred_lft forever',
];

/** node1 (lo, eth0 192.168.56.11/24, then cni0 and pa's veth from CNI ADD) with the lab's MACs pinned. */
function lab() {
  const sim = new Sim({ seed: 1 });
  const trace = new TraceBus<EthernetFrame>();
  const node = new NetNs(sim, { name: 'pw17850x2-node1', trace });
  const nic = new Nic(sim, node.deviceOptions('eth0', mac('a2:70:53:10:d2:20'), 1500));
  node.attach(nic);
  new Segment(sim, { name: 'rack1', latencyNs: 0, bandwidthBps: 0, trace }).attach(nic, 'node1');
  node.addAddress('eth0', ip4('192.168.56.11'), 24);
  const pa = new NetNs(sim, { name: 'pw17850x2-pa', trace });
  const bridge = new BridgePlugin(node);
  const flannel = new FlannelPlugin(bridge, NODE1_FLANNEL_ENV);
  const r = flannel.add({ containerId: 'cid-pa', netns: pa, netnsPath: '/run/netns/pa', ifName: 'eth0' });
  if (!r.ok) throw new Error(r.error.msg);
  const att = bridge.attachment('cid-pa', 'eth0');
  if (att === undefined) throw new Error('no attachment');
  att.bridge.mac = mac('a2:c4:88:94:4e:90');
  att.hostVeth.mac = mac('0e:76:69:6a:4a:c2');
  att.podVeth.mac = mac('3e:82:0c:62:8b:09');
  return { node, pa, hostVeth: att.hostVeth.name };
}

describe('ipAddr()', () => {
  it('prints a pod namespace as `ip addr` did in the CNI lab, byte for byte', () => {
    expect(ipAddr(lab().pa)).toBe(`${PA_ADDR.join('\n')}\n`);
  });

  it('prints cni0 and a host veth (no qlen, master cni0, link-netns) as in the lab', () => {
    const { node, hostVeth } = lab();
    const lines = ipAddr(node).replaceAll(hostVeth, 'vethd18eaebc').split('\n');
    // eth0 was added by `ip addr add` without `brd`: no brd printed, unlike the plugin's addresses.
    expect(lines.slice(6, 12)).toEqual([
      '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000',
      '    link/ether a2:70:53:10:d2:20 brd ff:ff:ff:ff:ff:ff',
      '    inet 192.168.56.11/24 scope global eth0',
      '       valid_lft forever preferred_lft forever',
      '    inet6 fe80::a070:53ff:fe10:d220/64 scope link ',
      '       valid_lft forever preferred_lft forever',
    ]);
    expect([...lines.slice(0, 6), ...lines.slice(12)]).toEqual([...NODE1_ADDR, '']);
  });

  it('`ip addr show eth0` of a pod end never brought up: qdisc noop, state DOWN, no address', () => {
    const { pa } = lab();
    const eth0 = pa.deviceByName('eth0');
    if (eth0 === undefined) throw new Error('no eth0');
    eth0.adminUp = false;
    eth0.activated = false;
    expect(ipAddr(pa, { dev: 'eth0' }).split('\n')[0]).toBe(
      '2: eth0@if4: <BROADCAST,MULTICAST> mtu 1450 qdisc noop state DOWN group default ',
    );
  });

  it('derives EUI-64 link-locals as the kernel does', () => {
    expect(linkLocal6(mac('a2:70:53:10:d2:20'))).toBe('fe80::a070:53ff:fe10:d220');
    expect(linkLocal6(mac('3e:82:0c:62:8b:09'))).toBe('fe80::3c82:cff:fe62:8b09');
    expect(linkLocal6(mac('02:00:00:00:00:01'))).toBe('fe80::ff:fe00:1');
  });
});
