import { describe, expect, it } from 'vitest';
import { newSkb } from '../../src/net/index.js';
import { IpSets, type Rule } from '../../src/netfilter/index.js';
import { SECOND } from '../../src/sim/index.js';
import { formatIp4, ip4, TCP_SYN } from '../../src/wire/index.js';
import {
  ACCEPT,
  ctstate,
  DROP,
  dnat,
  dport,
  forward,
  goto,
  hook,
  jump,
  load,
  mark,
  masquerade,
  packet,
  RETURN,
  rule,
  table,
  tcpPacket,
  udpPacket,
  unitNf,
} from './engine-lab.js';

/** A rule that only counts, then marks the packet with `bit` (so the path taken is visible in the mark). */
function marks(bit: number): Rule {
  return rule({ target: mark(bit, bit) });
}

describe('ipt_do_table: jumps, gotos, RETURN and policies', () => {
  it('a RETURN in a chain entered by -g resumes after the -j that called the goto chain', () => {
    const { nf } = unitNf();
    load(
      nf,
      table('mangle', {
        PREROUTING: [rule({ target: jump('A') }), marks(0x10)],
        A: [marks(0x1), rule({ target: goto('B') }), marks(0x2)],
        B: [marks(0x4), rule({ target: RETURN }), marks(0x8)],
      }),
    );
    const skb = newSkb();
    hook(nf, 'PREROUTING', udpPacket('10.0.0.1', '10.0.0.2', 1000, 53), 'eth0', undefined, skb);
    // A marks 1, goes to B, B marks 4 and returns to PREROUTING's next rule (0x10); A's 0x2 never runs.
    expect(skb.mark).toBe(0x1 | 0x4 | 0x10);
  });

  it('the end of a user chain returns to the rule after the jump; a top-level RETURN takes the policy', () => {
    const { nf } = unitNf();
    load(
      nf,
      table(
        'filter',
        {
          FORWARD: [
            rule({ target: jump('A') }),
            rule({ src: '10.0.0.9', target: ACCEPT }),
            rule({ target: RETURN }),
          ],
          A: [rule({ src: '10.0.0.1', target: ACCEPT })],
        },
        { FORWARD: 'DROP' },
      ),
    );
    expect(hook(nf, 'FORWARD', udpPacket('10.0.0.1', '10.0.0.2', 1, 2), 'eth0', 'eth1').kind).toBe('ipv4');
    expect(hook(nf, 'FORWARD', udpPacket('10.0.0.9', '10.0.0.2', 1, 2), 'eth0', 'eth1').kind).toBe('ipv4');
    expect(hook(nf, 'FORWARD', udpPacket('10.0.0.5', '10.0.0.2', 1, 2), 'eth0', 'eth1')).toEqual({
      kind: 'drop',
      reason: 'nf_drop',
    });
    const c = nf.counters('filter', 'FORWARD');
    // Every packet passed the jump; .1 was accepted inside A; .9 by rule 2; .5 hit RETURN → policy DROP.
    expect(c?.rules.map((r) => r.packets)).toEqual([3, 1, 1]);
    expect(c?.policy?.packets).toBe(1);
    expect(nf.counters('filter', 'A')?.rules[0]?.packets).toBe(1);
  });

  it('counts bytes as the IP total length and keeps counters per namespace for shared rules', () => {
    const shared = table('filter', { INPUT: [rule({ proto: 'udp', target: ACCEPT })] });
    const a = unitNf().nf;
    const b = unitNf().nf;
    load(a, shared);
    load(b, shared);
    const pkt = udpPacket('10.0.0.1', '10.0.0.2', 1, 2);
    hook(a, 'INPUT', pkt, 'eth0', undefined);
    hook(a, 'INPUT', pkt, 'eth0', undefined);
    expect(a.counters('filter', 'INPUT')?.rules[0]).toEqual({ packets: 2, bytes: 2 * pkt.totalLength });
    expect(b.counters('filter', 'INPUT')?.rules[0]).toEqual({ packets: 0, bytes: 0 });
  });

  it('-i with a + wildcard matches by prefix and never the absent device', () => {
    const { nf } = unitNf();
    load(
      nf,
      table('filter', {
        FORWARD: [
          { ...rule({ target: DROP }), inIface: { name: 'veth+', invert: false } },
          { ...rule({ target: DROP }), outIface: { name: 'cni0', invert: true } },
        ],
      }),
    );
    expect(hook(nf, 'FORWARD', udpPacket('10.0.0.1', '10.0.0.2', 1, 2), 'veth1a', 'cni0').kind).toBe('drop');
    expect(hook(nf, 'FORWARD', udpPacket('10.0.0.1', '10.0.0.2', 1, 2), 'eth0', 'cni0').kind).toBe('ipv4');
    expect(hook(nf, 'FORWARD', udpPacket('10.0.0.1', '10.0.0.2', 1, 2), 'eth0', 'flannel.1').kind).toBe(
      'drop',
    );
  });

  it('MARK set in PREROUTING is seen in POSTROUTING of the same packet only', () => {
    const { nf } = unitNf();
    load(
      nf,
      table('nat', {
        PREROUTING: [rule({ dst: '10.96.0.100', target: jump('KUBE-MARK-MASQ') })],
        'KUBE-MARK-MASQ': [rule({ target: mark(0x4000, 0x4000) })],
        POSTROUTING: [
          rule({
            matches: [{ kind: 'mark', value: 0x4000, mask: 0x4000, invert: false }],
            target: masquerade(),
          }),
        ],
      }),
    );
    const marked = packet(forward(nf, udpPacket('10.0.1.2', '10.96.0.100', 4000, 53)));
    expect(formatIp4(marked.src)).toBe('192.168.56.11');
    const other = packet(forward(nf, udpPacket('10.0.1.2', '10.96.0.7', 4000, 53)));
    expect(formatIp4(other.src)).toBe('10.0.1.2');
  });

  it('ensureRule prepends once (iptables -C then -I), and restoreNoflush refills only declared chains', () => {
    const { nf } = unitNf();
    const jumpRule = rule({ target: jump('KUBE-SERVICES') });
    load(nf, table('nat', { 'KUBE-SERVICES': [], 'KUBE-OTHER': [rule({ target: ACCEPT })] }));
    expect(nf.ensureRule('nat', 'PREROUTING', jumpRule, 'prepend')).toEqual({ ok: true, added: true });
    expect(nf.ensureRule('nat', 'PREROUTING', rule({ target: jump('KUBE-SERVICES') }), 'prepend')).toEqual({
      ok: true,
      added: false,
    });
    const r = nf.restoreNoflush(
      table('nat', { 'KUBE-SERVICES': [rule({ dst: '10.96.0.1', target: ACCEPT })] }),
    );
    expect(r.ok).toBe(true);
    const nat = nf.tables().find((t) => t.name === 'nat');
    expect(nat?.chains.get('PREROUTING')?.rules).toHaveLength(1);
    expect(nat?.chains.get('KUBE-SERVICES')?.rules).toHaveLength(1);
    expect(nat?.chains.get('KUBE-OTHER')?.rules).toHaveLength(1);
    expect([...(nat?.chains.keys() ?? [])]).toEqual([
      'PREROUTING',
      'INPUT',
      'OUTPUT',
      'POSTROUTING',
      'KUBE-OTHER',
      'KUBE-SERVICES',
    ]);
  });

  it('refuses what iptables refuses: a jump to a missing chain, deleting a referenced chain', () => {
    const { nf } = unitNf();
    expect(nf.replaceTable(table('filter', { INPUT: [rule({ target: jump('NOPE') })] }))).toEqual({
      ok: false,
      error: "Couldn't load target `NOPE':No such file or directory",
    });
    load(nf, table('filter', { INPUT: [rule({ target: jump('A') })], A: [] }));
    expect(nf.deleteChain('filter', 'A')).toEqual({ ok: false, error: 'Too many links.' });
    expect(
      nf.restoreNoflush(
        table('filter', { A: [rule({ target: goto('B') })], B: [rule({ target: jump('A') })] }),
      ),
    ).toEqual({
      ok: false,
      error: 'Too many levels of symbolic links.',
    });
    expect(nf.tables()[0]?.chains.has('B')).toBe(false);
    expect(nf.flushChain('filter', 'INPUT').ok).toBe(true);
    expect(nf.deleteChain('filter', 'A').ok).toBe(true);
  });
});

