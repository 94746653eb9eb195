import { describe, expect, it } from 'vitest';
import { formatIp4, kubernetesService, loadTopologyText, parseIp4 } from '../../src/topology/index.js';
import { issueLines, loadOk, SMALL_CLUSTER, yaml } from './helpers.js';

// SMALL_CLUSTER is lines 1–9; a Service after it has `---` on line 10, `kind` on 12, `metadata` on 13
// and `spec:` on 14, so its spec fields start on line 15.
const SERVICE = ['---', 'apiVersion: v1', 'kind: Service'];

const ip = (text: string): number => {
  const parsed = parseIp4(text);
  if (parsed === undefined) throw new Error(`bad test address ${text}`);
  return parsed;
};

describe('kind: Service documents', () => {
  it('applies the API server defaults to a minimal Service', () => {
    const t = loadOk(
      yaml(...SMALL_CLUSTER, ...SERVICE, 'metadata: {name: web}', 'spec:', '  ports: [{port: 80}]'),
    );
    expect(t.services).toEqual([
      {
        name: 'web',
        namespace: 'default',
        labels: new Map(),
        annotations: new Map(),
        type: 'ClusterIP',
        selector: undefined,
        ports: [{ name: '', protocol: 'TCP', port: 80, targetPort: 80 }],
        clusterIP: undefined,
        externalIPs: [],
        sessionAffinity: 'None',
        affinityTimeoutSeconds: 10800,
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        loadBalancerSourceRanges: [],
        allocateLoadBalancerNodePorts: true,
        publishNotReadyAddresses: false,
      },
    ]);
  });

  it('keeps every field of a LoadBalancer Service as written, and ignores status', () => {
    const t = loadOk(
      yaml(
        ...SMALL_CLUSTER,
        ...SERVICE,
        'metadata:',
        '  name: shop',
        '  namespace: store',
        '  labels: {app: shop}',
        '  annotations: {team: payments}',
        '  creationTimestamp: null',
        'spec:',
        '  type: LoadBalancer',
        '  selector: {app: shop, tier: web}',
        '  ports:',
        '    - {name: https, protocol: TCP, port: 443, targetPort: web, nodePort: 30443, appProtocol: https}',
        '    - {name: quic, protocol: UDP, port: 443, targetPort: 8443, nodePort: 30443}',
        '  clusterIP: 10.96.12.34',
        '  clusterIPs: [10.96.12.34]',
        '  externalIPs: [192.168.56.200]',
        '  sessionAffinity: ClientIP',
        '  sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}',
        '  externalTrafficPolicy: Local',
        '  internalTrafficPolicy: Local',
        '  healthCheckNodePort: 32000',
        '  loadBalancerIP: 192.168.56.250',
        '  loadBalancerSourceRanges: [192.168.0.0/16]',
        '  loadBalancerClass: example.com/lb',
        '  allocateLoadBalancerNodePorts: false',
        '  publishNotReadyAddresses: true',
        '  ipFamilies: [IPv4]',
        '  ipFamilyPolicy: SingleStack',
        '  trafficDistribution: PreferClose',
        'status: {loadBalancer: {}}',
      ),
    );
    expect(t.services).toEqual([
      {
        name: 'shop',
        namespace: 'store',
        labels: new Map([['app', 'shop']]),
        annotations: new Map([['team', 'payments']]),
        type: 'LoadBalancer',
        selector: new Map([
          ['app', 'shop'],
          ['tier', 'web'],
        ]),
        ports: [
          {
            name: 'https',
            protocol: 'TCP',
            port: 443,
            targetPort: 'web',
            nodePort: 30443,
            appProtocol: 'https',
          },
          { name: 'quic', protocol: 'UDP', port: 443, targetPort: 8443, nodePort: 30443 },
        ],
        clusterIP: ip('10.96.12.34'),
        externalIPs: [ip('192.168.56.200')],
        sessionAffinity: 'ClientIP',
        affinityTimeoutSeconds: 600,
        externalTrafficPolicy: 'Local',
        internalTrafficPolicy: 'Local',
        healthCheckNodePort: 32000,
        loadBalancerIP: ip('192.168.56.250'),
        loadBalancerSourceRanges: [{ network: ip('192.168.0.0'), prefixLen: 16 }],
        loadBalancerClass: 'example.com/lb',
        allocateLoadBalancerNodePorts: false,
        publishNotReadyAddresses: true,
        trafficDistribution: 'PreferClose',
      },
    ]);
  });

  it('loads headless and ExternalName Services, which may have no ports', () => {
    const t = loadOk(
      yaml(
        ...SMALL_CLUSTER,
        ...SERVICE,
        'metadata: {name: db}',
        'spec: {clusterIP: None, selector: {app: db}}',
        ...SERVICE,
        'metadata: {name: search}',
        'spec: {type: ExternalName, externalName: search.example.com.}',
      ),
    );
    expect(t.services.map((s) => [s.name, s.type, s.clusterIP, s.externalName, s.ports.length])).toEqual([
      ['db', 'ClusterIP', 'None', undefined, 0],
      ['search', 'ExternalName', undefined, 'search.example.com.', 0],
    ]);
  });

  it('reads clusterIPs alone as the ClusterIP, "" as none, and an empty selector as no selector', () => {
    const t = loadOk(
      yaml(
        ...SMALL_CLUSTER,
        ...SERVICE,
        'metadata: {name: a}',
        'spec: {clusterIPs: [10.96.0.10], selector: {}, ports: [{port: 53, protocol: UDP}]}',
        ...SERVICE,
        'metadata: {name: b}',
        'spec: {clusterIP: "", ports: [{port: 80}]}',
      ),
    );
    expect(t.services.map((s) => [s.clusterIP, s.selector])).toEqual([
      [ip('10.96.0.10'), undefined],
      [undefined, undefined],
    ]);
  });

  it('keeps the Services in file order, between Pods and around the Cluster', () => {
    const t = loadOk(
      yaml(
        ...SERVICE.slice(1),
        'metadata: {name: first}',
        'spec: {ports: [{port: 1}]}',
        '---',
        ...SMALL_CLUSTER,
        ...SERVICE,
        'metadata: {name: second, namespace: kube-system}',
        'spec: {ports: [{port: 2}]}',
      ),
    );
    expect(t.services.map((s) => `${s.namespace}/${s.name}`)).toEqual([
      'default/first',
      'kube-system/second',
    ]);
  });

  it('makes default/kubernetes as the API server does', () => {
    const k = kubernetesService({ network: ip('10.100.0.0'), prefixLen: 16 });
    expect(formatIp4(typeof k.clusterIP === 'number' ? k.clusterIP : 0)).toBe('10.100.0.1');
    expect(k.ports).toEqual([{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }]);
    expect([k.namespace, k.name, k.type, k.selector]).toEqual([
      'default',
      'kubernetes',
      'ClusterIP',
      undefined,
    ]);
  });
});

