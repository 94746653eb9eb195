import { describe, expect, it } from 'vitest';
import { loadTopologyText } from '../../src/topology/index.js';
import { CLUSTER, issueLines, SMALL_CLUSTER, yaml } from './helpers.js';

// SMALL_CLUSTER is lines 1–9; a Scenario after it starts with `---` on line 10 and `spec:` on line 13.
const SCENARIO = ['---', 'apiVersion: podwire/v1', 'kind: Scenario', 'spec:'];

describe('documents of a topology file', () => {
  it('reports YAML syntax errors with their position and stops there', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay: [{name: rack1, cidr: 192.168.56.0/24}',
      '  nodes: []',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:5:3: (document 1): YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(issueLines(yaml('a: 1', 'a: 2'))).toEqual([
      'x.yaml:2:1: (document 1): YAML syntax error: Map keys must be unique',
    ]);
  });

  it('reports an alias to an unknown anchor', () => {
    expect(issueLines(yaml(...SMALL_CLUSTER, ...SCENARIO, '  steps: *missing'))).toEqual([
      'x.yaml:14:10: (document 2): YAML syntax error: Unresolved alias (the anchor must be set before the alias): missing',
    ]);
  });

  it('requires exactly one Cluster document and at most one Scenario', () => {
    expect(issueLines('')).toEqual([
      'x.yaml:1:1: no Cluster document (expected one with apiVersion: podwire/v1 and kind: Cluster)',
    ]);
    const twice = yaml(...SMALL_CLUSTER, '---', ...SMALL_CLUSTER, ...SCENARIO, '  steps: []', ...SCENARIO);
    expect(issueLines(twice)).toEqual([
      'x.yaml:12:7: kind: a second Cluster document (the first is at line 2); only one is allowed',
      'x.yaml:27:7: kind: a second Scenario document (the first is at line 22); only one is allowed',
    ]);
  });

  it('validates the workload and endpoints kinds with their schemas, and reports unknown kinds', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web}',
      '---',
      'apiVersion: v1',
      'kind: Endpoints',
      '---',
      'apiVersion: example.com/v1',
      'kind: Widget',
    );
    // A missing field is placed at its parent: here the document's first key.
    expect(issueLines(text)).toEqual([
      'x.yaml:11:1: spec: missing required field (expected a mapping)',
      'x.yaml:15:1: metadata: missing required field (expected a mapping)',
      'x.yaml:19:7: kind: kind Widget is not supported (known: Cluster, Scenario, Pod, Service, Deployment, ReplicaSet, DaemonSet, StatefulSet, Endpoints, EndpointSlice)',
    ]);
  });

  it('reports documents without a kind, with a wrong apiVersion, or that are not mappings', () => {
    const text = yaml(
      'apiVersion: podwire/v2',
      'kind: Cluster',
      'spec: {underlay: [{name: rack1, cidr: 192.168.56.0/24}], nodes: [{name: n1, subnet: rack1}]}',
      '---',
      'metadata: {name: x}',
      '---',
      '- just',
      '- a list',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:1:13: apiVersion: string "podwire/v2" is not allowed (expected "podwire/v1")',
      'x.yaml:5:1: kind: missing required field (expected a string)',
      'x.yaml:7:1: (document 3): expected a mapping, got a list',
    ]);
  });

  it('gives every issue of a file, in file order, one line each', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay:',
      '    - {name: rack1, cidr: 192.168.56.0/24, latency: 50 usec}',
      '  nodes:',
      '    - {name: node1, subnet: rack1, rol: worker}',
      '    - {name: node2, subnet: rack1, ip: 192.168.56.300}',
      '---',
      'apiVersion: podwire/v1',
      'kind: Scenario',
      'spec:',
      '  steps:',
      '    - {at: soon, ping: {from: node/node1, to: node/node2}}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:5:53: spec.underlay[0].latency: "50 usec" is not a duration such as 50us, 250ms, 1s or 1.5s',
      'x.yaml:7:36: spec.nodes[0].rol: unknown field "rol" (known: name, subnet, ip, role, labels, taints, capacity, sysctls)',
      'x.yaml:8:40: spec.nodes[1].ip: "192.168.56.300" is not an IPv4 address such as 192.168.56.11',
      'x.yaml:14:12: spec.steps[0].at: "soon" is not a duration such as 50us, 250ms, 1s or 1.5s',
    ]);
  });

  it('returns issues as data keyed by code, with doc, path, line and col', () => {
    const result = loadTopologyText(
      yaml(...SMALL_CLUSTER.slice(0, 8), '    - {name: node2, subnet: rack9}'),
      'x.yaml',
    );
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          code: 'unknown_reference',
          kind: 'segment',
          name: 'rack9',
          known: ['rack1', 'rack2'],
          doc: 0,
          path: ['spec', 'nodes', 1, 'subnet'],
          line: 9,
          col: 29,
        },
      ],
    });
  });
});

