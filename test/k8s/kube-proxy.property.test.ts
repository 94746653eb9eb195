import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type IptablesProxyRules,
  KubeProxyRules,
  type ProxyEndpoint,
  type ProxyService,
  type ProxyTableRules,
} from '../../src/k8s/index.js';
import type { TableName } from '../../src/netfilter/index.js';
// iptables-restore's parser (not yet re-exported by netfilter/index.ts).
import { parseIptablesRestore } from '../../src/netfilter/parse.js';
import { asTable, nodeConfig, saveTable } from './kube-proxy-fixtures.js';

const NODES = ['node1', 'node2', 'node3'];
const configs = NODES.map((n, i) => nodeConfig(n, [`192.168.56.${11 + i}`]));

interface SvcSpec {
  readonly svc: ProxyService;
  readonly eps: readonly ProxyEndpoint[];
}

const policy = fc.constantFrom<'Cluster' | 'Local'>('Cluster', 'Local');

/** A Service with 1–2 ports and up to 6 endpoints on random nodes in random conditions. */
const serviceSpec = (i: number, localPolicies: boolean): fc.Arbitrary<SvcSpec> =>
  fc
    .record({
      type: fc.constantFrom<'ClusterIP' | 'NodePort' | 'LoadBalancer'>(
        'ClusterIP',
        'NodePort',
        'LoadBalancer',
      ),
      ports: fc.uniqueArray(fc.record({ name: fc.constantFrom('', 'a', 'b'), udp: fc.boolean() }), {
        minLength: 1,
        maxLength: 2,
        selector: (p) => p.name,
      }),
      externalIP: fc.boolean(),
      affinity: fc.boolean(),
      etp: localPolicies ? policy : fc.constant<'Cluster'>('Cluster'),
      itp: localPolicies ? policy : fc.constant<'Cluster'>('Cluster'),
      eps: fc.array(
        fc.record({
          host: fc.integer({ min: 2, max: 40 }),
          node: fc.constantFrom(...NODES),
          ready: fc.boolean(),
          serving: fc.boolean(),
          terminating: fc.boolean(),
        }),
        { maxLength: 6 },
      ),
    })
    .map((r) => {
      const ports = r.ports.map((p, j) => ({
        name: p.name,
        protocol: p.udp ? ('UDP' as const) : ('TCP' as const),
        port: 80 + j,
        nodePort: 30000 + i * 4 + j,
      }));
      const svc: ProxyService = {
        namespace: 'ns',
        name: `s${i}`,
        type: r.type,
        clusterIP: 0x0a600000 + i + 1,
        ports,
        externalIPs: r.externalIP ? [0xc0a838c8 + i] : [],
        loadBalancerIPs: r.type === 'LoadBalancer' ? [0xac12ff00 + i] : [],
        sessionAffinity: r.affinity ? 'ClientIP' : 'None',
        affinityTimeoutSeconds: 10800,
        externalTrafficPolicy: r.etp,
        internalTrafficPolicy: r.itp,
      };
      const eps = r.eps.map((e) => ({
        ip: 0x0af40000 + ((NODES.indexOf(e.node) + 1) << 8) + e.host,
        nodeName: e.node,
        ready: e.ready,
        serving: e.serving || e.ready,
        terminating: e.terminating && !e.ready,
        ports: ports.map((p) => ({ name: p.name, port: 8000 + p.port, protocol: p.protocol })),
      }));
      return { svc, eps };
    });

const cluster = (localPolicies: boolean) =>
  fc
    .integer({ min: 1, max: 6 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => serviceSpec(i, localPolicies))));

function load(specs: readonly SvcSpec[]): KubeProxyRules {
  const k = new KubeProxyRules();
  for (const { svc, eps } of specs) {
    k.setService(svc);
    k.setEndpoints(svc.namespace, svc.name, eps);
  }
  return k;
}

const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK']);

function referencedChains(t: ProxyTableRules): string[] {
  const out: string[] = [];
  for (const r of [...t.chains.flatMap((c) => c.rules), ...t.jumps.map((j) => j.rule)]) {
    if (r.target?.kind === 'jump' || r.target?.kind === 'goto') out.push(r.target.chain);
  }
  return out;
}

const tables = (o: IptablesProxyRules) => [o.nat, o.filter, o.mangle];

