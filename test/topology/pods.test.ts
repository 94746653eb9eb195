import { describe, expect, it } from 'vitest';
import { formatCidr, renderSubnetEnv, subnetEnv, type Topology } from '../../src/topology/index.js';
import { CLUSTER, issueLines, loadOk, SMALL_CLUSTER, yaml } from './helpers.js';

// SMALL_CLUSTER is lines 1–9 (node1 on rack1, node2 on rack2); a document after it starts with `---` on line 10.

/** `kubectl run web --image=nginx --port=80 --dry-run=client -o yaml`, plus the node to run on. */
const KUBECTL_RUN = [
  '---',
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  creationTimestamp: null',
  '  labels:',
  '    run: web',
  '  name: web',
  'spec:',
  '  containers:',
  '  - image: nginx',
  '    name: web',
  '    ports:',
  '    - containerPort: 80',
  '    resources: {}',
  '  dnsPolicy: ClusterFirst',
  '  nodeName: node1',
  '  restartPolicy: Always',
  'status: {}',
];

/** A hand-written manifest with most of the fields real ones carry. */
const RICH_POD = [
  '---',
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  name: api-0',
  '  namespace: shop',
  '  labels: {app.kubernetes.io/name: api, tier: backend}',
  '  annotations:',
  '    podwire.io/mtu: "1400"',
  '    prometheus.io/scrape: "true"',
  'spec:',
  '  nodeName: node2',
  '  serviceAccountName: api',
  '  terminationGracePeriodSeconds: 30',
  '  nodeSelector: {disktype: ssd}',
  '  tolerations:',
  '    - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}',
  '  affinity:',
  '    podAntiAffinity:',
  '      preferredDuringSchedulingIgnoredDuringExecution: []',
  '  securityContext: {runAsNonRoot: true}',
  '  volumes:',
  '    - {name: cache, emptyDir: {}}',
  '  containers:',
  '    - name: api',
  '      image: ghcr.io/example/api:1.4.2',
  '      imagePullPolicy: IfNotPresent',
  '      command: [/api]',
  '      args: [--listen, ":8080"]',
  '      env:',
  '        - {name: LOG_LEVEL, value: debug}',
  '      ports:',
  '        - {name: http, containerPort: 8080}',
  '        - {name: dns, containerPort: 5353, protocol: UDP}',
  '      resources:',
  '        requests: {cpu: 100m, memory: 128Mi}',
  '        limits: {memory: 256Mi}',
  '      readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 5}',
  '      livenessProbe: {tcpSocket: {port: 8080}}',
  '      volumeMounts:',
  '        - {name: cache, mountPath: /cache}',
  '    - name: sidecar',
  '      image: busybox',
  '      command: [sleep, infinity]',
];

