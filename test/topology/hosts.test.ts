import { describe, expect, it } from 'vitest';
import { formatIp4 } from '../../src/topology/index.js';
import { CLUSTER, issueLines, loadOk, yaml } from './helpers.js';

/** A cluster on one /24 (lines 1–8) whose `hosts:` list follows on line 9. */
const BASE = [
  ...CLUSTER,
  'spec:',
  '  underlay:',
  '    - {name: rack1, cidr: 192.168.56.0/24}',
  '  nodes:',
  '    - {name: node1, subnet: rack1}',
  '    - {name: node2, subnet: rack1, ip: 192.168.56.12}',
];

describe('spec.hosts: plain machines on the underlay', () => {
  it('gives hosts the next free addresses after the nodes, and keeps explicit ones', () => {
    const t = loadOk(
      yaml(
        ...BASE,
        '  hosts:',
        '    - {name: client, subnet: rack1}',
        '    - {name: ext, subnet: rack1, ip: 192.168.56.200}',
        '    - {name: client2, subnet: rack1}',
      ),
    );
    expect(t.nodes.map((n) => `${n.name} ${formatIp4(n.ip)}`)).toEqual([
      'node1 192.168.56.11',
      'node2 192.168.56.12',
    ]);
    expect(t.hosts.map((h) => `${h.name} ${h.segment} ${formatIp4(h.ip)}`)).toEqual([
      'client rack1 192.168.56.13',
      'ext rack1 192.168.56.200',
      'client2 rack1 192.168.56.14',
    ]);
  });

  it('never moves a node: an explicit host address below them is skipped by node allocation', () => {
    const t = loadOk(yaml(...BASE, '  hosts: [{name: early, subnet: rack1, ip: 192.168.56.11}]'));
    expect(t.nodes.map((n) => formatIp4(n.ip))).toEqual(['192.168.56.13', '192.168.56.12']);
    expect(t.hosts.map((h) => formatIp4(h.ip))).toEqual(['192.168.56.11']);
  });

  it('checks host addresses as node addresses are checked', () => {
    const text = yaml(
      ...BASE,
      '  hosts:',
      '    - {name: a, subnet: rack1, ip: 192.168.57.5}',
      '    - {name: b, subnet: rack1, ip: 192.168.56.1}',
      '    - {name: c, subnet: rack1, ip: 192.168.56.12}',
      '    - {name: d, subnet: rack9}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:10:36: spec.hosts[0].ip: 192.168.57.5 is outside segment "rack1" (192.168.56.0/24)',
      'x.yaml:11:36: spec.hosts[1].ip: 192.168.56.1 is the gateway address of segment "rack1"',
      'x.yaml:12:36: spec.hosts[2].ip: 192.168.56.12 is already used at spec.nodes[1].ip',
      'x.yaml:13:25: spec.hosts[3].subnet: unknown segment "rack9" (known: rack1)',
    ]);
  });

  it('shares one namespace of names with nodes, segments and routers', () => {
    const text = yaml(
      ...BASE,
      '  hosts:',
      '    - {name: node1, subnet: rack1}',
      '    - {name: rack1, subnet: rack1}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:10:14: spec.hosts[0].name: host name "node1" is already used by the node at spec.nodes[0].name',
      'x.yaml:11:14: spec.hosts[1].name: host name "rack1" is already used by the segment at spec.underlay[0].name',
    ]);
  });

  it('reports a segment with no address left for a host', () => {
    const text = yaml(
      ...CLUSTER,
      'spec:',
      '  underlay: [{name: tiny, cidr: 10.1.0.0/30}]',
      '  nodes: [{name: n1, subnet: tiny}]',
      '  hosts: [{name: h1, subnet: tiny}]',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:6:30: spec.hosts[0].subnet: segment "tiny" (10.1.0.0/30) has no free address left for host "h1"',
    ]);
  });

  it('is a reference (from and to), a capture owner, and an address a step may start from', () => {
    const t = loadOk(
      yaml(
        ...BASE,
        '  hosts: [{name: client, subnet: rack1}]',
        '---',
        'apiVersion: podwire/v1',
        'kind: Scenario',
        'spec:',
        '  capture: [client/eth0]',
        '  steps:',
        '    - {at: 1s, ping: {from: host/client, to: node/node1}}',
        '    - {at: 2s, ping: {from: 192.168.56.13, to: host/client}}',
      ),
    );
    expect(t.scenario.capture).toEqual({ kind: 'points', points: ['client/eth0'] });
    expect(t.scenario.steps.map((s) => (s.action === 'ping' ? [s.from, s.to] : []))).toEqual([
      [
        { kind: 'host', name: 'client', text: 'host/client' },
        { kind: 'node', name: 'node1', text: 'node/node1' },
      ],
      [
        { kind: 'ip', ip: t.hosts[0]?.ip, text: '192.168.56.13' },
        { kind: 'host', name: 'client', text: 'host/client' },
      ],
    ]);
  });

  it('reports an unknown host in a reference and in a capture point', () => {
    const text = yaml(
      ...BASE,
      '  hosts: [{name: client, subnet: rack1}]',
      '---',
      'apiVersion: podwire/v1',
      'kind: Scenario',
      'spec:',
      '  capture: [laptop/eth0]',
      '  steps:',
      '    - {at: 1s, ping: {from: host/laptop, to: node/node1}}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:14:13: spec.capture[0]: unknown capture target "laptop" (known: node1, node2, client, rack1)',
      'x.yaml:16:29: spec.steps[0].ping.from: unknown host "laptop" (known: client)',
    ]);
  });
});