describe('the Scenario document', () => {
  it('checks that referenced nodes and routers exist', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...SCENARIO,
      '  steps:',
      '    - {at: 1s, ping: {from: node/node9, to: router/core}}',
      '    - {at: 2s, linkDown: {node: node7}}',
      '  expect:',
      '    - {reachable: {from: node/node1, to: node/nodex}}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:15:29: spec.steps[0].ping.from: unknown node "node9" (known: node1, node2)',
      'x.yaml:15:45: spec.steps[0].ping.to: unknown router "core" (known: router)',
      'x.yaml:16:33: spec.steps[1].linkDown.node: unknown node "node7" (known: node1, node2)',
      'x.yaml:18:42: spec.expect[0].reachable.to: unknown node "nodex" (known: node1, node2)',
    ]);
  });

  it('refuses malformed references', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...SCENARIO,
      '  steps:',
      '    - {at: 1s, traceroute: {from: node/node1, to: 10.0.0.256}}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:15:51: spec.steps[0].traceroute.to: "10.0.0.256" is not node/NAME, router/NAME, host/NAME, pod/[NAMESPACE/]NAME, deploy/[NAMESPACE/]NAME, sts/[NAMESPACE/]NAME, svc/[NAMESPACE/]NAME, an IPv4 address or a DNS name, with an optional :PORT',
    ]);
  });

  it('refuses a DNS name as a source and workloads the files do not have', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...SCENARIO,
      '  steps:',
      '    - {at: 1s, ping: {from: deploy/client, to: svc/web}}',
      '    - {at: 1s, traceroute: {from: node1, to: node/node2}}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:15:29: spec.steps[0].ping.from: unknown deployment "client" (known: none)',
      'x.yaml:15:48: spec.steps[0].ping.to: unknown service "web" (known: kubernetes)',
      'x.yaml:16:35: spec.steps[1].traceroute.from: "node1" is a DNS name, not a machine; a step starts on node/NAME, router/NAME, host/NAME, pod/NAME, deploy/NAME or sts/NAME',
    ]);
  });

  it('requires a step source address to belong to a node, router or host', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...SCENARIO,
      '  steps:',
      '    - {at: 1s, ping: {from: 192.168.56.99, to: 192.168.56.1}}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:15:29: spec.steps[0].ping.from: no node, router or host has the address 192.168.56.99; a step starts on one of them',
    ]);
  });

  it('requires exactly one action per step and one kind per expectation', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...SCENARIO,
      '  steps:',
      '    - {at: 1s}',
      '    - {at: 2s, linkDown: {node: node1}, linkUp: {node: node1}}',
      '  expect:',
      '    - {}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:15:7: spec.steps[0]: needs one of ping, traceroute, http, tcp, udp, linkDown, linkUp, delete, join, apply, scale, rollout, cordon, uncordon, drain, taint, untaint, label, fail or recover',
      'x.yaml:16:7: spec.steps[1]: has linkDown and linkUp; exactly one of ping, traceroute, http, tcp, udp, linkDown, linkUp, delete, join, apply, scale, rollout, cordon, uncordon, drain, taint, untaint, label, fail or recover is allowed',
      'x.yaml:18:7: spec.expect[0]: needs one of reachable or unreachable',
    ]);
  });

  it('checks step options: ranges, durations and enums', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...SCENARIO,
      '  steps:',
      '    - at: 1s',
      '      ping: {from: node/node1, to: node/node2, count: 0, interval: 0s, ttl: 256, df: maybe}',
      '    - at: 2s',
      '      traceroute: {from: node/node1, to: node/node2, proto: tcp, wait: 5}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:16:55: spec.steps[0].ping.count: 0 is out of range (1..1000000)',
      'x.yaml:16:68: spec.steps[0].ping.interval: "0s" is too small (minimum 1ns)',
      'x.yaml:16:77: spec.steps[0].ping.ttl: 256 is out of range (1..255)',
      'x.yaml:16:86: spec.steps[0].ping.df: expected true/false, got string "maybe"',
      'x.yaml:18:61: spec.steps[1].traceroute.proto: string "tcp" is not allowed (expected "udp" or "icmp")',
      'x.yaml:18:72: spec.steps[1].traceroute.wait: expected a string, got number 5',
    ]);
  });

  it('checks capture: all, none, or points owned by a node, router or segment', () => {
    expect(issueLines(yaml(...SMALL_CLUSTER, ...SCENARIO, '  capture: some'))).toEqual([
      'x.yaml:14:12: spec.capture: expected "all", "none" or a list, got string "some"',
    ]);
    const bad = yaml(...SMALL_CLUSTER, ...SCENARIO, '  capture: [node1/eth0, eth0]');
    expect(issueLines(bad)).toEqual([
      'x.yaml:14:25: spec.capture[1]: "eth0" is not a capture point such as node1/eth0, node1/cni0 or rack1/node1',
    ]);
    const unknown = yaml(...SMALL_CLUSTER, ...SCENARIO, '  capture: [node1/eth0, node9/eth0]');
    expect(issueLines(unknown)).toEqual([
      'x.yaml:14:25: spec.capture[1]: unknown capture target "node9" (known: node1, node2, router, rack1, rack2)',
    ]);
    const dup = yaml(...SMALL_CLUSTER, ...SCENARIO, '  capture: [node1/eth0, rack1/node1, node1/eth0]');
    expect(issueLines(dup)).toEqual([
      'x.yaml:14:38: spec.capture[2]: "node1/eth0" is listed twice (first at spec.capture[0])',
    ]);
  });
});
