import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newSkb } from '../../src/net/index.js';
import { parseIptablesRestore, type Table } from '../../src/netfilter/index.js';
import { formatIp4 } from '../../src/wire/index.js';
import { forward, packet, tcpPacket, unitNf } from './engine-lab.js';

/** `iptables-save -t nat` of one ClusterIP service with two endpoints (reference/kube-proxy.md §7, LAB). */
const NAT = readFileSync('test/fixtures/iptables/kube-proxy-ref7.save', 'utf8');

function natTable(): Table {
  const r = parseIptablesRestore(NAT);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const t = r.tables.find((x) => x.name === 'nat');
  if (t === undefined) throw new Error('no nat table');
  return t;
}

describe("kube-proxy's nat table, parsed from iptables-save text, run by the engine", () => {
  it('spreads pod connections over both endpoints without SNAT, and masquerades a node-sourced one', () => {
    const { nf } = unitNf();
    expect(nf.replaceTable(natTable()).ok).toBe(true);
    const seen = new Map<string, number>();
    for (let port = 40000; port < 40200; port++) {
      const out = packet(
        forward(nf, tcpPacket('10.244.1.2', '10.96.0.100', port, 80, 0x02), 'cni0', 'flannel.1'),
      );
      const key = `${formatIp4(out.src)}>${formatIp4(out.dst)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['10.244.1.2>10.244.1.3', '10.244.1.2>10.244.2.2']);
    for (const n of seen.values()) expect(n).toBeGreaterThan(60);
    // From outside the cluster CIDR: KUBE-MARK-MASQ, then KUBE-POSTROUTING masquerades it.
    const skb = newSkb();
    const a = packet(
      nf.run('PREROUTING', tcpPacket('192.168.56.1', '10.96.0.100', 5555, 80, 0x02), 'eth0', undefined, skb),
    );
    const b = packet(nf.run('POSTROUTING', a, undefined, 'flannel.1', skb));
    expect(formatIp4(b.src)).toBe('192.168.56.11');
    expect(skb.mark).toBe(0);
    // The counters say which rules the 201 new connections took.
    expect(nf.counters('nat', 'KUBE-SERVICES')?.rules[0]?.packets).toBe(201);
    expect(nf.counters('nat', 'KUBE-POSTROUTING')?.rules.map((r) => r.packets)).toEqual([200, 1, 1]);
  });
});
