import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flowHash, NetNs, Nic, Segment, vxlanSourcePort } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import { arbEthernetFrame } from '../../src/testing/index.js';
import {
  type EthernetFrame,
  ethernet,
  icmpEcho,
  ip4,
  ipv4,
  udp,
  udpChecksum,
  vxlan,
} from '../../src/wire/index.js';

const A = ip4('10.244.0.2');
const B = ip4('10.244.1.2');

function echo(src: number, dst: number, type: 0 | 8, id = 7, tos = 0): EthernetFrame {
  return ethernet(
    0x0a0000000002,
    0x0a0000000001,
    ipv4({ src, dst, tos, payload: icmpEcho({ type, id, seq: 1, data: new Uint8Array(56) }) }),
  );
}

function udpFrame(src: number, dst: number, sport: number, dport: number): EthernetFrame {
  return ethernet(
    1,
    2,
    ipv4({
      src,
      dst,
      payload: udp({ src, dst, srcPort: sport, dstPort: dport, payload: new Uint8Array(4) }),
    }),
  );
}

/** Two namespaces on one segment, each with flannel.1 and an FDB entry for the other. */
function pair() {
  const sim = new Sim({ seed: 1 });
  const trace = new TraceBus<EthernetFrame>();
  const seg = new Segment(sim, { name: 'rack1', latencyNs: 1000, bandwidthBps: 1e10, trace });
  const mk = (name: string, ip: number, vtep: number) => {
    const ns = new NetNs(sim, { name, trace });
    const nic = new Nic(sim, ns.deviceOptions('eth0', sim.rng(`mac/${name}`).mac(), 1500));
    ns.attach(nic);
    seg.attach(nic, name);
    ns.addAddress('eth0', ip, 24);
    const dev = ns.addVxlan({
      name: 'flannel.1',
      mac: vtep,
      mtu: 1450,
      vni: 1,
      local: ip,
      lowerDev: 'eth0',
      dstPort: 8472,
      learning: false,
    });
    return { ns, dev };
  };
  const n1 = mk('n1', ip4('192.168.56.11'), 0x0a0000000001);
  const n2 = mk('n2', ip4('192.168.56.12'), 0x0a0000000002);
  n1.dev.fdbAdd(0x0a0000000002, ip4('192.168.56.12'));
  n2.dev.fdbAdd(0x0a0000000001, ip4('192.168.56.11'));
  const seen: Array<{ kind: string; point: string; frame: EthernetFrame; reason: string | undefined }> = [];
  trace.on((kind, _t, point, frame, reason) => seen.push({ kind, point: point.name, frame, reason }));
  return { sim, n1, n2, seen };
}

describe('the VXLAN device (flannel.1)', () => {
  it('encapsulates as the kernel does for a device made like flannel makes it', () => {
    const { sim, n1, seen } = pair();
    n1.dev.xmit(echo(A, B, 8), 98);
    sim.run();
    const out = seen.find((s) => s.kind === 'tx' && s.point === 'n1/eth0' && s.frame.payload.kind === 'ipv4');
    const outer = out?.frame.payload;
    if (outer?.kind !== 'ipv4') throw new Error('no outer IPv4 on n1/eth0');
    expect(outer.src).toBe(ip4('192.168.56.11'));
    expect(outer.dst).toBe(ip4('192.168.56.12'));
    expect(outer.ttl).toBe(64);
    expect(outer.flags & 0b010).toBe(0); // DF clear
    expect(outer.tos).toBe(0);
    expect(outer.totalLength).toBe(134); // the LAB frame: 148 bytes on the wire
    const d = outer.payload;
    if (d.kind !== 'udp' || d.payload.kind !== 'vxlan') throw new Error('not VXLAN');
    expect(d.dstPort).toBe(8472);
    expect(d.length).toBe(114);
    expect(d.srcPort).toBeGreaterThanOrEqual(32768);
    expect(d.srcPort).toBeLessThanOrEqual(60998);
    expect(d.checksum).not.toBe(0);
    expect(d.checksum).toBe(udpChecksum(d, outer));
    expect(d.payload.vni).toBe(1);
    expect(d.payload.flags).toBe(0x08);
    expect(d.payload.inner.dst).toBe(0x0a0000000002);
  });

  it('hands the inner frame to the remote flannel.1, and drops a foreign VNI', () => {
    const { sim, n1, n2, seen } = pair();
    n1.dev.xmit(echo(A, B, 8), 98);
    sim.run();
    expect(seen.some((s) => s.kind === 'rx' && s.point === 'n2/flannel.1')).toBe(true);
    const inner = echo(A, B, 8);
    const stray = udp({
      src: ip4('192.168.56.11'),
      dst: ip4('192.168.56.12'),
      srcPort: 40000,
      dstPort: 8472,
      payload: vxlan({ vni: 2, inner }),
    });
    n2.dev.receiveOuter(stray);
    expect(n2.dev.drops.get('VNI 2 is not ours')).toBe(1);
  });

  it('drops a frame with no FDB entry with a named reason, as a broadcast ARP would be', () => {
    const { sim, n1, seen } = pair();
    n1.dev.xmit(echo(A, B, 8, 7) as EthernetFrame, 98);
    const broadcast = { ...echo(A, B, 8), dst: 0xffffffffffff };
    n1.dev.xmit(broadcast, 98);
    sim.run();
    const drop = seen.find((s) => s.kind === 'drop' && s.point === 'n1/flannel.1');
    expect(drop?.reason).toBe('no FDB entry for the destination MAC');
    expect(n1.dev.stats.txDropped).toBe(1);
  });

  it('copies ECN from the inner packet and nothing else of its TOS', () => {
    const { sim, n1, seen } = pair();
    n1.dev.xmit(echo(A, B, 8, 7, 0xc3), 98);
    sim.run();
    const out = seen.find((s) => s.kind === 'tx' && s.point === 'n1/eth0' && s.frame.payload.kind === 'ipv4');
    expect(out?.frame.payload.kind === 'ipv4' && out.frame.payload.tos).toBe(0x02);
  });
});

describe('the outer source port (udp_flow_src_port)', () => {
  it('is in ip_local_port_range less its last port, for any frame and key', () => {
    fc.assert(
      fc.property(arbEthernetFrame(), fc.nat(), (f, key) => {
        const p = vxlanSourcePort(f, key >>> 0);
        return p >= 32768 && p <= 60998;
      }),
    );
  });

  it('is the same both ways of a flow under one key (the hash is made symmetric)', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 65535 }),
        fc.integer({ min: 1, max: 65535 }),
        fc.nat(),
        (a, b, pa, pb, key) => {
          const there = udpFrame(a, b, pa, pb);
          const back = udpFrame(b, a, pb, pa);
          return flowHash(there, key) === flowHash(back, key);
        },
      ),
    );
  });

  it('hashes ICMP on addresses and protocol only, so every echo id of a pair takes one port', () => {
    expect(vxlanSourcePort(echo(A, B, 8, 1), 99)).toBe(vxlanSourcePort(echo(A, B, 8, 2), 99));
    expect(vxlanSourcePort(echo(A, B, 8), 99)).toBe(vxlanSourcePort(echo(B, A, 0), 99));
  });

  it('spreads different flows over the range', () => {
    const ports = new Set<number>();
    for (let sport = 1000; sport < 1100; sport++) ports.add(vxlanSourcePort(udpFrame(A, B, sport, 53), 5));
    expect(ports.size).toBeGreaterThan(95);
  });
});