describe('Pod documents', () => {
  it('loads the manifest `kubectl run --dry-run=client -o yaml` writes, unchanged', () => {
    const t = loadOk(yaml(...SMALL_CLUSTER, ...KUBECTL_RUN));
    expect(t.pods).toEqual([
      {
        name: 'web',
        namespace: 'default',
        node: 'node1',
        labels: new Map([['run', 'web']]),
        annotations: new Map(),
        containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }],
        hostNetwork: false,
        restartPolicy: 'Always',
      },
    ]);
  });

  it('loads a manifest with probes, resources, volumes and tolerations, keeping what the fabric needs', () => {
    const t = loadOk(yaml(...SMALL_CLUSTER, ...RICH_POD));
    const [pod] = t.pods;
    expect(pod).toMatchObject({ name: 'api-0', namespace: 'shop', node: 'node2', mtuOverride: 1400 });
    expect([...(pod?.labels ?? [])]).toEqual([
      ['app.kubernetes.io/name', 'api'],
      ['tier', 'backend'],
    ]);
    expect([...(pod?.annotations ?? [])]).toEqual([
      ['podwire.io/mtu', '1400'],
      ['prometheus.io/scrape', 'true'],
    ]);
    expect(pod?.containers).toEqual([
      {
        name: 'api',
        image: 'ghcr.io/example/api:1.4.2',
        ports: [
          { containerPort: 8080, protocol: 'TCP', name: 'http' },
          { containerPort: 5353, protocol: 'UDP', name: 'dns' },
        ],
      },
      { name: 'sidecar', image: 'busybox', ports: [] },
    ]);
  });

  it('keeps pods in file order, with hostNetwork, restartPolicy and hostPort', () => {
    const t = loadOk(
      yaml(
        ...SMALL_CLUSTER,
        '---',
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: zeta}',
        'spec:',
        '  nodeName: node2',
        '  hostNetwork: true',
        '  restartPolicy: Never',
        '  containers: [{name: c, image: busybox, ports: [{containerPort: 9100, hostPort: 9100}]}]',
        ...KUBECTL_RUN,
      ),
    );
    expect(t.pods.map((p) => p.name)).toEqual(['zeta', 'web']);
    expect(t.pods[0]).toMatchObject({ hostNetwork: true, restartPolicy: 'Never' });
    expect(t.pods[0]?.containers[0]?.ports).toEqual([
      { containerPort: 9100, protocol: 'TCP', hostPort: 9100 },
    ]);
    expect(t.pods[0]?.mtuOverride).toBeUndefined();
  });

  it('leaves spec.nodeName to the scheduler, but a node it names must exist', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: pa}',
      'spec:',
      '  containers: [{name: c, image: busybox}]',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: pb}',
      'spec: {nodeName: node9, containers: [{name: c, image: busybox}]}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:20:18: spec.nodeName: unknown node "node9" (known: node1, node2)',
    ]);
    const t = loadOk(yaml(...SMALL_CLUSTER, ...text.split('\n').slice(9, 15)));
    expect(t.pods.map((p) => [p.name, p.node])).toEqual([['pa', undefined]]);
  });

  it('requires pod names to be unique per namespace, not across namespaces', () => {
    const pod = (meta: string, line: string[] = []) => [
      '---',
      'apiVersion: v1',
      'kind: Pod',
      `metadata: ${meta}`,
      ...line,
      'spec: {nodeName: node1, containers: [{name: c, image: busybox}]}',
    ];
    const text = yaml(
      ...SMALL_CLUSTER,
      ...pod('{name: web}'), // lines 10–14
      ...pod('{name: web, namespace: shop}'), // 15–19
      ...pod('{name: db}'), // 20–24
      ...pod('{namespace: default, name: web}'), // 25–29
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:28:38: metadata.name: pod "web" is already defined in namespace "default" at line 13',
    ]);
  });

  it('checks the podwire.io/mtu annotation: an integer from 68 to 65535', () => {
    const withMtu = (value: string) =>
      yaml(
        ...SMALL_CLUSTER,
        '---',
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        '  name: pa',
        `  annotations: {podwire.io/mtu: ${value}}`,
        'spec: {nodeName: node1, containers: [{name: c, image: busybox}]}',
      );
    expect(loadOk(withMtu('"68"')).pods[0]?.mtuOverride).toBe(68);
    expect(loadOk(withMtu('"65535"')).pods[0]?.mtuOverride).toBe(65535);
    const at = 'x.yaml:15:33: metadata.annotations["podwire.io/mtu"]';
    expect(issueLines(withMtu('"67"'))).toEqual([`${at}: "67" is not an MTU: an integer from 68 to 65535`]);
    expect(issueLines(withMtu('"65536"'))).toEqual([
      `${at}: "65536" is not an MTU: an integer from 68 to 65535`,
    ]);
    expect(issueLines(withMtu('"01400"'))).toEqual([
      `${at}: "01400" is not an MTU: an integer from 68 to 65535`,
    ]);
    expect(issueLines(withMtu('jumbo'))).toEqual([
      `${at}: "jumbo" is not an MTU: an integer from 68 to 65535`,
    ]);
    // Annotation values are strings in Kubernetes: an unquoted number is refused, as kubectl refuses it.
    expect(issueLines(withMtu('1400'))).toEqual([`${at}: expected a string, got number 1400`]);
  });

  it('reports unknown and malformed fields with their file:line:col, strictly', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: Web, labels: {version: 2}, uid: abc}',
      'spec:',
      '  nodeName: node1',
      '  hostNetwrk: true',
      '  containers:',
      '    - name: app',
      '      image: nginx',
      '      imagePullPolicy: Sometimes',
      '      ports: [{containerPort: 0, protocol: SCTP, name: http_alt}]',
      '    - {name: app, image: busybox}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:13:18: metadata.name: "Web" is not a DNS subdomain: lowercase letters, digits, "-" and ".", at most 253 characters',
      'x.yaml:13:41: metadata.labels.version: expected a string, got number 2',
      'x.yaml:13:45: metadata.uid: unknown field "uid" (known: name, namespace, labels, annotations, creationTimestamp)',
      'x.yaml:16:3: spec.hostNetwrk: unknown field "hostNetwrk" (known: containers, initContainers, ephemeralContainers, nodeName, nodeSelector, affinity, tolerations, topologySpreadConstraints, schedulerName, priority, priorityClassName, preemptionPolicy, hostname, subdomain, setHostnameAsFQDN, hostNetwork, hostPID, hostIPC, shareProcessNamespace, restartPolicy, dnsPolicy, dnsConfig, hostAliases, terminationGracePeriodSeconds, activeDeadlineSeconds, serviceAccountName, serviceAccount, automountServiceAccountToken, enableServiceLinks, readinessGates, runtimeClassName, overhead, os, schedulingGates, resourceClaims, volumes, securityContext, imagePullSecrets)',
      'x.yaml:20:24: spec.containers[0].imagePullPolicy: string "Sometimes" is not allowed (expected "Always", "IfNotPresent" or "Never")',
      'x.yaml:21:31: spec.containers[0].ports[0].containerPort: 0 is out of range (1..65535)',
      'x.yaml:21:44: spec.containers[0].ports[0].protocol: string "SCTP" is not allowed (expected "TCP" or "UDP")',
      'x.yaml:21:56: spec.containers[0].ports[0].name: "http_alt" is not a port name: at most 15 lowercase letters, digits and "-", with at least one letter',
    ]);
  });

  it('checks container names per pod once the shape is right', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: pa}',
      'spec:',
      '  nodeName: node1',
      '  containers: [{name: app, image: nginx}, {name: app, image: busybox}]',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:16:50: spec.containers[1].name: "app" is listed twice (first at spec.containers[0].name)',
    ]);
  });

  it('requires apiVersion v1, a name and at least one container', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      '---',
      'apiVersion: apps/v1',
      'kind: Pod',
      'metadata: {namespace: shop}',
      'spec: {nodeName: node1, containers: []}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:11:13: apiVersion: string "apps/v1" is not allowed (expected "v1")',
      'x.yaml:13:11: metadata.name: missing required field (expected a string)',
      'x.yaml:14:37: spec.containers: needs at least 1 entry',
    ]);
  });
});

