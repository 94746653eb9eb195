import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIp4, loadTopologyFile, renderIssue } from '../../src/topology/index.js';
import { CLUSTER, loadOk, SMALL_CLUSTER, yaml } from './helpers.js';

const ip = (text: string): number => {
  const parts = text.split('.').map(Number);
  return (((parts[0] ?? 0) * 256 + (parts[1] ?? 0)) * 256 + (parts[2] ?? 0)) * 256 + (parts[3] ?? 0);
};

describe('loadTopologyText() on valid files', () => {
  it('applies every default to a minimal cluster', () => {
    const t = loadOk(
      yaml(
        ...CLUSTER,
        'spec:',
        '  underlay:',
        '    - {name: rack1, cidr: 192.168.56.0/24}',
        '  nodes:',
        '    - {name: node1, subnet: rack1}',
      ),
    );
    expect(t.name).toBeNull();
    expect(t.seed).toBe(1);
    expect(t.network).toEqual({
      clusterCIDR: { network: ip('10.244.0.0'), prefixLen: 16 },
      nodeCIDRMaskSize: 24,
      serviceCIDR: { network: ip('10.96.0.0'), prefixLen: 12 },
      backend: 'vxlan',
      ipMasq: true,
      flanneld: true,
      kubeProxyMode: 'iptables',
      ipvsScheduler: 'rr',
      dns: 'none',
    });
    expect(t.timings).toEqual({});
    expect(t.objects).toEqual([]);
    expect(t.segments).toEqual([
      {
        name: 'rack1',
        network: ip('192.168.56.0'),
        prefixLen: 24,
        mtu: 1500,
        latencyNs: 50_000,
        bandwidthBps: 10_000_000_000,
        gateway: ip('192.168.56.1'),
      },
    ]);
    expect(t.routers).toEqual([]);
    expect(t.nodes).toEqual([
      {
        name: 'node1',
        segment: 'rack1',
        ip: ip('192.168.56.11'),
        role: 'worker',
        labels: new Map(),
        taints: [],
        capacity: { cpu: '2', memory: '4Gi' },
        sysctls: new Map(),
        podCIDR: { network: ip('10.244.0.0'), prefixLen: 24 },
      },
    ]);
    expect(t.hosts).toEqual([]);
    expect(t.pods).toEqual([]);
    expect(t.services).toEqual([]);
    expect(t.scenario).toEqual({ capture: { kind: 'all' }, steps: [], expectations: [] });
  });

  it('keeps the values of the DESIGN.md example cluster', () => {
    const t = loadOk(
      yaml(
        ...CLUSTER,
        'metadata: {name: flannel-vxlan}',
        'spec:',
        '  seed: 7',
        '  network:',
        '    clusterCIDR: 10.200.0.0/16',
        '    nodeCIDRMaskSize: 25',
        '    serviceCIDR: 10.100.0.0/16',
        '    backend: host-gw',
        '    kubeProxyMode: ipvs',
        '    ipvsScheduler: wlc',
        '  underlay:',
        '    - {name: rack1, cidr: 192.168.56.0/24, mtu: 9000, latency: 1.5ms, bandwidth: 100Mbps}',
        '  nodes:',
        '    - {name: master, subnet: rack1, role: control-plane,',
        '       taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]}',
        '    - {name: node1, subnet: rack1, labels: {disktype: ssd, app: web}, capacity: {cpu: "4", memory: 8Gi},',
        '       sysctls: {net.ipv4.ip_forward: "1", net.bridge.bridge-nf-call-iptables: 0}}',
      ),
    );
    expect(t.name).toBe('flannel-vxlan');
    expect(t.seed).toBe(7);
    expect(t.network.backend).toBe('host-gw');
    expect(t.network.kubeProxyMode).toBe('ipvs');
    expect(t.network.ipvsScheduler).toBe('wlc');
    expect(t.network.nodeCIDRMaskSize).toBe(25);
    expect(t.segments[0]).toMatchObject({ mtu: 9000, latencyNs: 1_500_000, bandwidthBps: 100_000_000 });
    const [master, node1] = t.nodes;
    expect(master).toMatchObject({ role: 'control-plane', ip: ip('192.168.56.11') });
    expect(master?.taints).toEqual([
      { key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' },
    ]);
    expect(node1?.ip).toBe(ip('192.168.56.12'));
    expect([...(node1?.labels ?? [])]).toEqual([
      ['app', 'web'],
      ['disktype', 'ssd'],
    ]);
    expect(node1?.capacity).toEqual({ cpu: '4', memory: '8Gi' });
    expect([...(node1?.sysctls ?? [])]).toEqual([
      ['net.bridge.bridge-nf-call-iptables', '0'],
      ['net.ipv4.ip_forward', '1'],
    ]);
  });

  it('allocates node addresses from .11 in declared order, skipping the gateway and given addresses', () => {
    const t = loadOk(
      yaml(
        ...CLUSTER,
        'spec:',
        '  underlay:',
        '    - {name: rack1, cidr: 192.168.56.0/24, gateway: 192.168.56.12}',
        '  nodes:',
        '    - {name: a, subnet: rack1}',
        '    - {name: b, subnet: rack1}',
        '    - {name: c, subnet: rack1, ip: 192.168.56.11}',
        '    - {name: d, subnet: rack1}',
        '    - {name: e, subnet: rack1, ip: 192.168.56.14}',
        '    - {name: f, subnet: rack1}',
      ),
    );
    expect(t.segments[0]?.gateway).toBe(ip('192.168.56.12'));
    expect(t.nodes.map((n) => `${n.name}=${formatIp4(n.ip)}`)).toEqual([
      'a=192.168.56.13',
      'b=192.168.56.15',
      'c=192.168.56.11',
      'd=192.168.56.16',
      'e=192.168.56.14',
      'f=192.168.56.17',
    ]);
  });

  it('allocates from the first host on a segment too small for .11', () => {
    const t = loadOk(
      yaml(
        ...CLUSTER,
        'spec:',
        '  underlay:',
        '    - {name: tiny, cidr: 192.168.9.0/29}',
        '  nodes:',
        '    - {name: a, subnet: tiny}',
      ),
    );
    expect(formatIp4(t.nodes[0]?.ip ?? 0)).toBe('192.168.9.2');
  });

  it('joins several segments with one implicit router at their gateways', () => {
    const t = loadOk(yaml(...SMALL_CLUSTER));
    expect(t.routers).toEqual([
      {
        name: 'router',
        implicit: true,
        interfaces: [
          { segment: 'rack1', ip: ip('192.168.56.1') },
          { segment: 'rack2', ip: ip('192.168.57.1') },
        ],
      },
    ]);
  });

  it('keeps explicit routers, and an empty list means no router', () => {
    const base = SMALL_CLUSTER.slice(0, 6);
    const nodes = SMALL_CLUSTER.slice(6);
    const t = loadOk(yaml(...base, '  routers:', '    - {name: core, segments: [rack2, rack1]}', ...nodes));
    expect(t.routers).toEqual([
      {
        name: 'core',
        implicit: false,
        interfaces: [
          { segment: 'rack2', ip: ip('192.168.57.1') },
          { segment: 'rack1', ip: ip('192.168.56.1') },
        ],
      },
    ]);
    expect(loadOk(yaml(...base, '  routers: []', ...nodes)).routers).toEqual([]);
  });

  it('converts the scenario: times in ns, step defaults, parsed references', () => {
    const t = loadOk(
      yaml(
        ...SMALL_CLUSTER,
        '---',
        'apiVersion: podwire/v1',
        'kind: Scenario',
        'spec:',
        '  capture: [node1/eth0, rack1/node1, router/eth1]',
        '  steps:',
        '    - {at: 1s, ping: {from: node/node1, to: node/node2}}',
        '    - {at: 1500ms, ping: {from: 192.168.56.11, to: 10.0.0.9, count: 5, interval: 200ms, size: 1472, ttl: 1, df: false}}',
        '    - {at: 2s, traceroute: {from: node/node1, to: router/router}}',
        '    - {at: 3s, traceroute: {from: router/router, to: 192.168.57.11, queries: 1, maxHops: 5, proto: icmp, wait: 1s}}',
        '    - {at: 4s, linkDown: {node: node2}}',
        '    - {at: 5s, linkUp: {node: node2}}',
        '  expect:',
        '    - {reachable: {from: node/node1, to: node/node2}}',
        '    - {unreachable: {from: node/node2, to: 10.244.9.9}}',
      ),
    );
    const node1 = { kind: 'node', name: 'node1', text: 'node/node1' };
    const node2 = { kind: 'node', name: 'node2', text: 'node/node2' };
    const router = { kind: 'router', name: 'router', text: 'router/router' };
    expect(t.scenario.capture).toEqual({
      kind: 'points',
      points: ['node1/eth0', 'rack1/node1', 'router/eth1'],
    });
    expect(t.scenario.steps).toEqual([
      {
        action: 'ping',
        atNs: 1e9,
        from: node1,
        to: node2,
        count: 3,
        intervalNs: 1e9,
        size: 56,
        ttl: 64,
        waitNs: 10e9,
      },
      {
        action: 'ping',
        atNs: 1.5e9,
        from: { kind: 'ip', ip: ip('192.168.56.11'), text: '192.168.56.11' },
        to: { kind: 'ip', ip: ip('10.0.0.9'), text: '10.0.0.9' },
        count: 5,
        intervalNs: 2e8,
        size: 1472,
        ttl: 1,
        df: false,
        waitNs: 10e9,
      },
      {
        action: 'traceroute',
        atNs: 2e9,
        from: node1,
        to: router,
        queries: 3,
        maxHops: 30,
        proto: 'udp',
        waitNs: 5e9,
      },
      {
        action: 'traceroute',
        atNs: 3e9,
        from: router,
        to: { kind: 'ip', ip: ip('192.168.57.11'), text: '192.168.57.11' },
        queries: 1,
        maxHops: 5,
        proto: 'icmp',
        waitNs: 1e9,
      },
      { action: 'linkDown', atNs: 4e9, node: 'node2' },
      { action: 'linkUp', atNs: 5e9, node: 'node2' },
    ]);
    expect(t.scenario.expectations).toEqual([
      { kind: 'reachable', from: node1, to: node2 },
      { kind: 'unreachable', from: node2, to: { kind: 'ip', ip: ip('10.244.9.9'), text: '10.244.9.9' } },
    ]);
  });

  it('accepts capture: none and a Scenario without spec, and ignores empty documents', () => {
    const none = loadOk(
      yaml(
        ...SMALL_CLUSTER,
        '---',
        'apiVersion: podwire/v1',
        'kind: Scenario',
        'spec: {capture: none}',
        '---',
      ),
    );
    expect(none.scenario.capture).toEqual({ kind: 'none' });
    const bare = loadOk(yaml('---', ...SMALL_CLUSTER, '---', 'apiVersion: podwire/v1', 'kind: Scenario'));
    expect(bare.scenario).toEqual({ capture: { kind: 'all' }, steps: [], expectations: [] });
  });
});

describe('loadTopologyFile()', () => {
  it('loads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwire-topology-'));
    const file = join(dir, 'two-racks.yaml');
    writeFileSync(file, yaml(...SMALL_CLUSTER));
    const result = loadTopologyFile(file);
    expect(result.ok && result.topology.nodes.map((n) => n.name)).toEqual(['node1', 'node2']);
  });

  it('reports an unreadable file as an issue instead of throwing', () => {
    const file = join(tmpdir(), 'podwire-no-such-dir', 'missing.yaml');
    const result = loadTopologyFile(file);
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.issues.map((i) => renderIssue(i, file));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}:1:1: cannot read the file: ENOENT`));
  });
});
