import { describe, expect, it } from 'vitest';
import { getEndpointSlices, getEndpoints, getNodes, getServices } from '../../../src/inspect/index.js';
import type { EndpointSlice, Endpoints, Node, Service } from '../../../src/k8s/index.js';
import { H, M, meta } from './fixtures.js';

const NOW = 10 * M;
const opts = { output: 'table', allNamespaces: false, nowNs: NOW } as const;
const WARNING = 'Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n';

const INFO = {
  kubeletVersion: 'v1.34.1',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  kernelVersion: '6.8.0-45-generic',
  containerRuntimeVersion: 'containerd://2.1.3',
};

function node(
  name: string,
  fields: {
    labels?: Record<string, string>;
    ready?: 'True' | 'False';
    unschedulable?: boolean;
    ip?: string;
    externalIp?: string;
    created?: number;
    info?: Record<string, string>;
  },
): Node {
  const addresses = [
    ...(fields.ip !== undefined ? [{ type: 'InternalIP' as const, address: fields.ip }] : []),
    ...(fields.externalIp !== undefined ? [{ type: 'ExternalIP' as const, address: fields.externalIp }] : []),
    { type: 'Hostname' as const, address: name },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...meta(name, { creationTimestamp: fields.created ?? 0, labels: fields.labels }),
      namespace: undefined,
    },
    spec: fields.unschedulable === true ? { unschedulable: true } : {},
    status: {
      conditions:
        fields.ready === undefined
          ? []
          : [
              { type: 'MemoryPressure', status: 'False' },
              { type: 'Ready', status: fields.ready },
            ],
      addresses,
      nodeInfo: fields.info ?? INFO,
    },
  };
}

const NODES = [
  node('node-3', { ready: 'True', unschedulable: true, ip: '172.18.0.5' }),
  node('node-2', {
    labels: { 'kubernetes.io/role': 'worker', 'node-role.kubernetes.io/ingress': '' },
    info: { kubeletVersion: 'v1.34.1' },
  }),
  node('cp-1', { labels: { 'node-role.kubernetes.io/control-plane': '' }, ready: 'True', ip: '172.18.0.2' }),
  node('node-1', {
    ready: 'False',
    unschedulable: true,
    ip: '172.18.0.3',
    externalIp: '203.0.113.9',
    created: NOW - 4 * H,
  }),
];

describe('getNodes()', () => {
  it('prints STATUS from the Ready condition and cordon, ROLES from labels, VERSION from nodeInfo', () => {
    expect(getNodes(NODES, { ...opts, namespace: 'ignored' }).stdout).toBe(
      [
        'NAME     STATUS                        ROLES            AGE   VERSION',
        'cp-1     Ready                         control-plane    10m   v1.34.1',
        'node-1   NotReady,SchedulingDisabled   <none>           4h    v1.34.1',
        'node-2   Unknown                       ingress,worker   10m   v1.34.1',
        'node-3   Ready,SchedulingDisabled      <none>           10m   v1.34.1',
        '',
      ].join('\n'),
    );
  });

  it('-o wide adds addresses and software, <unknown> when unreported; -A adds no NAMESPACE', () => {
    expect(getNodes(NODES, { ...opts, output: 'wide', allNamespaces: true }).stdout).toBe(
      [
        'NAME     STATUS                        ROLES            AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION     CONTAINER-RUNTIME',
        'cp-1     Ready                         control-plane    10m   v1.34.1   172.18.0.2    <none>        Debian GNU/Linux 12 (bookworm)   6.8.0-45-generic   containerd://2.1.3',
        'node-1   NotReady,SchedulingDisabled   <none>           4h    v1.34.1   172.18.0.3    203.0.113.9   Debian GNU/Linux 12 (bookworm)   6.8.0-45-generic   containerd://2.1.3',
        'node-2   Unknown                       ingress,worker   10m   v1.34.1   <none>        <none>        <unknown>                        <unknown>          <unknown>',
        'node-3   Ready,SchedulingDisabled      <none>           10m   v1.34.1   172.18.0.5    <none>        Debian GNU/Linux 12 (bookworm)   6.8.0-45-generic   containerd://2.1.3',
        '',
      ].join('\n'),
    );
  });

  it('says "No resources found" without a namespace for a cluster-scoped kind', () => {
    expect(getNodes([], opts)).toEqual({ stdout: '', stderr: 'No resources found\n' });
    expect(getNodes(NODES, { ...opts, name: 'x' }).stderr).toBe(
      'Error from server (NotFound): nodes "x" not found\n',
    );
    expect(getNodes(NODES, { ...opts, output: 'name' }).stdout).toBe(
      'node/cp-1\nnode/node-1\nnode/node-2\nnode/node-3\n',
    );
  });
});

function service(name: string, spec: Service['spec'], status: Service['status'] = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec, status };
}

const SERVICES = [
  service('web', {
    type: 'NodePort',
    clusterIP: '10.96.12.7',
    clusterIPs: ['10.96.12.7'],
    selector: { tier: 'front', app: 'web' },
    ports: [
      { port: 80, protocol: 'TCP', nodePort: 30080 },
      { port: 443, protocol: 'TCP', nodePort: 30443 },
    ],
  }),
  service('kubernetes', {
    type: 'ClusterIP',
    clusterIPs: ['10.96.0.1'],
    ports: [{ name: 'https', port: 443 }],
  }),
  service('db', {
    type: 'ClusterIP',
    clusterIP: 'None',
    clusterIPs: ['None'],
    selector: { app: 'db' },
    ports: [{ port: 5432 }],
  }),
  service('ext', { type: 'ExternalName', externalName: 'db.example.com' }),
  service('lb', {
    type: 'LoadBalancer',
    clusterIPs: ['10.96.40.1'],
    selector: { app: 'lb' },
    ports: [{ port: 80, nodePort: 31000 }],
  }),
  service(
    'lb2',
    {
      type: 'LoadBalancer',
      clusterIPs: ['10.96.40.2'],
      selector: { app: 'lb' },
      ports: [{ port: 80, nodePort: 31001 }],
    },
    { loadBalancer: { ingress: [{ ip: '203.0.113.2' }, { ip: '203.0.113.10' }] } },
  ),
  service('dns', {
    clusterIPs: ['10.96.0.10'],
    selector: { 'k8s-app': 'kube-dns' },
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
  }),
];