describe('pod/ references in the Scenario', () => {
  const pods = [
    ...KUBECTL_RUN, // lines 10–28
    '---',
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: dns, namespace: kube-system}',
    'spec: {nodeName: node2, containers: [{name: c, image: coredns}]}', // lines 29–33
  ];
  const scenario = ['---', 'apiVersion: podwire/v1', 'kind: Scenario', 'spec:']; // lines 34–37

  it('parses pod/NAME (namespace default) and pod/NAMESPACE/NAME', () => {
    const t = loadOk(
      yaml(
        ...SMALL_CLUSTER,
        ...pods,
        ...scenario,
        '  steps:',
        '    - {at: 1s, ping: {from: pod/web, to: pod/kube-system/dns}}',
        '  expect:',
        '    - {reachable: {from: pod/default/web, to: pod/kube-system/dns}}',
      ),
    );
    const [step] = t.scenario.steps;
    expect(step?.action === 'ping' ? [step.from, step.to] : []).toEqual([
      { kind: 'pod', name: 'web', namespace: 'default', text: 'pod/web' },
      { kind: 'pod', name: 'dns', namespace: 'kube-system', text: 'pod/kube-system/dns' },
    ]);
    expect(t.scenario.expectations[0]?.from).toEqual({
      kind: 'pod',
      name: 'web',
      namespace: 'default',
      text: 'pod/default/web',
    });
  });

  it('reports pods that do not exist, naming the namespace when it is not default', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...pods,
      ...scenario,
      '  steps:',
      '    - {at: 1s, ping: {from: pod/dns, to: pod/shop/web}}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:39:29: spec.steps[0].ping.from: unknown pod "dns" (known: web, kube-system/dns)',
      'x.yaml:39:42: spec.steps[0].ping.to: unknown pod "shop/web" (known: web, kube-system/dns)',
    ]);
  });

  it('refuses malformed pod references', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...pods,
      ...scenario,
      '  steps:',
      '    - {at: 2s, ping: {from: pod/, to: pod/a/b/c}}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:39:29: spec.steps[0].ping.from: "pod/" is not node/NAME, router/NAME, host/NAME, pod/[NAMESPACE/]NAME, deploy/[NAMESPACE/]NAME, sts/[NAMESPACE/]NAME, svc/[NAMESPACE/]NAME, an IPv4 address or a DNS name, with an optional :PORT',
      'x.yaml:39:39: spec.steps[0].ping.to: "pod/a/b/c" is not node/NAME, router/NAME, host/NAME, pod/[NAMESPACE/]NAME, deploy/[NAMESPACE/]NAME, sts/[NAMESPACE/]NAME, svc/[NAMESPACE/]NAME, an IPv4 address or a DNS name, with an optional :PORT',
    ]);
  });
});