describe('Service documents: shape and formats', () => {
  it('names unknown fields with the known ones, in the spec and in a port', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...SERVICE,
      'metadata: {name: web}',
      'spec:',
      '  topologyKeys: ["*"]',
      '  ports: [{port: 80, hostPort: 80}]',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:15:3: spec.topologyKeys: unknown field "topologyKeys" (known: type, selector, ports, clusterIP, clusterIPs, externalIPs, sessionAffinity, sessionAffinityConfig, externalTrafficPolicy, internalTrafficPolicy, healthCheckNodePort, loadBalancerIP, loadBalancerSourceRanges, loadBalancerClass, allocateLoadBalancerNodePorts, externalName, publishNotReadyAddresses, ipFamilies, ipFamilyPolicy, trafficDistribution)',
      'x.yaml:16:22: spec.ports[0].hostPort: unknown field "hostPort" (known: name, protocol, appProtocol, port, targetPort, nodePort)',
    ]);
  });

  it('refuses names, protocols, ports and addresses Kubernetes refuses', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...SERVICE,
      'metadata: {name: Web_1}',
      'spec:',
      '  type: NodePort',
      '  clusterIP: 10.96.0.300',
      '  ports:',
      '    - {name: a, port: 0, protocol: SCTP}',
      '    - {name: b, port: 80, targetPort: 0, nodePort: 80}',
      '    - {name: c, port: 81, targetPort: Http_x}',
      '  ipFamilies: [IPv6]',
      '  sessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:13:18: metadata.name: "Web_1" is not a DNS-1035 label: lowercase letters, digits and "-", starting with a letter, at most 63 characters',
      'x.yaml:16:14: spec.clusterIP: "10.96.0.300" is not an IPv4 address such as 192.168.56.11',
      'x.yaml:18:23: spec.ports[0].port: 0 is out of range (1..65535)',
      'x.yaml:18:36: spec.ports[0].protocol: string "SCTP" is not allowed (expected "TCP" or "UDP")',
      'x.yaml:19:39: spec.ports[1].targetPort: 0 is out of range (1..65535)',
      'x.yaml:19:52: spec.ports[1].nodePort: 80 is out of range (30000..32767)',
      'x.yaml:20:39: spec.ports[2].targetPort: "Http_x" is not a port name: at most 15 lowercase letters, digits and "-", with at least one letter',
      'x.yaml:21:16: spec.ipFamilies[0]: string "IPv6" is not allowed (expected "IPv4")',
      'x.yaml:22:54: spec.sessionAffinityConfig.clientIP.timeoutSeconds: 0 is out of range (1..86400)',
    ]);
  });
});

