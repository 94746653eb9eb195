import { describe, expect, it } from 'vitest';
import { servicesBench } from '../../bench/services.js';
import { benchNode, serviceSet } from '../../bench/services-cluster.js';
import { kubeProxyInstaller } from '../../bench/services-install.js';
import { measurePath, natRuleCounts } from '../../bench/services-packet.js';
import { servicesJson, servicesReport } from '../../bench/services-report.js';
import { ip4 } from '../../src/wire/index.js';

const TINY = { connections: 40, edgeConnections: 10, windows: 1 } as const;

describe('Services benchmark at a tiny size (smoke: times are never asserted)', () => {
  it('draws distinct ClusterIPs inside 10.96.0.0/12, the same ones for the same seed', () => {
    const a = serviceSet(50, 5, 7);
    expect(new Set(a.clusterIPs).size).toBe(50);
    for (const ip of a.clusterIPs) expect((ip & 0xfff00000) >>> 0).toBe(ip4('10.96.0.0'));
    expect([...a.inRuleOrder].sort()).toEqual([...a.clusterIPs].sort());
    expect(serviceSet(50, 5, 7).clusterIPs).toEqual(a.clusterIPs);
  });

  it('iptables nat rules grow with the Service count; IPVS mode keeps a constant rule count', () => {
    const small = natRuleCounts(serviceSet(10, 5), 1);
    const big = natRuleCounts(serviceSet(40, 5), 1);
    expect(big.iptables).toBeGreaterThan(small.iptables);
    expect(big.ipvs).toBe(small.ipvs);
  });

  it('nodes given the same rules hold the very same chain records', () => {
    const set = serviceSet(10, 5);
    const [a, b] = [benchNode(1), benchNode(2)];
    kubeProxyInstaller('iptables')(a, set);
    kubeProxyInstaller('iptables')(b, set);
    const services = (n: typeof a) =>
      n.nf
        .tables()
        .find((t) => t.name === 'nat')
        ?.chains.get('KUBE-SERVICES');
    expect(services(a)).toBeDefined();
    expect(services(a)).toBe(services(b));
  });

  it.each(['iptables', 'ipvs'] as const)(
    'times first and established packets through a %s-mode node',
    (mode) => {
      const set = serviceSet(10, 5);
      const node = benchNode(1);
      kubeProxyInstaller(mode)(node, set);
      // measurePath itself checks every SYN was DNATed to a backend and every reply came back.
      const cost = measurePath(node, set, TINY);
      for (const v of [cost.firstUs, cost.firstHeadUs, cost.firstTailUs, cost.establishedUs]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      // A second measurement on the same node opens new connections (each SYN must be NEW again).
      expect(() => measurePath(node, set, TINY)).not.toThrow();
    },
  );

  it('runs the whole benchmark small: a row per size, a report, JSON numbers or null', () => {
    const r = servicesBench({
      sizes: [10, 20],
      nodes: 5,
      build: { services: 30 },
      packet: TINY,
      stackConnections: 20,
    });
    expect(r.rows.map((row) => row.services)).toEqual([10, 20]);
    expect(r.rows[1]?.natRules.iptables).toBeGreaterThan(r.rows[0]?.natRules.iptables ?? Infinity);
    for (const row of r.rows) expect(row.ipvs === undefined).toBe(r.ipvsUnavailable !== undefined);
    const json = servicesJson(r);
    expect(json.services_10_iptables_nat_rules).toBe(r.rows[0]?.natRules.iptables);
    for (const [key, v] of Object.entries(json)) {
      if (v === null) expect(key).toMatch(/_ipvs_/);
      else expect(Number.isFinite(v)).toBe(true);
    }
    const report = servicesReport(r).join('\n');
    expect(report).toContain('services');
    expect(report).toContain('[unverified]');
  });
});