/** A cluster of three nodes on a segment of the given MTU, with the given network settings. */
function threeNodes(network: string[], mtu = 1500): Topology {
  return loadOk(
    yaml(
      ...CLUSTER,
      'spec:',
      '  network:',
      ...network.map((l) => `    ${l}`),
      '  underlay:',
      `    - {name: rack1, cidr: 192.168.56.0/24, mtu: ${mtu}}`,
      '  nodes:',
      '    - {name: master, subnet: rack1}',
      '    - {name: node1, subnet: rack1}',
      '    - {name: node2, subnet: rack1}',
    ),
  );
}

describe('node podCIDRs', () => {
  it('hands out clusterCIDR blocks in declared node order from the first block', () => {
    const t = threeNodes(['backend: vxlan']);
    expect(t.nodes.map((n) => `${n.name} ${formatCidr(n.podCIDR)}`)).toEqual([
      'master 10.244.0.0/24',
      'node1 10.244.1.0/24',
      'node2 10.244.2.0/24',
    ]);
  });

  it('uses nodeCIDRMaskSize for the block size', () => {
    const t = threeNodes(['clusterCIDR: 10.200.0.0/23', 'nodeCIDRMaskSize: 26']);
    expect(t.nodes.map((n) => formatCidr(n.podCIDR))).toEqual([
      '10.200.0.0/26',
      '10.200.0.64/26',
      '10.200.0.128/26',
    ]);
  });
});

describe('subnetEnv() and renderSubnetEnv()', () => {
  const envOf = (t: Topology, name: string): string => {
    const node = t.nodes.find((n) => n.name === name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return renderSubnetEnv(subnetEnv(t, node));
  };

  it('writes /run/flannel/subnet.env as flanneld does: the lease with .1, MTU less 50 for vxlan', () => {
    expect(envOf(threeNodes(['backend: vxlan']), 'node1')).toBe(
      'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n',
    );
  });

  it('takes the backend overhead off the underlay MTU: vxlan 50, DirectRouting 50, udp 28, host-gw 0', () => {
    const mtu = (backend: string, underlay: number): string =>
      envOf(threeNodes([`backend: ${backend}`], underlay), 'node2').split('\n')[2] ?? '';
    expect(mtu('vxlan-directrouting', 9000)).toBe('FLANNEL_MTU=8950');
    expect(mtu('udp', 1500)).toBe('FLANNEL_MTU=1472');
    expect(mtu('host-gw', 1500)).toBe('FLANNEL_MTU=1500');
  });

  it('prints the lease prefix length of the node block', () => {
    const t = threeNodes(['clusterCIDR: 10.200.0.0/23', 'nodeCIDRMaskSize: 26', 'backend: host-gw']);
    expect(envOf(t, 'node2')).toBe(
      'FLANNEL_NETWORK=10.200.0.0/23\nFLANNEL_SUBNET=10.200.0.129/26\nFLANNEL_MTU=1500\nFLANNEL_IPMASQ=true\n',
    );
  });
});
