import { describe, expect, it } from 'vitest';
import { Dummy, NetNs } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, ip4, mac } from '../../src/wire/index.js';

function node(): NetNs {
  const sim = new Sim({ seed: 1 });
  const ns = new NetNs(sim, { name: 'node1', trace: new TraceBus<EthernetFrame>() });
  ns.attach(new Dummy(sim, ns.deviceOptions('kube-ipvs0', mac('9e:4a:1a:c5:8b:5c'), 1500)));
  ns.attach(new Dummy(sim, ns.deviceOptions('dummy1', mac('9e:4a:1a:c5:8b:5d'), 1500)));
  ns.setLinkUp('dummy1', true);
  return ns;
}

const routes = (ns: NetNs, table: 'local' | 'main') =>
  (table === 'local' ? ns.local : ns.main)
    .list()
    .filter((r) => r.dev > 1)
    .map((r) => `${r.type} ${r.dst}/${r.prefixLen}`);

describe('NetNs.deleteAddress (ip addr del)', () => {
  it('a /32 leaves with its local route: the address is no longer local', () => {
    const ns = node();
    ns.addAddress('kube-ipvs0', ip4('10.96.0.1'), 32);
    ns.addAddress('kube-ipvs0', ip4('10.96.0.10'), 32);
    expect(ns.deleteAddress('kube-ipvs0', ip4('10.96.0.1'), 32)).toBe(true);
    expect(ns.local.lookup(ip4('10.96.0.1'))).toBeUndefined();
    expect(ns.local.lookup(ip4('10.96.0.10'))?.type).toBe('local');
    expect(ns.addresses(2).map((a) => a.ip)).toEqual([ip4('10.96.0.10')]);
  });

  it('refuses an address the device does not have (EADDRNOTAVAIL)', () => {
    const ns = node();
    ns.addAddress('kube-ipvs0', ip4('10.96.0.1'), 32);
    expect(ns.deleteAddress('kube-ipvs0', ip4('10.96.0.2'), 32)).toBe(false);
    expect(ns.deleteAddress('kube-ipvs0', ip4('10.96.0.1'), 24)).toBe(false);
    expect(ns.local.lookup(ip4('10.96.0.1'))?.type).toBe('local');
  });

  it('the subnet routes stay while another address of the device covers the subnet, then go with the last one', () => {
    const ns = node();
    ns.addAddress('dummy1', ip4('10.1.0.1'), 24);
    ns.addAddress('dummy1', ip4('10.1.0.2'), 24);
    ns.deleteAddress('dummy1', ip4('10.1.0.1'), 24);
    expect(ns.main.lookup(ip4('10.1.0.77'))?.dev).toBe(3);
    expect(ns.local.lookup(ip4('10.1.0.1'))).toBeUndefined();
    ns.deleteAddress('dummy1', ip4('10.1.0.2'), 24);
    expect(routes(ns, 'main')).toEqual([]);
    expect(routes(ns, 'local')).toEqual([]);
  });
});