describe('getServices()', () => {
  it('prints CLUSTER-IP, EXTERNAL-IP per type and PORT(S) as makePortString does', () => {
    expect(getServices(SERVICES, opts).stdout).toBe(
      [
        'NAME         TYPE           CLUSTER-IP   EXTERNAL-IP        PORT(S)                      AGE',
        'db           ClusterIP      None         <none>             5432/TCP                     10m',
        'dns          ClusterIP      10.96.0.10   <none>             53/UDP,53/TCP                10m',
        'ext          ExternalName   <none>       db.example.com     <none>                       10m',
        'kubernetes   ClusterIP      10.96.0.1    <none>             443/TCP                      10m',
        'lb           LoadBalancer   10.96.40.1   <pending>          80:31000/TCP                 10m',
        'lb2          LoadBalancer   10.96.40.2   203.0.113.10,...   80:31001/TCP                 10m',
        'web          NodePort       10.96.12.7   <none>             80:30080/TCP,443:30443/TCP   10m',
        '',
      ].join('\n'),
    );
  });

  it('-o wide shows the whole load-balancer list and the SELECTOR', () => {
    expect(getServices(SERVICES, { ...opts, output: 'wide' }).stdout).toBe(
      [
        'NAME         TYPE           CLUSTER-IP   EXTERNAL-IP                PORT(S)                      AGE   SELECTOR',
        'db           ClusterIP      None         <none>                     5432/TCP                     10m   app=db',
        'dns          ClusterIP      10.96.0.10   <none>                     53/UDP,53/TCP                10m   k8s-app=kube-dns',
        'ext          ExternalName   <none>       db.example.com             <none>                       10m   <none>',
        'kubernetes   ClusterIP      10.96.0.1    <none>                     443/TCP                      10m   <none>',
        'lb           LoadBalancer   10.96.40.1   <pending>                  80:31000/TCP                 10m   app=lb',
        'lb2          LoadBalancer   10.96.40.2   203.0.113.10,203.0.113.2   80:31001/TCP                 10m   app=lb',
        'web          NodePort       10.96.12.7   <none>                     80:30080/TCP,443:30443/TCP   10m   app=web,tier=front',
        '',
      ].join('\n'),
    );
  });
});

function endpoints(name: string, subsets?: Endpoints['subsets']): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: meta(name), ...(subsets ? { subsets } : {}) };
}

describe('getEndpoints()', () => {
  it('shows three ip:port pairs then "+ N more...", and warns that v1 Endpoints is deprecated', () => {
    const eps = [
      endpoints('web', [
        {
          addresses: [{ ip: '10.244.1.2' }, { ip: '10.244.2.3' }],
          ports: [
            { name: 'http', port: 80, protocol: 'TCP' },
            { name: 'https', port: 443, protocol: 'TCP' },
          ],
        },
      ]),
      endpoints('db'),
      endpoints('headless', [{ addresses: [{ ip: '10.244.1.9' }] }]),
      endpoints('notready', [
        { notReadyAddresses: [{ ip: '10.244.1.7' }], ports: [{ port: 80, protocol: 'TCP' }] },
      ]),
    ];
    expect(getEndpoints(eps, opts)).toEqual({
      stdout: [
        'NAME       ENDPOINTS                                                AGE',
        'db         <none>                                                   10m',
        'headless   10.244.1.9                                               10m',
        'notready                                                            10m',
        'web        10.244.1.2:80,10.244.2.3:80,10.244.1.2:443 + 1 more...   10m',
        '',
      ].join('\n'),
      stderr: WARNING,
    });
    expect(getEndpoints([], opts).stderr).toBe(`${WARNING}No resources found in default namespace.\n`);
  });
});

function slice(name: string, ports: EndpointSlice['ports'], addresses: string[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(name),
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
    ...(ports ? { ports } : {}),
  };
}

describe('getEndpointSlices()', () => {
  it('prints ADDRESSTYPE, PORTS and ENDPOINTS with the three-item limit and <unset>', () => {
    const slices = [
      slice(
        'web-abcde',
        [
          { port: 80, protocol: 'TCP' },
          { port: 443, protocol: 'TCP' },
        ],
        ['10.244.1.2', '10.244.2.3'],
      ),
      slice('big-x1', [{ name: 'http' }], ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']),
      slice('empty-x2', undefined, []),
    ];
    expect(getEndpointSlices(slices, opts).stdout).toBe(
      [
        'NAME        ADDRESSTYPE   PORTS     ENDPOINTS                                AGE',
        'big-x1      IPv4          http      10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...   10m',
        'empty-x2    IPv4          <unset>   <unset>                                  10m',
        'web-abcde   IPv4          80,443    10.244.1.2,10.244.2.3                    10m',
        '',
      ].join('\n'),
    );
    expect(getEndpointSlices(slices.slice(2), { ...opts, output: 'name' }).stdout).toBe(
      'endpointslice.discovery.k8s.io/empty-x2\n',
    );
  });
});