describe('nat: first packet only, bindings from conntrack', () => {
  it('DNAT applies to the first packet by rule and to later packets by the entry, even after the rule goes', () => {
    const { nf } = unitNf();
    load(
      nf,
      table('nat', {
        PREROUTING: [
          rule({
            dst: '10.96.0.100',
            proto: 'udp',
            matches: [dport('udp', 80)],
            target: dnat('10.0.2.2', 8080),
          }),
        ],
      }),
    );
    const first = packet(forward(nf, udpPacket('10.0.1.2', '10.96.0.100', 5000, 80)));
    expect([formatIp4(first.dst), first.payload.kind === 'udp' ? first.payload.dstPort : 0]).toEqual([
      '10.0.2.2',
      8080,
    ]);
    load(nf, table('nat', {}));
    const second = packet(forward(nf, udpPacket('10.0.1.2', '10.96.0.100', 5000, 80)));
    expect(formatIp4(second.dst)).toBe('10.0.2.2');
    // A reply gets the binding undone without any rule: source back to the ClusterIP and port 80.
    const reply = packet(forward(nf, udpPacket('10.0.2.2', '10.0.1.2', 8080, 5000), 'eth1', 'eth0'));
    expect(formatIp4(reply.src)).toBe('10.96.0.100');
    expect(reply.payload.kind === 'udp' ? reply.payload.srcPort : 0).toBe(80);
    expect(nf.counters('nat', 'PREROUTING')?.policy?.packets ?? 0).toBe(0);
  });

  it('-m conntrack --ctstate sees NEW, ESTABLISHED and DNAT', () => {
    const { nf } = unitNf();
    load(
      nf,
      table('nat', { PREROUTING: [rule({ dst: '10.96.0.100', target: dnat('10.0.2.2') })] }),
      table('filter', {
        FORWARD: [
          rule({ matches: [ctstate('NEW')], target: mark(1, 1) }),
          rule({ matches: [ctstate('ESTABLISHED')], target: mark(2, 2) }),
          rule({ matches: [ctstate('DNAT')], target: mark(4, 4) }),
        ],
      }),
    );
    const s1 = newSkb();
    const p = packet(
      nf.run('PREROUTING', udpPacket('10.0.1.2', '10.96.0.100', 5000, 80), 'eth0', undefined, s1),
    );
    nf.run('FORWARD', p, 'eth0', 'eth1', s1);
    nf.run('POSTROUTING', p, undefined, 'eth1', s1);
    expect(s1.mark).toBe(1 | 4);
    const s2 = newSkb();
    const q = packet(
      nf.run('PREROUTING', udpPacket('10.0.2.2', '10.0.1.2', 80, 5000), 'eth1', undefined, s2),
    );
    nf.run('FORWARD', q, 'eth1', 'eth0', s2);
    expect(s2.mark).toBe(2 | 4);
  });

  it('a packet dropped in FORWARD leaves no conntrack entry (confirm happens at the end of POSTROUTING)', () => {
    const { nf } = unitNf();
    load(nf, table('filter', { FORWARD: [rule({ dst: '10.0.2.9', target: DROP })] }));
    expect(forward(nf, udpPacket('10.0.1.2', '10.0.2.9', 5000, 80)).kind).toBe('drop');
    expect(nf.conntrackList()).toHaveLength(0);
    expect(forward(nf, udpPacket('10.0.1.2', '10.0.2.8', 5000, 80)).kind).toBe('ipv4');
    expect(nf.conntrackList()).toHaveLength(1);
  });
});