/** The issue lines of one Service document (after SMALL_CLUSTER) whose spec is the given lines. */
function specIssues(...spec: string[]): string[] {
  return issueLines(yaml(...SMALL_CLUSTER, ...SERVICE, 'metadata: {name: web}', 'spec:', ...spec));
}

describe('Service documents: rules between fields (ValidateService)', () => {
  it('needs a port unless headless or ExternalName, and a name on each of several ports', () => {
    expect(specIssues('  selector: {app: web}')).toEqual([
      'x.yaml:15:3: spec.ports: a ClusterIP Service needs at least one port (only headless and ExternalName Services may have none)',
    ]);
    expect(specIssues('  ports:', '    - {port: 80}', '    - {name: b, port: 81}')).toEqual([
      'x.yaml:16:7: spec.ports[0].name: required when a Service has more than one port',
    ]);
  });

  it('refuses duplicate port names, port/protocol pairs and nodePorts within a Service', () => {
    const lines = specIssues(
      '  type: NodePort',
      '  ports:',
      '    - {name: a, port: 53, protocol: UDP, nodePort: 30053}',
      '    - {name: b, port: 53, protocol: TCP, nodePort: 30053}',
      '    - {name: a, port: 53, protocol: UDP, nodePort: 30053}',
    );
    expect(lines).toEqual([
      'x.yaml:19:14: spec.ports[2].name: "a" is listed twice (first at spec.ports[0].name)',
      'x.yaml:19:23: spec.ports[2].port: "53/UDP" is listed twice (first at spec.ports[0].port)',
      'x.yaml:19:52: spec.ports[2].nodePort: "30053/UDP" is listed twice (first at spec.ports[0].nodePort)',
    ]);
  });

  it('allows nodePort only on NodePort and LoadBalancer Services', () => {
    expect(specIssues('  ports: [{port: 80, nodePort: 30080}]')).toEqual([
      'x.yaml:15:32: spec.ports[0].nodePort: may only be used when type is NodePort or LoadBalancer, not ClusterIP',
    ]);
  });

  it('allows externalTrafficPolicy only on externally-accessible Services', () => {
    expect(specIssues('  externalTrafficPolicy: Local', '  ports: [{port: 80}]')).toEqual([
      'x.yaml:15:26: spec.externalTrafficPolicy: may only be set for externally-accessible services (type NodePort or LoadBalancer, or with externalIPs)',
    ]);
    // A ClusterIP Service with externalIPs is externally accessible.
    expect(
      loadTopologyText(
        yaml(
          ...SMALL_CLUSTER,
          ...SERVICE,
          'metadata: {name: web}',
          'spec: {externalTrafficPolicy: Local, externalIPs: [192.168.56.200], ports: [{port: 80}]}',
        ),
        'x.yaml',
      ).ok,
    ).toBe(true);
  });

  it('allows healthCheckNodePort only on a LoadBalancer with externalTrafficPolicy Local', () => {
    expect(
      specIssues(
        '  type: NodePort',
        '  externalTrafficPolicy: Local',
        '  healthCheckNodePort: 32000',
        '  ports: [{port: 80}]',
      ),
    ).toEqual([
      'x.yaml:17:24: spec.healthCheckNodePort: may only be set when type is LoadBalancer and externalTrafficPolicy is Local',
    ]);
  });

  it('allows the load-balancer fields only on a LoadBalancer', () => {
    expect(
      specIssues(
        '  type: NodePort',
        '  allocateLoadBalancerNodePorts: false',
        '  loadBalancerClass: example.com/lb',
        '  loadBalancerSourceRanges: [10.0.0.0/8]',
        '  ports: [{port: 80}]',
      ),
    ).toEqual([
      'x.yaml:16:34: spec.allocateLoadBalancerNodePorts: may only be used when type is LoadBalancer, not NodePort',
      'x.yaml:17:22: spec.loadBalancerClass: may only be used when type is LoadBalancer, not NodePort',
      'x.yaml:18:29: spec.loadBalancerSourceRanges: may only be used when type is LoadBalancer, not NodePort',
    ]);
  });

  it('refuses a headless NodePort or LoadBalancer Service', () => {
    expect(specIssues('  type: LoadBalancer', '  clusterIPs: [None]', '  ports: [{port: 80}]')).toEqual([
      'x.yaml:16:16: spec.clusterIPs[0]: may not be "None" for a LoadBalancer Service',
    ]);
  });

  it('requires externalName on an ExternalName Service, and no ClusterIP or IP families', () => {
    expect(
      specIssues('  type: ExternalName', '  clusterIP: 10.96.0.10', '  ipFamilyPolicy: SingleStack'),
    ).toEqual([
      'x.yaml:15:3: spec.externalName: required when type is ExternalName',
      'x.yaml:16:14: spec.clusterIP: may not be set for ExternalName services',
      'x.yaml:17:19: spec.ipFamilyPolicy: may not be set for ExternalName services',
    ]);
    expect(specIssues('  type: ExternalName', '  externalName: -bad-')).toEqual([
      'x.yaml:16:17: spec.externalName: "-bad-" is not a DNS subdomain: lowercase letters, digits, "-" and ".", at most 253 characters',
    ]);
  });

  it('refuses sessionAffinityConfig without ClientIP affinity', () => {
    expect(
      specIssues('  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}', '  ports: [{port: 80}]'),
    ).toEqual(['x.yaml:15:26: spec.sessionAffinityConfig: must not be set when sessionAffinity is None']);
  });

  it('refuses dual-stack: two clusterIPs, RequireDualStack, and None beside an address', () => {
    expect(
      specIssues(
        '  clusterIPs: [10.96.0.10, 10.96.0.11]',
        '  ipFamilyPolicy: RequireDualStack',
        '  ports: [{port: 80}]',
      ),
    ).toEqual([
      'x.yaml:15:15: spec.clusterIPs: the cluster is IPv4 single-stack: it is not configured for dual-stack services',
      'x.yaml:16:19: spec.ipFamilyPolicy: the cluster is IPv4 single-stack: it is not configured for dual-stack services',
    ]);
    expect(specIssues('  clusterIPs: [None, 10.96.0.10]', '  ports: [{port: 80}]')).toEqual([
      'x.yaml:15:15: spec.clusterIPs: "None" must be the first and only value',
    ]);
    expect(
      specIssues('  clusterIP: 10.96.0.10', '  clusterIPs: [10.96.0.11]', '  ports: [{port: 80}]'),
    ).toEqual(['x.yaml:16:16: spec.clusterIPs[0]: the first value must match clusterIP']);
  });
});

