import { describe, expect, it } from 'vitest';
import { parseIp4, parseRef, type Step } from '../../src/topology/index.js';
import { issueLines, loadOk, SMALL_CLUSTER, yaml } from './helpers.js';

describe('parseRef() with ports', () => {
  it('reads a :PORT after any reference, and port names after pod/ and svc/', () => {
    const ok = (text: string) => {
      const r = parseRef(text);
      if (!r.ok) throw new Error(`${text} did not parse`);
      return r.ref;
    };
    expect(ok('svc/web')).toEqual({ kind: 'svc', namespace: 'default', name: 'web', text: 'svc/web' });
    expect(ok('svc/web:80')).toEqual({
      kind: 'svc',
      namespace: 'default',
      name: 'web',
      text: 'svc/web:80',
      port: 80,
    });
    expect(ok('svc/shop/web:http')).toEqual({
      kind: 'svc',
      namespace: 'shop',
      name: 'web',
      text: 'svc/shop/web:http',
      port: 'http',
    });
    expect(ok('pod/kube-system/dns:dns-tcp')).toMatchObject({
      kind: 'pod',
      namespace: 'kube-system',
      port: 'dns-tcp',
    });
    expect(ok('node/node1:30080')).toEqual({
      kind: 'node',
      name: 'node1',
      text: 'node/node1:30080',
      port: 30080,
    });
    expect(ok('host/client')).toEqual({ kind: 'host', name: 'client', text: 'host/client' });
    expect(ok('10.96.0.10:53')).toEqual({
      kind: 'ip',
      ip: parseIp4('10.96.0.10'),
      text: '10.96.0.10:53',
      port: 53,
    });
    expect(ok('router/core:65535')).toMatchObject({ kind: 'router', port: 65535 });
  });

  it('says what is wrong with a port or a name', () => {
    const bad = (text: string) => {
      const r = parseRef(text);
      if (r.ok) throw new Error(`${text} parsed`);
      return r.detail;
    };
    expect(bad('node/node1:http')).toEqual({
      code: 'invalid_format',
      format: 'port_number_only',
      received: 'http',
    });
    expect(bad('10.0.0.1:0')).toEqual({ code: 'invalid_format', format: 'port_number', received: '0' });
    expect(bad('10.0.0.1:65536')).toEqual({
      code: 'invalid_format',
      format: 'port_number',
      received: '65536',
    });
    expect(bad('svc/web:')).toEqual({ code: 'invalid_format', format: 'port', received: '' });
    expect(bad('svc/web:Http')).toEqual({ code: 'invalid_format', format: 'port', received: 'Http' });
    // Service names are DNS-1035 labels: they start with a letter.
    expect(bad('svc/1web')).toEqual({ code: 'invalid_format', format: 'reference', received: 'svc/1web' });
    expect(bad('deploy/web/x/y')).toEqual({
      code: 'invalid_format',
      format: 'reference',
      received: 'deploy/web/x/y',
    });
    expect(bad('web:http')).toEqual({ code: 'invalid_format', format: 'port_number_only', received: 'http' });
  });
});

// SMALL_CLUSTER (lines 1–9) with a host, then two Services, a Pod and a Scenario whose steps start on
// line 42.
const FILE = [
  ...SMALL_CLUSTER,
  '  hosts: [{name: client, subnet: rack1}]',
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata: {name: web}',
  'spec:',
  '  ports:',
  '    - {name: http, port: 80, targetPort: 8080}',
  '    - {name: dns, port: 53, protocol: UDP}',
  '    - {name: dns-tcp, port: 53, protocol: TCP}',
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata: {name: echo, namespace: tools}',
  'spec: {type: NodePort, ports: [{port: 7, protocol: UDP, nodePort: 30007}]}',
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata: {name: db}',
  'spec: {clusterIP: None, ports: [{port: 5432}]}',
  '---',
  'apiVersion: v1',
  'kind: Pod',
  'metadata: {name: pa}',
  'spec:',
  '  nodeName: node1',
  '  containers: [{name: c, image: x, ports: [{containerPort: 8080, name: web}, {containerPort: 53, protocol: UDP}]}]',
  '---',
  'apiVersion: podwire/v1',
  'kind: Scenario',
  'spec:',
];
const STEPS = 41;

function steps(...lines: string[]): readonly Step[] {
  return loadOk(yaml(...FILE, '  steps:', ...lines)).scenario.steps;
}

