/**
 * PeerTable at the net layer: bare namespaces with a VTEP attach to one table; their route lookups merge
 * the shared prefixes into longest-prefix match, and anything that is not "own entries plus the table"
 * detaches them into real entries.
 */
import { describe, expect, it } from 'vitest';
import { NetNs, Nic, PeerTable, type PeerView, type Vxlan } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, ip4 } from '../../src/wire/index.js';

const PEERS = [1, 2, 3].map((i) => ({
  dst: ip4(`10.244.${i}.0`),
  prefixLen: 24,
  gateway: ip4(`10.244.${i}.0`),
  mac: 0x0a0000000000 + i,
  remote: ip4(`192.168.56.${10 + i}`),
}));

/** Namespace `n<k>` with eth0 at 192.168.56.1<k>/24 and a VTEP `flannel.1` over it. */
function vtepNamespace(sim: Sim, k: number): { ns: NetNs; dev: Vxlan } {
  const ns = new NetNs(sim, { name: `n${k}`, trace: new TraceBus<EthernetFrame>() });
  const local = ip4(`192.168.56.1${k}`);
  ns.attach(new Nic(sim, ns.deviceOptions('eth0', 0x020000000000 + k, 1500)));
  ns.addAddress('eth0', local, 24);
  const dev = ns.addVxlan({
    name: 'flannel.1',
    mac: 0x0b0000000000 + k,
    mtu: 1450,
    vni: 1,
    local,
    lowerDev: 'eth0',
    dstPort: 8472,
    learning: false,
  });
  return { ns, dev };
}

/** A namespace with eth0 and a VTEP, attached (as 10.244.1.0/24's node) to a table holding PEERS. */
function setup() {
  const sim = new Sim({ seed: 1 });
  const { ns, dev } = vtepNamespace(sim, 1);
  const table = new PeerTable<string>();
  const detached: string[][] = [];
  const view = table.attach(
    {
      main: ns.main,
      neigh: ns.neigh,
      dev,
      self: { network: ip4('10.244.1.0'), prefixLen: 24 },
      onDetach: (held) => detached.push(held.map((e) => e.data)),
    },
    0,
  ) as PeerView<string>;
  for (const [i, p] of PEERS.entries()) table.add(p, `peer${i + 1}`, 0);
  return { sim, ns, dev, table, view, detached };
}

