import { describe, expect, it } from 'vitest';
import { CLUSTER, issueLines, yaml } from './helpers.js';

// Every test writes the whole file inline; line and column numbers in the expectations are counted
// from that text (1-based columns, the offending value, or the key for unknown fields).

describe('the Cluster document: shape and formats', () => {
  it('names an unknown segment with the known ones', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - name: rack1',
      '      cidr: 192.168.56.0/24',
      '  nodes:',
      '    - name: node1',
      '      subnet: rack9',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:9:15: spec.nodes[0].subnet: unknown segment "rack9" (known: rack1)',
    ]);
  });

  it('refuses a CIDR with host bits and says which network was meant', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - name: rack1',
      '      cidr: 192.168.56.5/24',
      '  nodes:',
      '    - name: node1',
      '      subnet: rack1',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:6:13: spec.underlay[0].cidr: "192.168.56.5/24" has host bits set: expected a network address, 192.168.56.0/24',
    ]);
  });

  it('refuses malformed CIDRs and addresses', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  network:',
      '    clusterCIDR: 10.244.0.0/33',
      '    serviceCIDR: 10.96.0.0',
      '  underlay:',
      '    - name: rack1',
      '      cidr: 300.1.1.0/24',
      '      gateway: 192.168.56',
      '  nodes:',
      '    - name: node1',
      '      subnet: rack1',
      '      ip: 192.168.056.1',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:5:18: spec.network.clusterCIDR: "10.244.0.0/33" is not an IPv4 CIDR such as 192.168.56.0/24',
      'x.yaml:6:18: spec.network.serviceCIDR: "10.96.0.0" is not an IPv4 CIDR such as 192.168.56.0/24',
      'x.yaml:9:13: spec.underlay[0].cidr: "300.1.1.0/24" is not an IPv4 CIDR such as 192.168.56.0/24',
      'x.yaml:10:16: spec.underlay[0].gateway: "192.168.56" is not an IPv4 address such as 192.168.56.11',
      'x.yaml:14:11: spec.nodes[0].ip: "192.168.056.1" is not an IPv4 address such as 192.168.56.11',
    ]);
  });

  it('points an unknown field at its key and lists the known fields', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - name: rack1',
      '      cidr: 192.168.56.0/24',
      '      lables: {a: b}',
      '  nodes:',
      '    - {name: node1, subnet: rack1, lables: {}}',
      '  extra: 1',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:7:7: spec.underlay[0].lables: unknown field "lables" (known: name, cidr, mtu, latency, bandwidth, gateway)',
      'x.yaml:9:36: spec.nodes[0].lables: unknown field "lables" (known: name, subnet, ip, role, labels, taints, capacity, sysctls)',
      'x.yaml:10:3: spec.extra: unknown field "extra" (known: seed, dns, controlPlane, network, underlay, routers, nodes, hosts)',
    ]);
  });

  it('puts a missing field at its parent object', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - name: rack1',
      '      mtu: 9000',
      '  nodes: []',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:5:7: spec.underlay[0].cidr: missing required field (expected a string)',
      'x.yaml:7:10: spec.nodes: needs at least 1 entry',
    ]);
  });

  it('reports wrong types, enum values and ranges with the received value', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  seed: -1',
      '  network:',
      '    backend: geneve',
      '    nodeCIDRMaskSize: 24.5',
      '  underlay:',
      '    - name: rack1',
      '      cidr: 192.168.56.0/24',
      '      mtu: 67',
      '  nodes:',
      '    - name: node1',
      '      subnet: [rack1]',
      '      role: master',
      '      taints: [{key: a, effect: NoWhere}, {effect: NoSchedule}]',
      '      labels: {app: [web]}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:4:9: spec.seed: -1 is too small (minimum 0)',
      'x.yaml:6:14: spec.network.backend: string "geneve" is not allowed (expected "vxlan", "host-gw", "vxlan-directrouting" or "udp")',
      'x.yaml:7:23: spec.network.nodeCIDRMaskSize: expected an integer, got number 24.5',
      'x.yaml:11:12: spec.underlay[0].mtu: 67 is out of range (68..65535)',
      'x.yaml:14:15: spec.nodes[0].subnet: expected a string, got a list',
      'x.yaml:15:13: spec.nodes[0].role: string "master" is not allowed (expected "control-plane" or "worker")',
      'x.yaml:16:33: spec.nodes[0].taints[0].effect: string "NoWhere" is not allowed (expected "NoSchedule", "PreferNoSchedule" or "NoExecute")',
      'x.yaml:16:43: spec.nodes[0].taints[1].key: missing required field (expected a string)',
      'x.yaml:17:21: spec.nodes[0].labels.app: expected a string, a number or true/false, got a list',
    ]);
  });

  it('refuses malformed durations, bandwidths, names and quantities', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - name: Rack_1',
      '      cidr: 192.168.56.0/24',
      '      latency: 5 sec',
      '      bandwidth: 10Gbs',
      '  nodes:',
      '    - name: node1',
      '      subnet: Rack_1',
      '      capacity: {cpu: four, memory: 8GB}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:5:13: spec.underlay[0].name: "Rack_1" is not a DNS label: lowercase letters, digits and "-", at most 63 characters',
      'x.yaml:7:16: spec.underlay[0].latency: "5 sec" is not a duration such as 50us, 250ms, 1s or 1.5s',
      'x.yaml:8:18: spec.underlay[0].bandwidth: "10Gbs" is not a bandwidth such as 100Mbps, 1Gbps or 10Gbps',
      'x.yaml:12:23: spec.nodes[0].capacity.cpu: "four" is not a Kubernetes quantity such as 4, 500m or 8Gi',
      'x.yaml:12:37: spec.nodes[0].capacity.memory: "8GB" is not a Kubernetes quantity such as 4, 500m or 8Gi',
    ]);
  });

  it('quotes map keys that are not identifiers in the path', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay: [{name: rack1, cidr: 192.168.56.0/24}]',
      '  nodes:',
      '    - name: node1',
      '      subnet: rack1',
      '      sysctls:',
      '        net.ipv4.ip_forward: [1]',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:9:30: spec.nodes[0].sysctls["net.ipv4.ip_forward"]: expected a string, a number or true/false, got a list',
    ]);
  });
});

