import { describe, expect, it } from 'vitest';
import { KubeProxyRules, type ProxyEndpoint, type ProxyService } from '../../src/k8s/index.js';
import { nodeConfig } from './kube-proxy-fixtures.js';

const SERVICES = 10_000;
const NODES = 100;

/** 10,000 ClusterIP Services × 3 ready endpoints spread over 100 nodes; every 10th one optionally ETP Local. */
function bigCluster(localEvery: number): KubeProxyRules {
  const k = new KubeProxyRules();
  for (let i = 0; i < SERVICES; i++) {
    const local = localEvery > 0 && i % localEvery === 0;
    const svc: ProxyService = {
      namespace: `ns${i % 50}`,
      name: `svc${i}`,
      type: local ? 'NodePort' : 'ClusterIP',
      clusterIP: 0x0a600000 + i + 1,
      ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30000 + (i % 2000) }],
      externalIPs: [],
      loadBalancerIPs: [],
      sessionAffinity: 'None',
      affinityTimeoutSeconds: 10800,
      externalTrafficPolicy: local ? 'Local' : 'Cluster',
      internalTrafficPolicy: 'Cluster',
    };
    const eps: ProxyEndpoint[] = [0, 1, 2].map((j) => {
      const n = (i * 3 + j) % NODES;
      return {
        ip: 0x0af40000 + n * 256 * 256 + ((i * 3 + j) % 65000) + 2,
        nodeName: `node${n}`,
        ready: true,
        serving: true,
        terminating: false,
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      };
    });
    k.setService(svc);
    k.setEndpoints(svc.namespace, svc.name, eps);
  }
  return k;
}

const configs = Array.from({ length: NODES }, (_, n) =>
  nodeConfig(`node${n}`, [`192.168.${n >> 8}.${n & 255}`]),
);

function ms(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

describe('kube-proxy at 10,000 Services × 3 endpoints (timings are logged, not asserted)', () => {
  it('shares one rule set between 100 nodes when no Service uses a Local policy', () => {
    let k = bigCluster(0);
    const first = configs[0]!;
    const one = ms(() => k.iptables(first));
    const out0 = k.iptables(first);
    k = bigCluster(0);
    const all = ms(() => {
      for (const c of configs) k.iptables(c);
    });
    expect(k.iptables(configs[57]!)).toBe(k.iptables(configs[3]!));
    const natRules = out0.nat.chains.reduce((s, c) => s + c.rules.length, 0);
    console.log(
      `kube-proxy iptables, ${SERVICES} svc × 3 ep: 1 node ${one.toFixed(0)} ms; 100 nodes ${all.toFixed(0)} ms; ` +
        `${out0.nat.chains.length} nat chains, ${natRules} nat rules (shared by all nodes)`,
    );
    expect(out0.nat.chains).toHaveLength(4 + SERVICES + 3 * SERVICES + 1);
  });

  it('rebuilds only the Local-policy ports per node when 10% of Services use externalTrafficPolicy Local', () => {
    const k = bigCluster(10);
    const all = ms(() => {
      for (const c of configs) k.iptables(c);
    });
    const a = k.iptables(configs[1]!);
    const b = k.iptables(configs[2]!);
    const shared = a.nat.chains.filter((c) => b.nat.chains.includes(c)).length;
    console.log(
      `kube-proxy iptables, ${SERVICES} svc (10% ETP Local) × 3 ep, 100 nodes: ${all.toFixed(0)} ms; ` +
        `node1/node2 share ${shared} of ${a.nat.chains.length} nat chains`,
    );
    expect(shared).toBeGreaterThan(a.nat.chains.length * 0.9);
  });

  it('builds IPVS state for one node and for 100 nodes', () => {
    const k = bigCluster(0);
    const ipvsConfigs = configs.map((c) => ({ ...c, mode: 'ipvs' as const }));
    let vs = 0;
    const one = ms(() => {
      vs = k.ipvs(ipvsConfigs[0]!).virtualServers.length;
    });
    const all = ms(() => {
      for (const c of ipvsConfigs) k.ipvs(c);
    });
    console.log(
      `kube-proxy ipvs, ${SERVICES} svc × 3 ep: 1 node ${one.toFixed(0)} ms, 100 more nodes ${all.toFixed(0)} ms, ${vs} virtual servers`,
    );
    expect(vs).toBe(SERVICES);
    // Node-independent virtual servers and rule tables are shared.
    const a = k.ipvs(ipvsConfigs[1]!);
    const b = k.ipvs(ipvsConfigs[2]!);
    expect(a.virtualServers[0]).toBe(b.virtualServers[0]);
    expect(a.nat).toBe(b.nat);
  });
});