describe('PeerTable', () => {
  it('shows every peer but the namespace itself', () => {
    const { ns, dev, view } = setup();
    expect(view.visible().map((e) => e.data)).toEqual(['peer2', 'peer3']);
    expect(ns.main.lookup(ip4('10.244.1.5'))).toBeUndefined();
    expect(ns.main.lookup(ip4('10.244.3.5'))?.gateway).toBe(ip4('10.244.3.0'));
    expect(dev.fdbLookup(0x0a0000000001)).toBeUndefined();
    expect(dev.fdbEntries().map((e) => e.dst)).toEqual([ip4('192.168.56.12'), ip4('192.168.56.13')]);
    expect(ns.neigh.list().map((e) => [e.ip, e.state])).toEqual([
      [ip4('10.244.2.0'), 'PERMANENT'],
      [ip4('10.244.3.0'), 'PERMANENT'],
    ]);
  });

  it('merges shared prefixes into longest-prefix match: own /25 beats a shared /24, which beats own /16', () => {
    const { ns, view } = setup();
    expect(ns.addRoute({ dst: ip4('10.244.0.0'), prefixLen: 16, dev: 'eth0' })).toBeUndefined();
    expect(ns.addRoute({ dst: ip4('10.244.2.128'), prefixLen: 25, dev: 'eth0' })).toBeUndefined();
    expect(view.attached).toBe(true);
    const eth0 = ns.deviceByName('eth0')?.ifindex;
    expect(ns.main.lookup(ip4('10.244.2.200'))?.dev).toBe(eth0);
    expect(ns.main.lookup(ip4('10.244.2.100'))?.gateway).toBe(ip4('10.244.2.0'));
    expect(ns.main.lookup(ip4('10.244.9.1'))?.prefixLen).toBe(16);
    // A shared route whose device is not usable is skipped like an own one.
    expect(ns.main.lookup(ip4('10.244.2.100'), (r) => r.dev === eth0)?.prefixLen).toBe(16);
  });

  it('refuses a peer whose prefix, gateway or MAC another peer has', () => {
    const { table } = setup();
    const p = PEERS[1];
    if (p === undefined) throw new Error('no peer');
    expect(table.add({ ...p, mac: 0x0a00000000ff, remote: 1 }, 'dup-prefix', 0)).toBeUndefined();
    expect(
      table.add({ ...p, dst: ip4('10.244.9.0'), gateway: ip4('10.244.9.0') }, 'dup-mac', 0),
    ).toBeUndefined();
    expect(table.size).toBe(3);
  });

  it('detaches into real entries, in peer order, when the namespace changes one', () => {
    const { ns, dev, view, detached } = setup();
    expect(ns.neigh.delete(dev.ifindex, ip4('10.244.3.0'))).toBe(true);
    expect(view.attached).toBe(false);
    expect(detached).toEqual([['peer2', 'peer3']]);
    expect(ns.neigh.list().map((e) => e.ip)).toEqual([ip4('10.244.2.0')]);
    expect(ns.main.hasOwn(ip4('10.244.3.0'), 24)).toBe(true);
    expect(dev.fdbHasOwn(0x0a0000000003)).toBe(true);
  });

  it('leaves the namespace attached for changes that do not touch the peers', () => {
    const { ns, view } = setup();
    ns.addRoute({ dst: ip4('10.9.0.0'), prefixLen: 16, dev: 'eth0' });
    ns.deleteRoute(ip4('10.9.0.0'), 16);
    ns.setLinkUp('eth0', false);
    expect(view.attached).toBe(true);
  });

  it('detaches a namespace before adding a peer its own tables already route', () => {
    const { ns, table, view } = setup();
    ns.addRoute({ dst: ip4('10.244.7.0'), prefixLen: 24, dev: 'eth0' });
    expect(view.attached).toBe(true);
    const p7 = { dst: ip4('10.244.7.0'), prefixLen: 24, gateway: ip4('10.244.7.0'), mac: 7, remote: 7 };
    expect(table.add(p7, 'p7', 5)).toBeDefined();
    expect(view.attached).toBe(false);
    // Held before the peer was added: flanneld then replaces the route itself.
    expect(ns.main.withPrefix(ip4('10.244.7.0'), 24).map((r) => r.dev)).toEqual([
      ns.deviceByName('eth0')?.ifindex,
    ]);
  });

  it('drops the copy a namespace made of a removed peer, and close detaches everyone', () => {
    const { ns, dev, table, view } = setup();
    expect(ns.neigh.get(dev.ifindex, ip4('10.244.2.0'))?.state).toBe('PERMANENT');
    expect(ns.neigh.hasOwn(dev.ifindex, ip4('10.244.2.0'))).toBe(true);
    const e = table.at(ip4('10.244.2.0'), 24);
    if (e === undefined) throw new Error('no peer');
    table.remove(e);
    expect(ns.neigh.hasOwn(dev.ifindex, ip4('10.244.2.0'))).toBe(false);
    expect(ns.main.lookup(ip4('10.244.2.1'))).toBeUndefined();
    table.close();
    expect(view.attached).toBe(false);
    expect(table.attached).toBe(0);
    expect(ns.main.hasOwn(ip4('10.244.3.0'), 24)).toBe(true);
  });
});

describe('PeerTable clashes', () => {
  it('detaches a namespace only for a peer whose prefix it holds a route of its own to, added or removed since', () => {
    const { ns, table, view } = setup();
    // A route of its own towards a peer yet to come, and one added then removed.
    expect(ns.addRoute({ dst: ip4('10.244.4.0'), prefixLen: 24, dev: 'eth0' })).toBeUndefined();
    expect(ns.addRoute({ dst: ip4('10.244.5.0'), prefixLen: 24, dev: 'eth0' })).toBeUndefined();
    expect(ns.deleteRoute(ip4('10.244.5.0'), 24)).toBe(true);
    const peer = (i: number) => ({
      dst: ip4(`10.244.${i}.0`),
      prefixLen: 24,
      gateway: ip4(`10.244.${i}.0`),
      mac: 0x0a0000000000 + i,
      remote: ip4(`192.168.56.${10 + i}`),
    });
    table.add(peer(5), 'peer5', 0);
    expect(view.attached).toBe(true);
    table.add(peer(4), 'peer4', 0);
    expect(view.attached).toBe(false);
    // Its own route stays (the overlay's owner, e.g. flanneld, replaces it as it programs the peer).
    expect(ns.main.withPrefix(ip4('10.244.4.0'), 24).map((r) => r.gateway)).toEqual([undefined]);
  });

  it('refuses a namespace that already holds a route, neighbour or FDB entry of a peer', () => {
    for (const touch of ['route', 'neigh', 'fdb'] as const) {
      const { sim, table } = setup();
      const { ns, dev } = vtepNamespace(sim, 2);
      if (touch === 'route') ns.addRoute({ dst: ip4('10.244.3.0'), prefixLen: 24, dev: 'eth0' });
      if (touch === 'neigh') ns.neigh.setPermanent(dev.ifindex, ip4('10.244.3.0'), 0x0a0000000003);
      if (touch === 'fdb') dev.fdbAdd(0x0a0000000003, ip4('192.168.56.13'));
      const a = { main: ns.main, neigh: ns.neigh, dev, onDetach: () => {} };
      expect(table.attach({ ...a, self: { network: ip4('10.244.9.0'), prefixLen: 24 } }, 0), touch).toBe(
        undefined,
      );
    }
  });
});
