import { describe, expect, it } from 'vitest';
import { ipLink, ipRoute } from '../../src/inspect/index.js';
import { Dummy, NetNs } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, ethernet, ip4, ipv4, mac } from '../../src/wire/index.js';

function node(): { ns: NetNs; dev: Dummy; trace: TraceBus<EthernetFrame> } {
  const sim = new Sim({ seed: 1 });
  const trace = new TraceBus<EthernetFrame>();
  const ns = new NetNs(sim, { name: 'node1', trace });
  const dev = new Dummy(sim, ns.deviceOptions('kube-ipvs0', mac('9e:4a:1a:c5:8b:5c'), 1500));
  ns.attach(dev);
  return { ns, dev, trace };
}

describe('Dummy (kube-ipvs0)', () => {
  it('is created DOWN and never opened, as kube-proxy leaves kube-ipvs0', () => {
    const { ns } = node();
    const lines = ipLink(ns).split('\n');
    expect(lines[2]).toBe(
      '2: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000',
    );
    expect(lines[3]).toMatch(
      /^ {4}link\/ether 9e:4a:1a:c5:8b:5c brd ff:ff:ff:ff:ff:ff promiscuity 0 {2}allmulti 0 minmtu 0 maxmtu 0 $/,
    );
    expect(lines[4]).toMatch(/^ {4}dummy addrgenmode eui64 numtxqueues 1 numrxqueues 1 /);
  });

  it('brought up it shows NOARP, no queue and operstate UNKNOWN', () => {
    const { ns } = node();
    ns.setLinkUp('kube-ipvs0', true);
    expect(ipLink(ns).split('\n')[2]).toBe(
      '2: kube-ipvs0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
    );
  });

  it('its /32 addresses are local addresses of the namespace while it is down', () => {
    const { ns, dev } = node();
    ns.addAddress('kube-ipvs0', ip4('10.96.0.1'), 32);
    ns.addAddress('kube-ipvs0', ip4('10.96.0.10'), 32);
    expect(ns.local.lookup(ip4('10.96.0.10'))).toMatchObject({ type: 'local', dev: dev.ifindex });
    expect(ipRoute(ns, 'local')).toContain(
      'local 10.96.0.1 dev kube-ipvs0 proto kernel scope host src 10.96.0.1 \n',
    );
    expect(ipRoute(ns)).not.toContain('kube-ipvs0');
  });

  it('counts what it sends and delivers nothing (dummy_xmit); down, it drops', () => {
    const { ns, dev, trace } = node();
    const seen: string[] = [];
    trace.on((kind, _t, point) => seen.push(`${kind} ${point.name}`));
    const frame = ethernet(
      0xffffffffffff,
      dev.mac,
      ipv4({ src: 1, dst: 2, protocol: 253, payload: new Uint8Array(4) }),
    );
    dev.xmit(frame, 38);
    expect([dev.stats.txPackets, dev.stats.txDropped]).toEqual([0, 1]);
    ns.setLinkUp('kube-ipvs0', true);
    dev.xmit(frame, 38);
    ns.sim.run({ until: 1_000_000 });
    expect([dev.stats.txPackets, dev.stats.txBytes, dev.stats.rxPackets]).toEqual([1, 38, 0]);
    expect(seen).toEqual(['drop node1/kube-ipvs0', 'tx node1/kube-ipvs0']);
  });
});