describe('http, tcp and udp steps', () => {
  it('resolves the port: named and numbered Service ports, the only port, container port names, NodePorts', () => {
    const s = steps(
      '    - {at: 1s, http: {from: host/client, to: svc/web:http, count: 20}}',
      '    - {at: 2s, udp: {from: pod/pa, to: svc/web:53, interval: 100ms, timeout: 2s}}',
      '    - {at: 3s, tcp: {from: pod/pa, to: svc/web:53}}',
      '    - {at: 4s, udp: {from: node/node1, to: svc/tools/echo}}',
      '    - {at: 5s, http: {from: node/node2, to: pod/pa:web}}',
      '    - {at: 6s, udp: {from: host/client, to: node/node2:30007}}',
      '    - {at: 7s, tcp: {from: router/router, to: 192.168.57.11:22}}',
      '    - {at: 8s, tcp: {from: pod/pa, to: host/client:9000}}',
    );
    expect(
      s.map((x) =>
        x.action === 'http' || x.action === 'tcp' || x.action === 'udp' ? [x.action, x.to.text, x.port] : [],
      ),
    ).toEqual([
      ['http', 'svc/web:http', 80],
      ['udp', 'svc/web:53', 53],
      ['tcp', 'svc/web:53', 53],
      ['udp', 'svc/tools/echo', 7],
      ['http', 'pod/pa:web', 8080],
      ['udp', 'node/node2:30007', 30007],
      ['tcp', '192.168.57.11:22', 22],
      ['tcp', 'host/client:9000', 9000],
    ]);
  });

  it('applies the defaults: one request, 1 s apart, given up after 5 s', () => {
    const [first, second] = steps(
      '    - {at: 1s, http: {from: host/client, to: svc/web:80}}',
      '    - {at: 1s, tcp: {from: host/client, to: svc/web:80, count: 3, interval: 250ms, timeout: 1s}}',
    );
    expect(first).toEqual({
      action: 'http',
      atNs: 1e9,
      from: { kind: 'host', name: 'client', text: 'host/client' },
      to: { kind: 'svc', namespace: 'default', name: 'web', text: 'svc/web:80', port: 80 },
      port: 80,
      count: 1,
      intervalNs: 1e9,
      timeoutNs: 5e9,
    });
    expect(second).toMatchObject({ count: 3, intervalNs: 250e6, timeoutNs: 1e9 });
  });

  it('needs a port the target has, in the protocol of the step', () => {
    const text = yaml(
      ...FILE,
      '  steps:',
      '    - {at: 1s, http: {from: pod/pa, to: svc/web}}',
      '    - {at: 1s, http: {from: pod/pa, to: svc/web:grpc}}',
      '    - {at: 1s, http: {from: pod/pa, to: svc/web:dns}}',
      '    - {at: 1s, tcp: {from: pod/pa, to: svc/tools/echo}}',
      '    - {at: 1s, udp: {from: pod/pa, to: node/node1}}',
      '    - {at: 1s, udp: {from: pod/pa, to: pod/pa:web}}',
      '    - {at: 1s, udp: {from: pod/pa, to: pod/pa:metrics}}',
      '    - {at: 1s, tcp: {from: pod/pa, to: svc/db:5432}}',
      '    - {at: 1s, tcp: {from: pod/pa, to: svc/nope:80}}',
    );
    const at = (i: number, col: number) => `x.yaml:${STEPS + 1 + i}:${col}: spec.steps[${i}]`;
    expect(issueLines(text)).toEqual([
      `${at(0, 41)}.http.to: "svc/web" needs a port: the Service has 3 (http 80/TCP, dns 53/UDP, dns-tcp 53/TCP)`,
      `${at(1, 41)}.http.to: svc/web has no port "grpc" (known: http 80/TCP, dns 53/UDP, dns-tcp 53/TCP)`,
      `${at(2, 41)}.http.to: svc/web port 53 is UDP; an http step needs a TCP port`,
      `${at(3, 40)}.tcp.to: svc/tools/echo port 7 is UDP; a tcp step needs a TCP port`,
      `${at(4, 40)}.udp.to: "node/node1" needs a port (node/node1:PORT)`,
      `${at(5, 40)}.udp.to: pod/pa port 8080 is TCP; a udp step needs a UDP port`,
      `${at(6, 40)}.udp.to: pod/pa has no port "metrics" (known: web 8080/TCP)`,
      `${at(7, 40)}.tcp.to: "svc/db" is headless (clusterIP: None): it has no address of its own; name a pod`,
      `${at(8, 40)}.tcp.to: unknown service "nope" (known: kubernetes, web, tools/echo, db)`,
    ]);
  });

  it('starts on a machine: not a Service, and without a port', () => {
    const text = yaml(
      ...FILE,
      '  steps:',
      '    - {at: 1s, http: {from: svc/web, to: svc/web:80}}',
      '    - {at: 1s, http: {from: pod/pa:8080, to: svc/web:80}}',
    );
    expect(issueLines(text)).toEqual([
      `x.yaml:${STEPS + 1}:29: spec.steps[0].http.from: "svc/web": a Service is an address, not a machine; a step starts on a node, router, host or pod`,
      `x.yaml:${STEPS + 2}:29: spec.steps[1].http.from: "pod/pa:8080": a step starts on a machine; drop the port`,
    ]);
  });

  it('checks count, interval and timeout like ping options', () => {
    const text = yaml(
      ...FILE,
      '  steps:',
      '    - {at: 1s, udp: {from: pod/pa, to: svc/web:53, count: 0, interval: 0s, timeout: soon, size: 9}}',
    );
    expect(issueLines(text)).toEqual([
      `x.yaml:${STEPS + 1}:59: spec.steps[0].udp.count: 0 is out of range (1..1000000)`,
      `x.yaml:${STEPS + 1}:72: spec.steps[0].udp.interval: "0s" is too small (minimum 1ns)`,
      `x.yaml:${STEPS + 1}:85: spec.steps[0].udp.timeout: "soon" is not a duration such as 50us, 250ms, 1s or 1.5s`,
      `x.yaml:${STEPS + 1}:91: spec.steps[0].udp.size: unknown field "size" (known: from, to, count, interval, timeout)`,
    ]);
  });
});