describe('-m recent (ClientIP session affinity) and -m addrtype', () => {
  it('--rcheck --seconds --reap sends a client back to the endpoint --set remembered, until it expires', () => {
    const { sim, nf } = unitNf();
    const recent = (op: 'set' | 'rcheck') =>
      ({
        kind: 'recent',
        name: 'KUBE-SEP-B',
        op,
        reap: op === 'rcheck',
        mask: 0xffffffff,
        side: 'rsource',
        ...(op === 'rcheck' ? { seconds: 10 } : {}),
      }) as const;
    load(
      nf,
      table('nat', {
        PREROUTING: [
          rule({ matches: [recent('rcheck')], target: jump('KUBE-SEP-B') }),
          // Stands in for the statistic choice: port 54 picks B.
          rule({ proto: 'udp', matches: [dport('udp', 54)], target: jump('KUBE-SEP-B') }),
          rule({ target: jump('KUBE-SEP-A') }),
        ],
        'KUBE-SEP-A': [rule({ target: dnat('10.0.2.2') })],
        'KUBE-SEP-B': [rule({ matches: [recent('set')], target: dnat('10.0.2.3') })],
      }),
    );
    const dst = (src: string, sport: number, port: number) =>
      formatIp4(packet(forward(nf, udpPacket(src, '10.96.0.1', sport, port))).dst);
    expect(dst('10.0.1.2', 1, 54)).toBe('10.0.2.3');
    expect(dst('10.0.1.2', 2, 53)).toBe('10.0.2.3');
    expect(dst('10.0.1.3', 3, 53)).toBe('10.0.2.2');
    sim.run({ until: sim.now + 11 * SECOND });
    expect(dst('10.0.1.2', 4, 53)).toBe('10.0.2.2');
    expect(nf.recent.entries('KUBE-SEP-B').has(ip4('10.0.1.2'))).toBe(false);
  });

  it('--dst-type LOCAL asks the host about the destination', () => {
    const { nf } = unitNf({
      host: { addrType: (ip) => (ip === ip4('192.168.56.11') ? 2 : 1), masqueradeSource: () => 0 },
    });
    load(
      nf,
      table('nat', {
        PREROUTING: [
          rule({
            matches: [{ kind: 'addrtype', dstType: { type: 'LOCAL', invert: false } }, dport('udp', 30080)],
            proto: 'udp',
            target: dnat('10.0.2.2', 8080),
          }),
        ],
      }),
    );
    const hit = packet(
      hook(nf, 'PREROUTING', udpPacket('10.0.1.2', '192.168.56.11', 1, 30080), 'eth0', undefined),
    );
    const miss = packet(
      hook(nf, 'PREROUTING', udpPacket('10.0.1.2', '192.168.56.12', 1, 30080), 'eth0', undefined),
    );
    expect([formatIp4(hit.dst), formatIp4(miss.dst)]).toEqual(['10.0.2.2', '192.168.56.12']);
  });
});

