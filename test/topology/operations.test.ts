import { describe, expect, it } from 'vitest';
import { parseRef, type Step } from '../../src/topology/index.js';
import { issueLines, loadOk, SMALL_CLUSTER, yaml } from './helpers.js';

/** SMALL_CLUSTER with `dns: coredns` (lines 1–10). */
const DNS_CLUSTER = [...SMALL_CLUSTER.slice(0, 3), '  dns: coredns', ...SMALL_CLUSTER.slice(3)];

/** A Deployment `web` (named port http), a two-container Deployment `multi`, a StatefulSet `db` of 2. */
const OBJECTS = [
  '---',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: {name: web}',
  'spec:',
  '  selector: {matchLabels: {app: web}}',
  '  template:',
  '    metadata: {labels: {app: web}}',
  '    spec: {containers: [{name: nginx, image: nginx:1.25, ports: [{name: http, containerPort: 80}]}]}',
  '---',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: {name: multi, namespace: shop}',
  'spec:',
  '  selector: {matchLabels: {app: multi}}',
  '  template:',
  '    metadata: {labels: {app: multi}}',
  '    spec: {containers: [{name: app, image: app:1}, {name: proxy, image: envoy:1}]}',
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata: {name: db}',
  'spec: {clusterIP: None, selector: {app: db}, ports: [{name: pg, port: 5432}]}',
  '---',
  'apiVersion: apps/v1',
  'kind: StatefulSet',
  'metadata: {name: db}',
  'spec:',
  '  serviceName: db',
  '  replicas: 2',
  '  selector: {matchLabels: {app: db}}',
  '  template:',
  '    metadata: {labels: {app: db}}',
  '    spec: {containers: [{name: pg, image: postgres:16, ports: [{name: pg, containerPort: 5432}]}]}',
];

const SCENARIO = ['---', 'apiVersion: podwire/v1', 'kind: Scenario', 'spec:', '  steps:'];

/** The file with `steps` (each a step line), on the plain or the DNS cluster. */
function file(steps: string[], cluster = DNS_CLUSTER): string {
  return yaml(...cluster, ...OBJECTS, ...SCENARIO, ...steps);
}

/** The 1-based line of step `i` in `file()`. */
function stepLine(i: number, cluster = DNS_CLUSTER): number {
  return cluster.length + OBJECTS.length + SCENARIO.length + 1 + i;
}

function steps(lines: string[]): readonly Step[] {
  return loadOk(file(lines)).scenario.steps;
}