describe('ping and traceroute to a Service', () => {
  it('go to the ClusterIP: no port, and the Service must have one', () => {
    const ok = steps('    - {at: 1s, ping: {from: pod/pa, to: svc/web}}');
    expect(ok[0]?.action === 'ping' ? ok[0].to : undefined).toEqual({
      kind: 'svc',
      namespace: 'default',
      name: 'web',
      text: 'svc/web',
    });
    const text = yaml(
      ...FILE,
      '  steps:',
      '    - {at: 1s, ping: {from: pod/pa, to: svc/web:80}}',
      '    - {at: 1s, traceroute: {from: pod/pa, to: svc/db}}',
    );
    expect(issueLines(text)).toEqual([
      `x.yaml:${STEPS + 1}:41: spec.steps[0].ping.to: "svc/web:80": ping and traceroute choose their own ports; drop the port`,
      `x.yaml:${STEPS + 2}:47: spec.steps[1].traceroute.to: "svc/db" is headless (clusterIP: None): it has no address of its own; name a pod`,
    ]);
  });

  it('a pod is deleted by name, without a port', () => {
    const text = yaml(...FILE, '  steps:', '    - {at: 1s, delete: {pod: pod/pa:80}}');
    expect(issueLines(text)).toEqual([
      `x.yaml:${STEPS + 1}:30: spec.steps[0].delete.pod: "pod/pa:80" is not NAME or NAMESPACE/NAME (a DNS subdomain, in a namespace that is a DNS label)`,
    ]);
  });
});

describe('expectations with a port', () => {
  it('probe with TCP, or UDP where the named port is UDP; without a port, with one echo request', () => {
    const t = loadOk(
      yaml(
        ...FILE,
        '  expect:',
        '    - {reachable: {from: host/client, to: node/node1:30007}}',
        '    - {reachable: {from: pod/pa, to: svc/web:dns}}',
        '    - {reachable: {from: pod/pa, to: svc/web:53}}',
        '    - {reachable: {from: pod/pa, to: pod/pa:53}}',
        '    - {unreachable: {from: pod/pa, to: svc/web}}',
        '    - {reachable: {from: pod/pa, to: svc/kubernetes:https}}',
      ),
    );
    expect(t.scenario.expectations.map((e) => [e.kind, e.to.text, e.transport])).toEqual([
      ['reachable', 'node/node1:30007', { protocol: 'TCP', port: 30007 }],
      ['reachable', 'svc/web:dns', { protocol: 'UDP', port: 53 }],
      ['reachable', 'svc/web:53', { protocol: 'TCP', port: 53 }],
      ['reachable', 'pod/pa:53', { protocol: 'UDP', port: 53 }],
      ['unreachable', 'svc/web', undefined],
      ['reachable', 'svc/kubernetes:https', { protocol: 'TCP', port: 443 }],
    ]);
  });

  it('refuses a port the Service does not have', () => {
    const text = yaml(...FILE, '  expect:', '    - {reachable: {from: pod/pa, to: svc/web:8080}}');
    expect(issueLines(text)).toEqual([
      `x.yaml:${STEPS + 1}:38: spec.expect[0].reachable.to: svc/web has no port "8080" (known: http 80/TCP, dns 53/UDP, dns-tcp 53/TCP)`,
    ]);
  });
});
