import { describe, expect, it } from 'vitest';
import { NetfilterHost } from '../../src/net/index.js';
import { Netfilter } from '../../src/netfilter/index.js';
import { SECOND } from '../../src/sim/index.js';
import {
  type EthernetFrame,
  formatIp4,
  formatMac,
  IPPROTO_ICMP,
  type Ipv4Packet,
  icmpEcho,
  ip4,
} from '../../src/wire/index.js';
import {
  dnat,
  jump,
  load,
  mark,
  masquerade,
  rawListen,
  rule,
  sendUdp,
  table,
  udpListen,
} from '../netfilter/engine-lab.js';
import { type BridgeLab, threePods } from './bridge-lab.js';

const VIP = '10.96.0.100';
const P1 = '10.244.1.2';
const P2 = '10.244.1.3';

/** threePods() with netfilter on node1 (forwarding on), hairpin on every cni0 port. */
function nodeWithNetfilter(): BridgeLab & { readonly nf: Netfilter } {
  const lab = threePods();
  lab.node.setSysctl('net.ipv4.ip_forward', '1');
  const nf = new Netfilter(lab.sim, { name: 'node1', host: new NetfilterHost(lab.node) });
  lab.node.hooks = nf;
  for (const p of lab.cni0.ports) p.hairpin = true;
  return { ...lab, nf };
}

interface Rx {
  readonly point: string;
  readonly frame: EthernetFrame;
  readonly pkt: Ipv4Packet;
}

/** IPv4 frames received at the pods' eth0. */
function podRx(lab: BridgeLab): Rx[] {
  const seen: Rx[] = [];
  lab.trace.on((kind, _t, point, frame) => {
    if (kind === 'rx' && /\/p\d\/eth0$/.test(point.name) && frame.payload.kind === 'ipv4')
      seen.push({ point: point.name, frame, pkt: frame.payload });
  });
  return seen;
}

function ping(lab: BridgeLab, from: number, to: string, id = 0x4242): void {
  const pod = lab.pods[from - 1];
  if (pod === undefined) throw new Error(`no pod ${from}`);
  pod.ns.send({
    src: pod.ip,
    dst: ip4(to),
    protocol: IPPROTO_ICMP,
    payload: icmpEcho({ type: 8, id, seq: 1, data: new Uint8Array(56) }),
  });
}

const serviceToP2 = () => table('nat', { PREROUTING: [rule({ dst: VIP, target: dnat(P2) })] });