describe('cluster operation steps', () => {
  it('parses every operation into its step', () => {
    const s = steps([
      '    - {at: 1s, scale: {deployment: web, replicas: 4}}',
      '    - {at: 2s, scale: {statefulset: default/db, replicas: 3}}',
      '    - {at: 3s, rollout: {deployment: web, image: nginx:1.26}}',
      '    - {at: 3s, rollout: {deployment: shop/multi, image: envoy:2, container: proxy}}',
      '    - {at: 4s, cordon: {node: node1}}',
      '    - {at: 5s, uncordon: {node: node1}}',
      '    - {at: 6s, drain: {node: node2, ignoreDaemonsets: true}}',
      '    - {at: 7s, taint: {node: node1, taint: "dedicated=db:NoSchedule"}}',
      '    - {at: 7s, taint: {node: node1, taint: "gpu:NoExecute"}}',
      '    - {at: 8s, untaint: {node: node1, taint: "dedicated:NoSchedule"}}',
      '    - {at: 8s, untaint: {node: node1, taint: gpu-}}',
      '    - {at: 9s, label: {node: node2, labels: {disktype: ssd, zone: null}, overwrite: true}}',
      '    - {at: 9s, label: {pod: db-1, labels: {role: primary}}}',
      '    - {at: 10s, fail: {node: node2}}',
      '    - {at: 20s, recover: {node: node2}}',
      '    - {at: 30s, delete: {pod: pod/db-0}}',
      '    - {at: 30s, delete: {deployment: shop/multi}}',
      '    - {at: 31s, delete: {service: db}}',
      '    - {at: 32s, delete: {node: node2}}',
    ]);
    const S = 1_000_000_000;
    expect(s).toEqual([
      {
        action: 'scale',
        atNs: S,
        target: { kind: 'Deployment', namespace: 'default', name: 'web' },
        replicas: 4,
      },
      {
        action: 'scale',
        atNs: 2 * S,
        target: { kind: 'StatefulSet', namespace: 'default', name: 'db' },
        replicas: 3,
      },
      {
        action: 'rollout',
        atNs: 3 * S,
        target: { kind: 'Deployment', namespace: 'default', name: 'web' },
        container: 'nginx',
        image: 'nginx:1.26',
      },
      {
        action: 'rollout',
        atNs: 3 * S,
        target: { kind: 'Deployment', namespace: 'shop', name: 'multi' },
        container: 'proxy',
        image: 'envoy:2',
      },
      { action: 'cordon', atNs: 4 * S, node: 'node1' },
      { action: 'uncordon', atNs: 5 * S, node: 'node1' },
      {
        action: 'drain',
        atNs: 6 * S,
        node: 'node2',
        ignoreDaemonsets: true,
        force: false,
        deleteEmptydirData: false,
      },
      {
        action: 'taint',
        atNs: 7 * S,
        node: 'node1',
        taint: { key: 'dedicated', value: 'db', effect: 'NoSchedule' },
      },
      { action: 'taint', atNs: 7 * S, node: 'node1', taint: { key: 'gpu', value: '', effect: 'NoExecute' } },
      { action: 'untaint', atNs: 8 * S, node: 'node1', key: 'dedicated', effect: 'NoSchedule' },
      { action: 'untaint', atNs: 8 * S, node: 'node1', key: 'gpu' },
      {
        action: 'label',
        atNs: 9 * S,
        target: { kind: 'Node', name: 'node2' },
        labels: new Map([
          ['disktype', 'ssd'],
          ['zone', null],
        ]),
        overwrite: true,
      },
      {
        action: 'label',
        atNs: 9 * S,
        target: { kind: 'Pod', namespace: 'default', name: 'db-1' },
        labels: new Map([['role', 'primary']]),
        overwrite: false,
      },
      { action: 'fail', atNs: 10 * S, node: 'node2' },
      { action: 'recover', atNs: 20 * S, node: 'node2' },
      { action: 'delete', atNs: 30 * S, target: { kind: 'Pod', namespace: 'default', name: 'db-0' } },
      { action: 'delete', atNs: 30 * S, target: { kind: 'Deployment', namespace: 'shop', name: 'multi' } },
      { action: 'delete', atNs: 31 * S, target: { kind: 'Service', namespace: 'default', name: 'db' } },
      { action: 'deleteNode', atNs: 32 * S, node: 'node2' },
    ]);
  });

  it('checks names against the objects at the step time: scaling a StatefulSet down removes its ordinals', () => {
    const text = file([
      '    - {at: 2s, scale: {statefulset: db, replicas: 1}}',
      '    - {at: 3s, delete: {pod: db-1}}',
      '    - {at: 1s, label: {pod: db-1, labels: {a: b}}}',
    ]);
    expect(issueLines(text)).toEqual([
      `x.yaml:${stepLine(1)}:30: spec.steps[1].delete.pod: unknown pod "db-1" (known: db-0)`,
    ]);
  });

  it('applies an inline manifest, which later steps may name, in time order', () => {
    const apply = [
      '    - at: 1s',
      '      apply:',
      '        apiVersion: apps/v1',
      '        kind: Deployment',
      '        metadata: {name: client}',
      '        spec:',
      '          selector: {matchLabels: {app: client}}',
      '          template:',
      '            metadata: {labels: {app: client}}',
      '            spec: {containers: [{name: c, image: busybox}]}',
    ];
    const s = steps([...apply, '    - {at: 2s, scale: {deployment: client, replicas: 2}}']);
    expect(s[0]).toMatchObject({
      action: 'apply',
      atNs: 1_000_000_000,
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'client', namespace: 'default' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'client' } } },
      },
    });
    expect(s[1]).toMatchObject({ action: 'scale', replicas: 2 });
    // Scaling before the apply names a Deployment that does not exist yet.
    const early = file(['    - {at: 500ms, scale: {deployment: client, replicas: 2}}', ...apply]);
    expect(issueLines(early)).toEqual([
      `x.yaml:${stepLine(0)}:39: spec.steps[0].scale.deployment: unknown deployment "client" (known: web, shop/multi)`,
    ]);
  });

  it('points the issues of an applied manifest into it', () => {
    const text = file([
      '    - at: 1s',
      '      apply:',
      '        apiVersion: apps/v1',
      '        kind: Deployment',
      '        metadata: {name: client}',
      '        spec:',
      '          replica: 2',
      '          selector: {matchLabels: {app: client}}',
      '          template:',
      '            metadata: {labels: {app: other}}',
      '            spec: {containers: [{name: c, image: busybox}]}',
      '    - {at: 2s, apply: {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}}',
      '    - at: 3s',
      '      apply:',
      '        apiVersion: v1',
      '        kind: Pod',
      '        metadata: {name: p}',
      '        spec: {nodeName: node7, containers: [{name: c, image: busybox}]}',
    ]);
    const at = stepLine(0);
    expect(issueLines(text)).toEqual([
      `x.yaml:${at + 6}:11: spec.steps[0].apply.spec.replica: unknown field "replica" (known: replicas, selector, template, strategy, minReadySeconds, revisionHistoryLimit, progressDeadlineSeconds, paused)`,
      `x.yaml:${at + 11}:46: spec.steps[1].apply.kind: kind ConfigMap is not supported (known: Cluster, Scenario, Pod, Service, Deployment, ReplicaSet, DaemonSet, StatefulSet, Endpoints, EndpointSlice)`,
      `x.yaml:${at + 17}:26: spec.steps[2].apply.spec.nodeName: unknown node "node7" (known: node1, node2)`,
    ]);
    // With the unknown field gone, the selector check runs and points at the template labels.
    const mismatch = text.replace('          replica: 2\n', '');
    expect(issueLines(mismatch)[0]).toBe(
      `x.yaml:${at + 8}:32: spec.steps[0].apply.spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: \`selector\` does not match template \`labels\``,
    );
  });

  it('gives one clear line for each bad operation', () => {
    const text = file([
      '    - {at: 1s, scale: {deployment: nope, replicas: 1}}',
      '    - {at: 1s, scale: {deployment: web, statefulset: db, replicas: 1}}',
      '    - {at: 1s, rollout: {deployment: shop/multi, image: app:2}}',
      '    - {at: 1s, rollout: {deployment: web, image: x, container: sidecar}}',
      '    - {at: 1s, taint: {node: node1, taint: "dedicated=db"}}',
      '    - {at: 1s, untaint: {node: node1, taint: "dedicated:Sometimes"}}',
      '    - {at: 1s, label: {node: node1, labels: {"-bad": x}}}',
      '    - {at: 1s, drain: {node: node9}}',
      '    - {at: 1s, delete: {deployment: web, service: db}}',
      '    - {at: 1s, delete: {daemonset: kube-system/kube-proxy}}',
      '    - {at: 1s, cordon: {node: node1, force: true}}',
    ]);
    const l = (i: number) => stepLine(i);
    expect(issueLines(text)).toEqual([
      `x.yaml:${l(1)}:23: spec.steps[1].scale: has deployment and statefulset; exactly one of deployment, replicaset or statefulset is allowed`,
      `x.yaml:${l(4)}:44: spec.steps[4].taint.taint: "dedicated=db" is not a taint KEY[=VALUE]:EFFECT, EFFECT one of NoSchedule, PreferNoSchedule, NoExecute`,
      `x.yaml:${l(5)}:46: spec.steps[5].untaint.taint: "dedicated:Sometimes" is not a taint to remove: KEY or KEY:EFFECT, EFFECT one of NoSchedule, PreferNoSchedule, NoExecute`,
      `x.yaml:${l(6)}:46: spec.steps[6].label.labels["-bad"]: "-bad" is not a label key: [PREFIX/]NAME, NAME at most 63 letters, digits, "-", "_" or "." starting and ending alphanumeric`,
      `x.yaml:${l(8)}:24: spec.steps[8].delete: has deployment and service; exactly one of pod, deployment, replicaset, daemonset, statefulset, service or node is allowed`,
      `x.yaml:${l(10)}:38: spec.steps[10].cordon.force: unknown field "force" (known: node)`,
    ]);
    const semantic = file([
      '    - {at: 1s, scale: {deployment: nope, replicas: 1}}',
      '    - {at: 1s, rollout: {deployment: shop/multi, image: app:2}}',
      '    - {at: 1s, rollout: {deployment: web, image: x, container: sidecar}}',
      '    - {at: 1s, drain: {node: node9}}',
      '    - {at: 1s, delete: {daemonset: kube-system/kube-proxy}}',
    ]);
    expect(issueLines(semantic)).toEqual([
      `x.yaml:${l(0)}:36: spec.steps[0].scale.deployment: unknown deployment "nope" (known: web, shop/multi)`,
      `x.yaml:${l(1)}:25: spec.steps[1].rollout: deployment "shop/multi" has 2 containers (app, proxy); name one in container`,
      `x.yaml:${l(2)}:64: spec.steps[2].rollout.container: unknown container "sidecar" (known: nginx)`,
      `x.yaml:${l(3)}:30: spec.steps[3].drain.node: unknown node "node9" (known: node1, node2)`,
      `x.yaml:${l(4)}:36: spec.steps[4].delete.daemonset: unknown daemonset "kube-system/kube-proxy" (known: none)`,
    ]);
  });
});