describe('kube-proxy rules (properties)', () => {
  it('every chain a rule jumps to exists in the same table, and chain names are unique', () => {
    fc.assert(
      fc.property(cluster(true), (specs) => {
        const k = load(specs);
        for (const c of configs) {
          for (const t of tables(k.iptables(c))) {
            const names = t.chains.map((x) => x.name);
            expect(new Set(names).size).toBe(names.length);
            for (const ref of referencedChains(t)) {
              expect(BUILTIN_TARGETS.has(ref) || names.includes(ref), `missing chain ${ref}`).toBe(true);
            }
          }
          for (const t of [k.ipvs(c).nat, k.ipvs(c).filter]) {
            const names = t.chains.map((x) => x.name);
            expect(new Set(names).size).toBe(names.length);
            for (const ref of referencedChains(t)) expect(names).toContain(ref);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('iptables-restore accepts the printed rules and reads back the very same records', () => {
    fc.assert(
      fc.property(cluster(true), fc.constantFrom(...configs), (specs, cfg) => {
        const k = load(specs);
        const ipt = k.iptables(cfg);
        const ipvs = k.ipvs({ ...cfg, mode: 'ipvs' });
        const cases: [TableName, ProxyTableRules][] = [
          ['nat', ipt.nat],
          ['filter', ipt.filter],
          ['mangle', ipt.mangle],
          ['nat', ipvs.nat],
          ['filter', ipvs.filter],
        ];
        for (const [name, t] of cases) {
          const parsed = parseIptablesRestore(saveTable(name, t));
          if (!parsed.ok)
            throw new Error(`${name}: ${parsed.error.line}:${parsed.error.col} ${parsed.error.message}`);
          const back = parsed.tables.find((x) => x.name === name);
          expect(back?.chains).toEqual(asTable(name, t).chains);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('the statistic rules of each KUBE-SVC/SVL chain give every endpoint 1/n of new connections', () => {
    fc.assert(
      fc.property(cluster(true), (specs) => {
        const k = load(specs);
        for (const c of configs) {
          for (const ch of k.iptables(c).nat.chains) {
            if (!/^KUBE-SV[CL]-/.test(ch.name)) continue;
            const dispatch = ch.rules.filter(
              (r) =>
                r.target?.kind === 'jump' && r.target.chain.startsWith('KUBE-SEP-') && !hasRecent(r.matches),
            );
            const n = dispatch.length;
            expect(n).toBeGreaterThan(0);
            let remaining = 1;
            dispatch.forEach((r, i) => {
              const stat = r.matches.find((m) => m.kind === 'statistic');
              const p = stat?.kind === 'statistic' ? stat.stored / 0x80000000 : 1;
              expect(stat === undefined).toBe(i === n - 1);
              expect(Math.abs(remaining * p - 1 / n)).toBeLessThan(1e-9);
              remaining *= 1 - p;
            });
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('statistic probabilities stay within 1e-9 of 1/n for large endpoint counts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2500 }), (n) => {
        const k = new KubeProxyRules();
        const ports = [{ name: '', protocol: 'TCP' as const, port: 80 }];
        k.setService({
          namespace: 'ns',
          name: 'big',
          type: 'ClusterIP',
          clusterIP: 0x0a600001,
          ports,
          externalIPs: [],
          loadBalancerIPs: [],
          sessionAffinity: 'None',
          affinityTimeoutSeconds: 10800,
          externalTrafficPolicy: 'Cluster',
          internalTrafficPolicy: 'Cluster',
        });
        k.setEndpoints(
          'ns',
          'big',
          Array.from({ length: n }, (_, i) => ({
            ip: 0x0af40000 + i,
            nodeName: 'node1',
            ready: true,
            serving: true,
            terminating: false,
            ports: [{ name: '', port: 8080, protocol: 'TCP' as const }],
          })),
        );
        const svc = k.iptables(configs[0]!).nat.chains.find((c) => c.name.startsWith('KUBE-SVC-'));
        let remaining = 1;
        for (const r of svc?.rules.slice(1) ?? []) {
          const stat = r.matches.find((m) => m.kind === 'statistic');
          const p = stat?.kind === 'statistic' ? stat.stored / 0x80000000 : 1;
          expect(Math.abs(remaining * p - 1 / n)).toBeLessThan(1e-9);
          remaining *= 1 - p;
        }
      }),
      { numRuns: 20 },
    );
  });

  it('nodes share every chain object when no Service uses a Local policy', () => {
    fc.assert(
      fc.property(cluster(false), (specs) => {
        const k = load(specs);
        const [a, b, c] = configs.map((cfg) => k.iptables(cfg));
        expect(b).toBe(a);
        expect(c).toBe(a);
        expect(b?.nat.chains).toBe(a?.nat.chains);
      }),
      { numRuns: 60 },
    );
  });

  it('KUBE-SVC and KUBE-SEP chains of the same name are one shared object on all nodes', () => {
    fc.assert(
      fc.property(cluster(true), (specs) => {
        const k = load(specs);
        const seen = new Map<string, unknown>();
        for (const cfg of configs) {
          for (const ch of k.iptables(cfg).nat.chains) {
            if (!/^KUBE-(SVC|SEP)-/.test(ch.name)) continue;
            const prev = seen.get(ch.name);
            if (prev === undefined) seen.set(ch.name, ch);
            else expect(ch).toBe(prev);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

function hasRecent(ms: readonly { readonly kind: string }[]): boolean {
  return ms.some((m) => m.kind === 'recent');
}
