import { describe, expect, it } from 'vitest';
import { newSkb } from '../../src/net/index.js';
import { formatConntrackList, type Netfilter } from '../../src/netfilter/index.js';
import { MS, SECOND, type Sim } from '../../src/sim/index.js';
import { formatIp4, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/wire/index.js';
import {
  DROP,
  dnat,
  dport,
  forward,
  hook,
  load,
  packet,
  pingPacket,
  rule,
  table,
  tcpPacket,
  udpPacket,
  unitNf,
} from './engine-lab.js';

const C = '10.244.1.2';
const VIP = '10.96.0.100';
const EP = '10.244.1.3';

/** The ClusterIP service of reference/kube-proxy.md §7, reduced to its one local endpoint. */
function serviceNf(): { readonly sim: Sim; readonly nf: Netfilter } {
  const u = unitNf();
  load(
    u.nf,
    table('nat', {
      PREROUTING: [rule({ dst: VIP, proto: 'tcp', matches: [dport('tcp', 80)], target: dnat(EP, 8080) })],
    }),
  );
  return u;
}

const list = (u: { readonly sim: Sim; readonly nf: Netfilter }) =>
  formatConntrackList(u.nf.conntrackList(), u.sim.now);

/** Client → service (original direction) and endpoint → client (reply) segments of one TCP flow. */
const toSvc = (flags: number) => tcpPacket(C, VIP, 40528, 80, flags);
const fromEp = (flags: number) => tcpPacket(EP, C, 8080, 40528, flags);

describe('conntrack -L: the lines the kernel lab printed', () => {
  it('a closed ClusterIP connection: TIME_WAIT with 118 s left, [ASSURED], reply from the endpoint', () => {
    const u = serviceNf();
    for (const p of [
      toSvc(TCP_SYN),
      fromEp(TCP_SYN | TCP_ACK),
      toSvc(TCP_ACK),
      toSvc(TCP_FIN | TCP_ACK),
      fromEp(TCP_ACK),
      fromEp(TCP_FIN | TCP_ACK),
      toSvc(TCP_ACK),
    ])
      packet(forward(u.nf, p));
    u.sim.run({ until: 1500 * MS });
    expect(list(u)).toBe(
      'tcp      6 118 TIME_WAIT src=10.244.1.2 dst=10.96.0.100 sport=40528 dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=40528 [ASSURED] mark=0 use=1\n',
    );
  });

  it('an answered ping: 29 s left a second later, no flags', () => {
    const u = unitNf();
    packet(forward(u.nf, pingPacket('10.244.1.2', '10.244.2.2', 17379)));
    packet(forward(u.nf, pingPacket('10.244.2.2', '10.244.1.2', 17379, 0), 'eth1', 'eth0'));
    u.sim.run({ until: 1 * SECOND });
    expect(list(u)).toBe(
      'icmp     1 29 src=10.244.1.2 dst=10.244.2.2 type=8 code=0 id=17379 src=10.244.2.2 dst=10.244.1.2 type=0 code=0 id=17379 mark=0 use=1\n',
    );
  });

  it("flannel's outer VXLAN datagram from the node itself: [UNREPLIED] udp entry", () => {
    const u = unitNf();
    const skb = newSkb();
    const p = packet(
      hook(u.nf, 'OUTPUT', udpPacket('192.168.56.11', '192.168.56.12', 50640, 8472), undefined, 'eth0', skb),
    );
    packet(hook(u.nf, 'POSTROUTING', p, undefined, 'eth0', skb));
    u.sim.run({ until: 500 * MS });
    expect(list(u)).toBe(
      'udp      17 29 src=192.168.56.11 dst=192.168.56.12 sport=50640 dport=8472 [UNREPLIED] src=192.168.56.12 dst=192.168.56.11 sport=8472 dport=50640 mark=0 use=1\n',
    );
  });
});

describe('TCP states and timeouts', () => {
  it('SYN_SENT 120 → SYN_RECV 60 → ESTABLISHED with kube-proxy’s 86400 and [ASSURED] after the handshake', () => {
    const u = serviceNf();
    expect(u.nf.setSysctl('net.netfilter.nf_conntrack_tcp_timeout_established', '86400')).toBe(true);
    const states: string[] = [];
    for (const p of [toSvc(TCP_SYN), fromEp(TCP_SYN | TCP_ACK), toSvc(TCP_ACK)]) {
      packet(forward(u.nf, p));
      states.push(list(u).split(' src=')[0] ?? '');
    }
    expect(states).toEqual([
      'tcp      6 120 SYN_SENT',
      'tcp      6 60 SYN_RECV',
      'tcp      6 86400 ESTABLISHED',
    ]);
    expect(list(u)).toContain('[ASSURED]');
  });

  it('CLOSE_WAIT lasts kube-proxy’s 3600 s once set; the default is 60', () => {
    for (const [value, want] of [
      [undefined, 60],
      ['3600', 3600],
    ] as const) {
      const u = serviceNf();
      if (value !== undefined) u.nf.setSysctl('net.netfilter.nf_conntrack_tcp_timeout_close_wait', value);
      for (const p of [
        toSvc(TCP_SYN),
        fromEp(TCP_SYN | TCP_ACK),
        toSvc(TCP_ACK),
        fromEp(TCP_FIN | TCP_ACK),
        toSvc(TCP_ACK),
      ])
        packet(forward(u.nf, p));
      expect(list(u).split(' src=')[0]).toBe(`tcp      6 ${want} CLOSE_WAIT`);
    }
  });

  it('a RST as the only answer removes the entry at once (the connection was refused)', () => {
    const u = serviceNf();
    packet(forward(u.nf, toSvc(TCP_SYN)));
    const rst = packet(forward(u.nf, fromEp(TCP_RST | TCP_ACK), 'eth1', 'eth0'));
    expect(formatIp4(rst.src)).toBe(VIP); // the RST itself still gets the reverse NAT
    expect(u.nf.conntrackList()).toHaveLength(0);
  });

  it('a SYN-ACK with no entry is INVALID and creates none; a mid-stream ACK is picked up (tcp_loose)', () => {
    const u = unitNf();
    load(
      u.nf,
      table('filter', {
        FORWARD: [
          rule({ matches: [{ kind: 'conntrack', ctstate: ['INVALID'], invert: false }], target: DROP }),
        ],
      }),
    );
    expect(forward(u.nf, tcpPacket('10.0.0.1', '10.0.0.2', 1, 2, TCP_SYN | TCP_ACK)).kind).toBe('drop');
    expect(u.nf.conntrackList()).toHaveLength(0);
    expect(forward(u.nf, tcpPacket('10.0.0.1', '10.0.0.2', 1, 2, TCP_ACK)).kind).toBe('ipv4');
    // Picked up, not yet answered: ESTABLISHED with the 300 s "unacknowledged" timeout.
    expect(list(u).split(' src=')[0]).toBe('tcp      6 300 ESTABLISHED');
  });

  it('a SYN after TIME_WAIT reopens the connection as a new entry', () => {
    const u = serviceNf();
    for (const p of [
      toSvc(TCP_SYN),
      fromEp(TCP_SYN | TCP_ACK),
      toSvc(TCP_ACK),
      toSvc(TCP_FIN | TCP_ACK),
      fromEp(TCP_FIN | TCP_ACK),
      toSvc(TCP_ACK),
    ])
      packet(forward(u.nf, p));
    expect(list(u)).toContain('TIME_WAIT');
    packet(forward(u.nf, toSvc(TCP_SYN)));
    expect(list(u).split(' src=')[0]).toBe('tcp      6 120 SYN_SENT');
  });
});

describe('UDP [ASSURED], expiry, the table limit, deletion', () => {
  const out = () => udpPacket('10.0.0.1', '10.0.0.2', 1000, 53);
  const back = () => udpPacket('10.0.0.2', '10.0.0.1', 53, 1000);

  it('UDP is [ASSURED] with 120 s only when a packet comes after a reply and 2 s of life', () => {
    const u = unitNf();
    packet(forward(u.nf, out()));
    packet(forward(u.nf, back(), 'eth1', 'eth0'));
    packet(forward(u.nf, out()));
    expect(list(u)).not.toContain('[ASSURED]');
    expect(list(u).split(' src=')[0]).toBe('udp      17 30');
    u.sim.run({ until: 2100 * MS });
    packet(forward(u.nf, out()));
    expect(list(u)).toContain('[ASSURED]');
    expect(list(u).split(' src=')[0]).toBe('udp      17 120');
  });

  it('an entry expires by simulated time; the next packet is NEW again', () => {
    const u = unitNf();
    load(
      u.nf,
      table('filter', {
        FORWARD: [
          rule({
            matches: [{ kind: 'conntrack', ctstate: ['NEW'], invert: false }],
            target: { kind: 'MARK', value: 1, mask: 1 },
          }),
        ],
      }),
    );
    packet(forward(u.nf, out()));
    u.sim.run({ until: 29 * SECOND });
    expect(u.nf.conntrackList()).toHaveLength(1);
    u.sim.run({ until: 30 * SECOND });
    expect(u.nf.conntrackList()).toHaveLength(0);
    const skb = newSkb();
    const p = packet(u.nf.run('PREROUTING', out(), 'eth0', undefined, skb));
    u.nf.run('FORWARD', p, 'eth0', 'eth1', skb);
    expect(skb.mark).toBe(1);
  });

  it('a full table evicts an unassured entry, and drops a NEW connection when all are assured', () => {
    const u = unitNf();
    u.nf.setSysctl('net.netfilter.nf_conntrack_max', '2');
    // Two assured UDP flows (answered, then used again after 2 s).
    for (const port of [1, 2]) {
      packet(forward(u.nf, udpPacket('10.0.0.1', '10.0.0.2', port, 53)));
      packet(forward(u.nf, udpPacket('10.0.0.2', '10.0.0.1', 53, port), 'eth1', 'eth0'));
    }
    u.sim.run({ until: 3 * SECOND });
    for (const port of [1, 2]) packet(forward(u.nf, udpPacket('10.0.0.1', '10.0.0.2', port, 53)));
    const full = forward(u.nf, udpPacket('10.0.0.1', '10.0.0.2', 3, 53));
    expect(full).toEqual({ kind: 'drop', reason: 'nf_conntrack_table_full' });
    expect(u.nf.conntrack.table.stats.drop).toBe(1);
    // An established flow still passes: only new entries need room.
    expect(forward(u.nf, udpPacket('10.0.0.1', '10.0.0.2', 1, 53)).kind).toBe('ipv4');
    // Make room with one unassured entry: flush flow 2, add an unanswered flow 4, then 5 evicts it.
    u.nf.conntrack.delete({ origSport: 2 }, u.sim.now);
    packet(forward(u.nf, udpPacket('10.0.0.1', '10.0.0.2', 4, 53)));
    expect(forward(u.nf, udpPacket('10.0.0.1', '10.0.0.2', 5, 53)).kind).toBe('ipv4');
    expect(u.nf.conntrack.table.stats.earlyDrop).toBe(1);
    expect(u.nf.conntrackList().map((e) => e.orig.sport)).toEqual([1, 5]);
  });

  it('kube-proxy’s stale UDP cleanup deletes the entries of a ClusterIP (conntrack -D -p udp --orig-dst)', () => {
    const u = unitNf();
    load(u.nf, table('nat', { PREROUTING: [rule({ dst: VIP, target: dnat(EP) })] }));
    packet(forward(u.nf, udpPacket(C, VIP, 1000, 53)));
    packet(forward(u.nf, udpPacket(C, '10.0.0.9', 1000, 53)));
    expect(u.nf.conntrack.delete({ proto: 17, dstNat: 0x0af40103 }, u.sim.now)).toBe(1);
    expect(u.nf.conntrackList().map((e) => formatIp4(e.orig.dst))).toEqual(['10.0.0.9']);
  });
});