describe('Service documents: between Services (names and the ClusterIP and NodePort allocators)', () => {
  it('refuses a second Service of the same name in a namespace, and the reserved default/kubernetes', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...SERVICE,
      'metadata: {name: web}',
      'spec: {ports: [{port: 80}]}',
      ...SERVICE,
      'metadata: {name: web, namespace: shop}',
      'spec: {ports: [{port: 80}]}',
      ...SERVICE,
      'metadata: {name: web}',
      'spec: {ports: [{port: 81}]}',
      ...SERVICE,
      'metadata: {name: kubernetes}',
      'spec: {ports: [{port: 443}]}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:23:18: metadata.name: service "web" is already defined in namespace "default" at line 13',
      "x.yaml:28:18: metadata.name: the Service default/kubernetes is podwire's own: it makes it as the API server does (ClusterIP 10.96.0.1, port 443/TCP); use another name",
    ]);
  });

  it('takes explicit ClusterIPs only from serviceCIDR, never its network, broadcast or first address, and once', () => {
    const svc = (name: string, clusterIP: string): string[] => [
      ...SERVICE,
      `metadata: {name: ${name}}`,
      `spec: {clusterIP: ${clusterIP}, ports: [{port: 80}]}`,
    ];
    const text = yaml(
      ...SMALL_CLUSTER,
      ...svc('a', '10.96.0.10'),
      ...svc('b', '10.96.0.10'),
      ...svc('c', '10.0.0.10'),
      ...svc('d', '10.96.0.0'),
      ...svc('e', '10.111.255.255'),
      ...svc('f', '10.96.0.1'),
      ...svc('g', '10.111.255.254'),
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:19:19: spec.clusterIP: 10.96.0.10 is already the ClusterIP of service default/a (line 13)',
      'x.yaml:24:19: spec.clusterIP: 10.0.0.10 is not in the serviceCIDR 10.96.0.0/12, the range ClusterIPs are allocated from',
      'x.yaml:29:19: spec.clusterIP: 10.96.0.0 is the network address of the serviceCIDR 10.96.0.0/12',
      'x.yaml:34:19: spec.clusterIP: 10.111.255.255 is the broadcast address of the serviceCIDR 10.96.0.0/12',
      'x.yaml:39:19: spec.clusterIP: 10.96.0.1 is the ClusterIP of the Service default/kubernetes (the first address of 10.96.0.0/12)',
    ]);
  });

  it('hands out a nodePort once across Services, whatever the protocol; one Service may use it for TCP and UDP', () => {
    const text = yaml(
      ...SMALL_CLUSTER,
      ...SERVICE,
      'metadata: {name: dns}',
      'spec:',
      '  type: NodePort',
      '  ports: [{name: u, port: 53, protocol: UDP, nodePort: 30053}, {name: t, port: 53, nodePort: 30053}]',
      ...SERVICE,
      'metadata: {name: other}',
      'spec:',
      '  type: LoadBalancer',
      '  externalTrafficPolicy: Local',
      '  healthCheckNodePort: 30053',
      '  ports: [{port: 80, protocol: UDP, nodePort: 30053}]',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:24:24: spec.healthCheckNodePort: nodePort 30053 is already allocated to service default/dns (line 13)',
      'x.yaml:25:47: spec.ports[0].nodePort: nodePort 30053 is already allocated to service default/dns (line 13)',
    ]);
  });

  it('checks explicit ClusterIPs against the serviceCIDR the Cluster document sets', () => {
    const cluster = SMALL_CLUSTER.slice(0, 3).concat(
      '  network: {serviceCIDR: 10.100.0.0/16}',
      ...SMALL_CLUSTER.slice(3),
    );
    const text = yaml(
      ...cluster,
      ...SERVICE,
      'metadata: {name: a}',
      'spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}',
    );
    expect(issueLines(text)).toEqual([
      'x.yaml:15:19: spec.clusterIP: 10.96.0.10 is not in the serviceCIDR 10.100.0.0/16, the range ClusterIPs are allocated from',
    ]);
  });
});