describe('the trace observer (Netfilter.explain)', () => {
  it('is told conntrack, each matched rule with its number, each policy and each NAT rewrite', () => {
    const { nf } = unitNf();
    load(
      nf,
      table('nat', {
        PREROUTING: [rule({ dst: '10.96.0.7' }), rule({ dst: '10.96.0.100', target: jump('KUBE-SEP') })],
        'KUBE-SEP': [rule({ target: dnat('10.0.2.2', 8080) })],
      }),
      table('filter', { FORWARD: [] }),
    );
    const events: string[] = [];
    nf.explain = {
      rule: (h, t, c, n, r) => events.push(`${h} ${t} ${c} #${n} ${r.target?.kind ?? '-'}`),
      policy: (h, t, c, p) => events.push(`${h} ${t} ${c} policy ${p}`),
      conntrack: (h, what, e, reply) =>
        events.push(
          `${h} ct ${what}${reply ? ' reply' : ''} ${e === undefined ? '' : formatIp4(e.orig.dst)}`,
        ),
      nat: (h, m, before, after) =>
        events.push(
          m === 'dst'
            ? `${h} nat dst ${formatIp4(before.dst)} -> ${formatIp4(after.dst)}`
            : `${h} nat src ${formatIp4(before.src)} -> ${formatIp4(after.src)}`,
        ),
    };
    forward(nf, udpPacket('10.0.1.2', '10.96.0.100', 5000, 80));
    expect(events).toEqual([
      'PREROUTING ct new 10.96.0.100',
      'PREROUTING nat PREROUTING #2 jump',
      'PREROUTING nat KUBE-SEP #1 DNAT',
      'PREROUTING nat dst 10.96.0.100 -> 10.0.2.2',
      'FORWARD filter FORWARD policy ACCEPT',
      'POSTROUTING nat POSTROUTING policy ACCEPT',
    ]);
    events.length = 0;
    forward(nf, udpPacket('10.0.2.2', '10.0.1.2', 8080, 5000), 'eth1', 'eth0');
    expect(events).toEqual([
      'PREROUTING ct established reply 10.96.0.100',
      'FORWARD filter FORWARD policy ACCEPT',
      'POSTROUTING nat src 10.0.2.2 -> 10.96.0.100',
    ]);
  });
});

describe('-m set with the namespace’s ipsets', () => {
  it('IpSets plugs in as the SetLookup: dst,dst tests the destination address and port', () => {
    const sets = new IpSets();
    expect(sets.create('KUBE-CLUSTER-IP', 'hash:ip,port').ok).toBe(true);
    expect(sets.get('KUBE-CLUSTER-IP')?.add('10.96.0.100,tcp:80').ok).toBe(true);
    const { nf } = unitNf();
    nf.sets = sets;
    load(
      nf,
      table('nat', {
        PREROUTING: [
          rule({
            matches: [{ kind: 'set', name: 'KUBE-CLUSTER-IP', flags: ['dst', 'dst'], invert: false }],
            target: mark(0x4000, 0x4000),
          }),
        ],
      }),
    );
    const marked = (pkt: ReturnType<typeof tcpPacket>) => {
      const skb = newSkb();
      hook(nf, 'PREROUTING', pkt, 'eth0', undefined, skb);
      return skb.mark;
    };
    expect(marked(tcpPacket('10.0.1.2', '10.96.0.100', 5000, 80, TCP_SYN))).toBe(0x4000);
    expect(marked(tcpPacket('10.0.1.2', '10.96.0.100', 5001, 81, TCP_SYN))).toBe(0);
  });
});
