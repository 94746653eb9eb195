import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeProxyRules, ProxyEndpoint, ProxyService, ProxyTableRules } from '../../src/k8s/index.js';
import { formatIptablesSave, type TableName } from '../../src/netfilter/index.js';
import { expectedProxyTables } from './kube-proxy-expected.js';
import { flannelTables, nodeLab } from './kube-proxy-node-lab.js';

interface SvcSpec {
  readonly svc: ProxyService;
  readonly eps: readonly ProxyEndpoint[];
}

/** A Service with one or two ports and up to five endpoints on node1 or node2. */
const serviceSpec = (i: number): fc.Arbitrary<SvcSpec> =>
  fc
    .record({
      type: fc.constantFrom<'ClusterIP' | 'NodePort'>('ClusterIP', 'NodePort'),
      udp: fc.array(fc.boolean(), { minLength: 1, maxLength: 2 }),
      etp: fc.constantFrom<'Cluster' | 'Local'>('Cluster', 'Local'),
      affinity: fc.boolean(),
      eps: fc.array(
        fc.record({
          host: fc.integer({ min: 2, max: 30 }),
          node: fc.constantFrom('node1', 'node2'),
          ready: fc.boolean(),
        }),
        { maxLength: 5 },
      ),
    })
    .map((r) => {
      const ports = r.udp.map((udp, j) => ({
        name: `p${j}`,
        protocol: udp ? ('UDP' as const) : ('TCP' as const),
        port: 80 + j,
        nodePort: 30000 + i * 4 + j,
      }));
      const svc: ProxyService = {
        namespace: 'ns',
        name: `s${i}`,
        type: r.type,
        clusterIP: 0x0a600000 + i + 1,
        ports,
        externalIPs: [],
        loadBalancerIPs: [],
        sessionAffinity: r.affinity ? 'ClientIP' : 'None',
        affinityTimeoutSeconds: 10800,
        externalTrafficPolicy: r.etp,
        internalTrafficPolicy: 'Cluster',
      };
      const eps = r.eps.map((e) => ({
        ip: 0x0af40000 + ((e.node === 'node1' ? 1 : 2) << 8) + e.host,
        nodeName: e.node,
        ready: e.ready,
        serving: e.ready,
        terminating: false,
        ports: ports.map((p) => ({ name: p.name, port: 8000 + p.port, protocol: p.protocol })),
      }));
      return { svc, eps };
    });

const cluster = fc
  .integer({ min: 0, max: 5 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => serviceSpec(i))));

/** Replaces the generator's Services with `specs`. */
function load(rules: KubeProxyRules, specs: readonly SvcSpec[], old: readonly SvcSpec[]): void {
  for (const { svc } of old) rules.deleteService(svc.namespace, svc.name);
  for (const { svc, eps } of specs) {
    rules.setService(svc);
    rules.setEndpoints(svc.namespace, svc.name, eps);
  }
}

describe('KubeProxyNode (properties)', () => {
  for (const mode of ['iptables', 'ipvs'] as const) {
    it(`${mode}: after each sync the node's tables are exactly flannel's base plus what the generator output`, () => {
      fc.assert(
        fc.property(cluster, cluster, (first, second) => {
          const lab = nodeLab(mode);
          const outputs = (): ReadonlyMap<TableName, ProxyTableRules> => {
            if (mode === 'iptables') {
              const o = lab.rules.iptables(lab.config);
              return new Map([
                ['nat', o.nat],
                ['filter', o.filter],
                ['mangle', o.mangle],
              ]);
            }
            const o = lab.rules.ipvs(lab.config);
            return new Map([
              ['nat', o.nat],
              ['filter', o.filter],
            ]);
          };
          load(lab.rules, first, []);
          lab.proxy.sync(lab.rules);
          expect(formatIptablesSave(lab.nf.tables())).toBe(expectedProxyTables(flannelTables(), outputs()));
          const tables = lab.nf.tables();
          lab.proxy.sync(lab.rules);
          expect(lab.nf.tables()).toBe(tables);
          load(lab.rules, second, first);
          lab.proxy.sync(lab.rules);
          expect(formatIptablesSave(lab.nf.tables())).toBe(expectedProxyTables(flannelTables(), outputs()));
          if (mode === 'ipvs') {
            // Every wanted TCP/UDP virtual server is there with exactly its real servers.
            const want = lab.rules
              .ipvs(lab.config)
              .virtualServers.map(
                (v) => `${v.protocol} ${v.vip}:${v.port} ${v.dests.map((d) => `${d.ip}:${d.port}`).sort()}`,
              )
              .sort();
            const have = (lab.proxy.ipvs?.services() ?? [])
              .map(
                (s) =>
                  `${s.protocolName} ${s.addr}:${s.port} ${s.dests.map((d) => `${d.addr}:${d.port}`).sort()}`,
              )
              .sort();
            expect(have).toEqual(want);
          }
        }),
        { numRuns: 60 },
      );
    });
  }
});
