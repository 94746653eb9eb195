import { describe, expect, it } from 'vitest';
import { Ping } from '../../src/apps/index.js';
import { BridgePlugin, type CniArgs, FlannelPlugin } from '../../src/cni/index.js';
import { bridgeFdbShow, ipLink, ipRoute } from '../../src/inspect/index.js';
import { NetNs } from '../../src/net/index.js';
import { SECOND, Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, formatMac, ip4 } from '../../src/wire/index.js';
import { NODE1_FLANNEL_ENV as ENV } from './helpers.js';

function node() {
  const sim = new Sim({ seed: 1 });
  const trace = new TraceBus<EthernetFrame>();
  const n = new NetNs(sim, { name: 'node1', trace });
  const bridge = new BridgePlugin(n);
  const flannel = new FlannelPlugin(bridge, ENV);
  const pod = (name: string): CniArgs => ({
    containerId: `cid-${name}`,
    netns: new NetNs(sim, { name, trace, tracePrefix: `node1/${name}` }),
    netnsPath: `/run/netns/${name}`,
    ifName: 'eth0',
  });
  return { sim, n, bridge, flannel, pod };
}

describe('flannel CNI plugin delegating to bridge + host-local', () => {
  it('generates the delegate config flannel writes (Go-sorted keys, no spaces)', () => {
    const { flannel } = node();
    expect(flannel.delegate()).toBe(
      '{"cniVersion":"0.3.1","hairpinMode":true,"ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.244.1.0/24"}]],' +
        '"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1450,' +
        '"name":"cbr0","type":"bridge"}',
    );
  });

  it('ADD gives pods .2 then .3, with the result shape of the real plugin', () => {
    const { flannel, pod } = node();
    const a = flannel.add(pod('pa'));
    const b = flannel.add(pod('pb'));
    if (!a.ok || !b.ok) throw new Error('ADD failed');
    expect(a.value.ips).toEqual([
      { version: '4', interface: 2, address: '10.244.1.2/24', gateway: '10.244.1.1' },
    ]);
    expect(b.value.ips?.[0]?.address).toBe('10.244.1.3/24');
    expect(a.value.routes).toEqual([{ dst: '10.244.0.0/16' }, { dst: '0.0.0.0/0', gw: '10.244.1.1' }]);
    const names = a.value.interfaces?.map((i) => i.name) ?? [];
    expect(names[0]).toBe('cni0');
    expect(names[1]).toMatch(/^veth[0-9a-f]{8}$/);
    expect(a.value.interfaces?.[2]).toMatchObject({ name: 'eth0', sandbox: '/run/netns/pa' });
    // cni0 keeps its creation MAC for every pod, and it is none of the veths'.
    expect(b.value.interfaces?.[0]?.mac).toBe(a.value.interfaces?.[0]?.mac);
    expect(a.value.interfaces?.[0]?.mac).not.toBe(a.value.interfaces?.[1]?.mac);
  });

  it('programs the pod and node as the plugins do', () => {
    const { n, flannel, pod } = node();
    const pa = pod('pa');
    flannel.add(pa);
    expect(ipRoute(pa.netns)).toBe(
      'default via 10.244.1.1 dev eth0 \n10.244.0.0/16 via 10.244.1.1 dev eth0 \n' +
        '10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2 \n',
    );
    expect(ipRoute(n)).toBe('10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 \n');
    expect(n.sysctl('net.ipv4.ip_forward')).toBe('1');
    const hostVeth = ipLink(n)
      .split('\n')
      .find((l) => /veth[0-9a-f]{8}@if2/.test(l));
    expect(hostVeth).toMatch(/mtu 1450 qdisc noqueue master cni0 state UP mode DEFAULT group default $/);
    expect(ipLink(n)).toContain('hairpin on');
  });

  it('pods on one node reach each other over cni0 with TTL 64, and the bridge learns both', () => {
    const { sim, n, flannel, pod } = node();
    const pa = pod('pa');
    const pb = pod('pb');
    flannel.add(pa);
    flannel.add(pb);
    const ping = new Ping(pa.netns, {
      dst: ip4('10.244.1.3'),
      count: 1,
      intervalNs: SECOND,
      size: 56,
      ttl: 64,
      pmtudisc: 'want',
    });
    ping.start();
    sim.run({ until: 2 * SECOND });
    expect(ping.result().ttls).toEqual([64]);
    const learned = bridgeFdbShow(n)
      .split('\n')
      .filter((l) => / master cni0 $/.test(l));
    expect(learned).toHaveLength(2);
  });

  it('exhaustion fails with host-local text, code 999, and leaves the veth pair until DEL', () => {
    const { n, bridge, pod } = node();
    const tiny = new FlannelPlugin(bridge, { ...ENV, subnet: ip4('10.244.3.1'), subnetLen: 29 });
    for (const p of ['t1', 't2', 't3', 't4', 't5']) expect(tiny.add(pod(p)).ok).toBe(true);
    const t6 = pod('t6');
    const r = tiny.add(t6);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(999);
    expect(r.error.msg).toBe(
      'failed to allocate for range 0: no IP addresses available in range set: 10.244.3.1-10.244.3.6',
    );
    expect(t6.netns.deviceByName('eth0')?.adminUp).toBe(false);
    const before = n.devices().length;
    expect(tiny.del(t6).ok).toBe(true);
    expect(n.devices().length).toBe(before - 1);
    expect(tiny.del(t6).ok).toBe(true); // idempotent
  });

  it('DEL frees the address, but host-local hands out .4 next (no rewind)', () => {
    const { flannel, pod } = node();
    const pa = pod('pa');
    flannel.add(pa);
    flannel.add(pod('pb'));
    expect(flannel.del(pa).ok).toBe(true);
    const pc = flannel.add(pod('pc'));
    expect(pc.ok && pc.value.ips?.[0]?.address).toBe('10.244.1.4/24');
  });
});

// The bridge plugin's result names the devices ADD made: cni0, the host veth and the pod's eth0, with
// the MACs those devices have (cni plugins/main/bridge: current.Interface{Name, Mac: link.Attrs().HardwareAddr}).
describe('bridge plugin ADD result', () => {
  it('reports each device MAC as ip link shows it, for every pod of the node', () => {
    const sim = new Sim({ seed: 3 });
    const trace = new TraceBus<EthernetFrame>();
    const bridge = new BridgePlugin(new NetNs(sim, { name: 'node1', trace }));
    const flannel = new FlannelPlugin(bridge, ENV);
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