describe('br_netfilter: bridged DNAT on one node (linux-datapath.md §3)', () => {
  for (const warm of [false, true]) {
    it(`pod → ClusterIP → pod on the same bridge is bridged: TTL 64, source MAC of the client${warm ? ' (neighbour known)' : ' (neighbour resolved first)'}`, () => {
      const lab = nodeWithNetfilter();
      load(lab.nf, serviceToP2());
      if (warm) {
        ping(lab, 2, '10.244.1.1');
        lab.sim.run();
      }
      const rx = podRx(lab);
      const replies = rawListen(lab.pods[0]?.ns ?? lab.node, IPPROTO_ICMP);
      ping(lab, 1, VIP);
      lab.sim.run();
      const req = rx.find(
        (r) => r.point === 'node1/p2/eth0' && r.pkt.payload.kind === 'icmp' && r.pkt.payload.type === 8,
      );
      expect(req).toBeDefined();
      expect([formatIp4(req?.pkt.src ?? 0), formatIp4(req?.pkt.dst ?? 0), req?.pkt.ttl]).toEqual([
        P1,
        P2,
        64,
      ]);
      expect([formatMac(req?.frame.src ?? 0), formatMac(req?.frame.dst ?? 0)]).toEqual([
        '02:00:00:00:00:01',
        '02:00:00:00:00:02',
      ]);
      const echo = replies.filter((p) => p.payload.kind === 'icmp' && p.payload.type === 0);
      expect(echo.map((p) => [formatIp4(p.src), p.ttl])).toEqual([[VIP, 64]]);
    });
  }

  it('with bridge-nf-call-iptables=0 the reply is bridged without reverse NAT: the client sees the pod IP', () => {
    const lab = nodeWithNetfilter();
    lab.node.setSysctl('net.bridge.bridge-nf-call-iptables', '0');
    load(lab.nf, serviceToP2());
    const rx = podRx(lab);
    const replies = rawListen(lab.pods[0]?.ns ?? lab.node, IPPROTO_ICMP);
    ping(lab, 1, VIP);
    lab.sim.run();
    // The request was routed by the host (DNAT in the IP stack's PREROUTING): TTL 63, from cni0's MAC.
    const req = rx.find(
      (r) => r.point === 'node1/p2/eth0' && r.pkt.payload.kind === 'icmp' && r.pkt.payload.type === 8,
    );
    expect([req?.pkt.ttl, formatMac(req?.frame.src ?? 0)]).toEqual([63, '02:00:00:00:00:ff']);
    const echo = replies.filter((p) => p.payload.kind === 'icmp' && p.payload.type === 0);
    expect(echo.map((p) => formatIp4(p.src))).toEqual([P2]);
  });

  it('hairpin: a pod reaching itself through its service sees cni0’s address, and the reply comes from the service', () => {
    const lab = nodeWithNetfilter();
    load(
      lab.nf,
      table('nat', {
        PREROUTING: [rule({ dst: VIP, proto: 'udp', target: jump('KUBE-SEP-P1') })],
        'KUBE-SEP-P1': [
          rule({ src: P1, target: jump('KUBE-MARK-MASQ') }),
          rule({ proto: 'udp', target: dnat(P1, 8080) }),
        ],
        'KUBE-MARK-MASQ': [rule({ target: mark(0x4000, 0x4000) })],
        POSTROUTING: [
          rule({
            matches: [{ kind: 'mark', value: 0x4000, mask: 0x4000, invert: false }],
            target: masquerade(),
          }),
        ],
      }),
    );
    const p1 = lab.pods[0]?.ns ?? lab.node;
    const atServer = udpListen(p1, 8080, true);
    const atClient = udpListen(p1, 40528);
    sendUdp(p1, P1, VIP, 40528, 80);
    lab.sim.run();
    expect(atServer.map((s) => [formatIp4(s.src), formatIp4(s.dst), s.dport, s.ttl])).toEqual([
      ['10.244.1.1', P1, 8080, 64],
    ]);
    expect(atClient.map((s) => [formatIp4(s.src), s.sport, formatIp4(s.dst), s.dport])).toEqual([
      [VIP, 80, P1, 40528],
    ]);
  });
});

describe('br_netfilter: which hooks a frame passes', () => {
  it('a frame for the host passes PREROUTING once, in the bridge (ip_sabotage_in), with its port as physdev', () => {
    const lab = nodeWithNetfilter();
    const physIn = { kind: 'physdev', physdevIn: { name: 'veth1', invert: false } } as const;
    load(
      lab.nf,
      table('mangle', {
        PREROUTING: [rule({ in: 'cni0' }), rule({ matches: [physIn] })],
        INPUT: [rule({ in: 'cni0' }), rule({ matches: [physIn] })],
      }),
    );
    udpListen(lab.node, 9000);
    sendUdp(lab.pods[0]?.ns ?? lab.node, P1, '10.244.1.1', 5000, 9000);
    lab.sim.run();
    const pre = lab.nf.counters('mangle', 'PREROUTING')?.rules.map((r) => r.packets);
    const input = lab.nf.counters('mangle', 'INPUT')?.rules.map((r) => r.packets);
    expect(pre).toEqual([1, 1]);
    // The bridge-port information is gone once the packet is in the IP stack.
    expect(input).toEqual([1, 0]);
  });

  it('pod-to-pod frames pass FORWARD with in = out = cni0 and --physdev-is-bridged', () => {
    const lab = nodeWithNetfilter();
    load(
      lab.nf,
      table('filter', {
        FORWARD: [
          rule({
            in: 'cni0',
            out: 'cni0',
            dst: '10.244.1.4',
            matches: [{ kind: 'physdev', isBridged: true }],
            target: { kind: 'DROP' },
          }),
        ],
      }),
    );
    const replies = rawListen(lab.pods[0]?.ns ?? lab.node, IPPROTO_ICMP);
    ping(lab, 1, P2, 1);
    ping(lab, 1, '10.244.1.4', 2);
    // Not to idle: neighbour timers would carry the clock past the 30 s ICMP entries.
    lab.sim.run({ until: lab.sim.now + SECOND });
    const from = replies
      .filter((p) => p.payload.kind === 'icmp' && p.payload.type === 0)
      .map((p) => formatIp4(p.src));
    expect(from).toEqual([P2]);
    expect(lab.node.stats.get('nf_drop')).toBeGreaterThanOrEqual(1);
    // The answered ping left one confirmed entry; the dropped one none.
    expect(lab.nf.conntrackList().map((e) => formatIp4(e.orig.dst))).toEqual([P2]);
  });
});