describe('deploy/, sts/, StatefulSet ordinals and DNS names as references', () => {
  it('parses deploy/ and sts/ with namespaces and named ports, and DNS names with port numbers', () => {
    const ok = (text: string) => {
      const r = parseRef(text);
      if (!r.ok) throw new Error(`${text} did not parse`);
      return r.ref;
    };
    expect(ok('deploy/web:http')).toEqual({
      kind: 'deploy',
      name: 'web',
      namespace: 'default',
      text: 'deploy/web:http',
      port: 'http',
    });
    expect(ok('sts/shop/db')).toEqual({ kind: 'sts', name: 'db', namespace: 'shop', text: 'sts/shop/db' });
    expect(ok('web')).toEqual({ kind: 'dns', name: 'web', text: 'web' });
    expect(ok('web.default.svc.cluster.local:8080')).toEqual({
      kind: 'dns',
      name: 'web.default.svc.cluster.local',
      text: 'web.default.svc.cluster.local:8080',
      port: 8080,
    });
    expect(ok('db-0.db')).toMatchObject({ kind: 'dns', name: 'db-0.db' });
    expect(parseRef('Web_1').ok).toBe(false);
    expect(parseRef('10.0.0.256').ok).toBe(false);
  });

  it('resolves workload refs and StatefulSet ordinals against the files, with their ports', () => {
    const s = steps([
      '    - {at: 1s, http: {from: deploy/web, to: pod/db-1:pg}}',
      '    - {at: 1s, tcp: {from: sts/db, to: deploy/web:http}}',
      '    - {at: 1s, http: {from: pod/db-0, to: web}}',
      '    - {at: 1s, udp: {from: deploy/web, to: "db-0.db:5432"}}',
      '    - {at: 1s, ping: {from: deploy/web, to: web.default.svc.cluster.local}}',
    ]);
    expect(s.map((x) => ('port' in x ? x.port : undefined))).toEqual([5432, 80, 80, 5432, undefined]);
    expect(s[2]).toMatchObject({ to: { kind: 'dns', name: 'web' } });
  });

  it('reports unknown workloads and ordinals beyond the replicas', () => {
    const text = file([
      '    - {at: 1s, ping: {from: deploy/nope, to: pod/db-2}}',
      '    - {at: 1s, ping: {from: sts/web, to: node/node1}}',
    ]);
    expect(issueLines(text)).toEqual([
      `x.yaml:${stepLine(0)}:29: spec.steps[0].ping.from: unknown deployment "nope" (known: web, shop/multi)`,
      `x.yaml:${stepLine(0)}:46: spec.steps[0].ping.to: unknown pod "db-2" (known: db-0, db-1)`,
      `x.yaml:${stepLine(1)}:29: spec.steps[1].ping.from: unknown statefulset "web" (known: db)`,
    ]);
  });

  it('says why a DNS name cannot be used: no cluster DNS, a node source, traceroute, expectations, no port', () => {
    const bad = [
      '    - {at: 1s, http: {from: node/node1, to: web}}',
      '    - {at: 1s, traceroute: {from: deploy/web, to: web}}',
      '    - {at: 1s, tcp: {from: deploy/web, to: web}}',
      '  expect:',
      '    - {reachable: {from: deploy/web, to: "web:80"}}',
    ];
    expect(issueLines(file(bad))).toEqual([
      `x.yaml:${stepLine(0)}:45: spec.steps[0].http.to: "web" is a DNS name, resolved through the cluster DNS, and only pods get its resolv.conf (nameserver kube-dns, search <ns>.svc.cluster.local …); start the step on pod/, deploy/ or sts/`,
      `x.yaml:${stepLine(1)}:51: spec.steps[1].traceroute.to: "web" is a DNS name; only ping, http, tcp and udp steps resolve names: name the target with a KIND/ prefix or an address`,
      `x.yaml:${stepLine(2)}:44: spec.steps[2].tcp.to: "web" needs a port (web:PORT)`,
      `x.yaml:${stepLine(4)}:42: spec.expect[0].reachable.to: "web:80" is a DNS name; expectations do not resolve names: name the target with a KIND/ prefix or an address`,
    ]);
    const plain = file(['    - {at: 1s, http: {from: deploy/web, to: web}}'], SMALL_CLUSTER);
    expect(issueLines(plain)).toEqual([
      `x.yaml:${stepLine(0, SMALL_CLUSTER)}:45: spec.steps[0].http.to: "web" is a DNS name, and the cluster has no DNS: set spec.dns: coredns in the Cluster`,
    ]);
  });

  it('knows kube-system/kube-dns when the cluster runs CoreDNS', () => {
    const s = steps(['    - {at: 1s, udp: {from: deploy/web, to: "svc/kube-system/kube-dns:dns"}}']);
    expect(s[0]).toMatchObject({ action: 'udp', port: 53 });
  });
});