describe('the Cluster document: cross-field checks', () => {
  it('reports duplicate names across nodes, segments and routers', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - {name: rack1, cidr: 192.168.56.0/24}',
      '    - {name: rack1, cidr: 192.168.57.0/24}',
      '  routers:',
      '    - {name: core, segments: [rack1]}',
      '    - {name: core, segments: []}',
      '  nodes:',
      '    - {name: node1, subnet: rack1}',
      '    - {name: node1, subnet: rack1}',
      '    - {name: core, subnet: rack1}',
    );
    expect(issueLines(text)).toEqual(['x.yaml:9:30: spec.routers[1].segments: needs at least 1 entry']);
    const fixed = text.replace('segments: []', 'segments: [rack1]');
    expect(issueLines(fixed)).toEqual([
      'x.yaml:6:14: spec.underlay[1].name: segment name "rack1" is already used by the segment at spec.underlay[0].name',
      'x.yaml:9:14: spec.routers[1].name: router name "core" is already used by the router at spec.routers[0].name',
      'x.yaml:9:31: spec.routers[1].segments[0]: segment "rack1" is already joined by router "core" at its gateway 192.168.56.1',
      'x.yaml:12:14: spec.nodes[1].name: node name "node1" is already used by the node at spec.nodes[0].name',
      'x.yaml:13:14: spec.nodes[2].name: node name "core" is already used by the router at spec.routers[0].name',
    ]);
  });

  it('refuses a node named like the implicit router', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - {name: rack1, cidr: 192.168.56.0/24}',
      '    - {name: rack2, cidr: 192.168.57.0/24}',
      '  nodes:',
      '    - {name: router, subnet: rack1}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:8:14: spec.nodes[0].name: node name "router" is taken by the implicit router that joins all segments',
    ]);
  });

  it('refuses a segment named like the implicit router', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - {name: router, cidr: 192.168.56.0/24}',
      '    - {name: rack2, cidr: 192.168.57.0/24}',
      '  nodes:',
      '    - {name: node1, subnet: rack2}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:5:14: spec.underlay[0].name: segment name "router" is taken by the implicit router that joins all segments',
    ]);
  });

  it('reports overlapping segments and segments overlapping the cluster or service CIDR', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - {name: rack1, cidr: 192.168.56.0/24}',
      '    - {name: rack2, cidr: 192.168.56.128/25}',
      '    - {name: rack3, cidr: 10.244.3.0/24}',
      '    - {name: rack4, cidr: 10.100.0.0/24}',
      '    - {name: rack5, cidr: 192.168.0.0/16}',
      '  nodes:',
      '    - {name: node1, subnet: rack1}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:6:27: spec.underlay[1].cidr: 192.168.56.128/25 overlaps segment "rack1" (192.168.56.0/24)',
      'x.yaml:7:27: spec.underlay[2].cidr: 10.244.3.0/24 overlaps the clusterCIDR 10.244.0.0/16',
      'x.yaml:8:27: spec.underlay[3].cidr: 10.100.0.0/24 overlaps the serviceCIDR 10.96.0.0/12',
      'x.yaml:9:27: spec.underlay[4].cidr: 192.168.0.0/16 overlaps segment "rack1" (192.168.56.0/24)',
      'x.yaml:9:27: spec.underlay[4].cidr: 192.168.0.0/16 overlaps segment "rack2" (192.168.56.128/25)',
    ]);
  });

  it('reports node addresses outside the segment, reserved, or taken', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - {name: rack1, cidr: 192.168.56.0/24}',
      '  nodes:',
      '    - {name: n1, subnet: rack1, ip: 192.168.57.20}',
      '    - {name: n2, subnet: rack1, ip: 192.168.56.0}',
      '    - {name: n3, subnet: rack1, ip: 192.168.56.255}',
      '    - {name: n4, subnet: rack1, ip: 192.168.56.1}',
      '    - {name: n5, subnet: rack1, ip: 192.168.56.20}',
      '    - {name: n6, subnet: rack1, ip: 192.168.56.20}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:7:37: spec.nodes[0].ip: 192.168.57.20 is outside segment "rack1" (192.168.56.0/24)',
      'x.yaml:8:37: spec.nodes[1].ip: 192.168.56.0 is the network address of segment "rack1"',
      'x.yaml:9:37: spec.nodes[2].ip: 192.168.56.255 is the broadcast address of segment "rack1"',
      'x.yaml:10:37: spec.nodes[3].ip: 192.168.56.1 is the gateway address of segment "rack1"',
      'x.yaml:12:37: spec.nodes[5].ip: 192.168.56.20 is already used at spec.nodes[4].ip',
    ]);
  });

  it('reports a gateway outside its segment and a segment too small to use', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - {name: rack1, cidr: 192.168.56.0/24, gateway: 192.168.57.1}',
      '    - {name: rack2, cidr: 192.168.58.0/24, gateway: 192.168.58.255}',
      '    - {name: p2p, cidr: 192.168.59.0/31}',
      '  nodes:',
      '    - {name: node1, subnet: rack1}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:5:53: spec.underlay[0].gateway: 192.168.57.1 is outside segment "rack1" (192.168.56.0/24)',
      'x.yaml:6:53: spec.underlay[1].gateway: 192.168.58.255 is the broadcast address of segment "rack2"',
      'x.yaml:7:25: spec.underlay[2].cidr: 192.168.59.0/31 is too small for a segment (needs a prefix of /30 or shorter)',
    ]);
  });

  it('reports a segment that runs out of addresses, at each node that does not fit', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - {name: small, cidr: 192.168.56.0/28}',
      '  nodes:',
      '    - {name: n1, subnet: small}',
      '    - {name: n2, subnet: small}',
      '    - {name: n3, subnet: small}',
      '    - {name: n4, subnet: small, ip: 192.168.56.2}',
      '    - {name: n5, subnet: small}',
      '    - {name: n6, subnet: small}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:12:26: spec.nodes[5].subnet: segment "small" (192.168.56.0/28) has no free address left for node "n6"',
    ]);
  });

  it('checks nodeCIDRMaskSize against the cluster CIDR and the number of nodes', () => {
    const head = [...CLUSTER, 'spec:', '  network:'];
    const rest = [
      '  underlay:',
      '    - {name: rack1, cidr: 192.168.56.0/24}',
      '  nodes:',
      '    - {name: n1, subnet: rack1}',
      '    - {name: n2, subnet: rack1}',
      '    - {name: n3, subnet: rack1}',
    ];
    expect(issueLines(yaml(...head, '    nodeCIDRMaskSize: 16', ...rest))).toEqual([
      'x.yaml:5:23: spec.network.nodeCIDRMaskSize: nodeCIDRMaskSize 16 must be longer than the clusterCIDR prefix (10.244.0.0/16)',
    ]);
    expect(issueLines(yaml(...head, '    clusterCIDR: 10.244.0.0/23', ...rest))).toEqual([
      'x.yaml:5:18: spec.network.clusterCIDR: clusterCIDR 10.244.0.0/23 has room for 2 node subnets of /24, but there are 3 nodes',
    ]);
  });

  it('reports a serviceCIDR overlapping the clusterCIDR', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  network: {serviceCIDR: 10.0.0.0/8}',
      '  underlay: [{name: rack1, cidr: 192.168.56.0/24}]',
      '  nodes: [{name: n1, subnet: rack1}]',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:4:26: spec.network.serviceCIDR: 10.0.0.0/8 overlaps the clusterCIDR 10.244.0.0/16',
    ]);
  });

  it('reports a router listing an unknown segment or one segment twice', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - {name: rack1, cidr: 192.168.56.0/24}',
      '    - {name: rack2, cidr: 192.168.57.0/24}',
      '  routers:',
      '    - name: core',
      '      segments: [rack1, rack9, rack1]',
      '  nodes:',
      '    - {name: n1, subnet: rack1}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:9:25: spec.routers[0].segments[1]: unknown segment "rack9" (known: rack1, rack2)',
      'x.yaml:9:32: spec.routers[0].segments[2]: "rack1" is listed twice (first at spec.routers[0].segments[0])',
    ]);
  });
});
