import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getPods, getServices, goYaml, scalarStyle, yamlKeyLess } from '../../../src/inspect/index.js';
import type { Pod, Service } from '../../../src/k8s/index.js';
import { M, meta, S } from './fixtures.js';

const NOW = 10 * M;

const web: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('web', {
    creationTimestamp: 5 * S + 250_000_000,
    labels: { app: 'web' },
    annotations: { note: '<a & b>' },
  }),
  spec: {
    nodeName: 'node-1',
    containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }],
  },
  status: {
    phase: 'Running',
    podIP: '10.244.1.5',
    podIPs: [{ ip: '10.244.1.5' }],
    startTime: 6 * S,
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 65 * S }],
  },
};

describe('-o json', () => {
  it('prints one object for `get pod NAME`: keys sorted at every level, 4-space indent, RFC 3339 times, HTML escapes', () => {
    expect(getPods([web], { output: 'json', allNamespaces: false, nowNs: NOW, name: 'web' })).toEqual({
      stdout: `{
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "annotations": {
            "note": "\\u003ca \\u0026 b\\u003e"
        },
        "creationTimestamp": "1970-01-01T00:00:05Z",
        "generation": 1,
        "labels": {
            "app": "web"
        },
        "name": "web",
        "namespace": "default",
        "resourceVersion": "1",
        "uid": "uid-web"
    },
    "spec": {
        "containers": [
            {
                "image": "nginx",
                "name": "app",
                "ports": [
                    {
                        "containerPort": 80,
                        "protocol": "TCP"
                    }
                ]
            }
        ],
        "nodeName": "node-1"
    },
    "status": {
        "conditions": [
            {
                "lastTransitionTime": "1970-01-01T00:01:05Z",
                "status": "True",
                "type": "Ready"
            }
        ],
        "phase": "Running",
        "podIP": "10.244.1.5",
        "podIPs": [
            {
                "ip": "10.244.1.5"
            }
        ],
        "startTime": "1970-01-01T00:00:06Z"
    }
}
`,
      stderr: '',
    });
  });

  it('wraps a list in a v1 List with an empty resourceVersion, also when it is empty', () => {
    expect(getPods([], { output: 'json', allNamespaces: false, nowNs: NOW })).toEqual({
      stdout:
        '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n',
      stderr: '',
    });
  });

  it('drops metadata.generation for a Service, which the API server does not set', () => {
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('web'),
      spec: { clusterIPs: ['10.96.0.9'] },
    };
    const out = JSON.parse(getServices([svc], { output: 'json', allNamespaces: false, nowNs: NOW }).stdout);
    expect(out.items[0].metadata).toEqual({
      creationTimestamp: '1970-01-01T00:00:00Z',
      name: 'web',
      namespace: 'default',
      resourceVersion: '1',
      uid: 'uid-web',
    });
  });

  it('parses back to the stored pods, times as RFC 3339 seconds (property)', () => {
    const label = fc.string({
      unit: fc.constantFrom('a', 'b', 'z', '0', '9', '-', '.', '<', '&', 'é', '"', '\\'),
      minLength: 1,
      maxLength: 8,
    });
    const podArb = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
      seconds: fc.integer({ min: 0, max: 4_000_000_000 }),
      labels: fc.dictionary(label, label, { maxKeys: 4 }),
      ip: fc.ipV4(),
    });
    fc.assert(
      fc.property(fc.uniqueArray(podArb, { selector: (p) => p.name, maxLength: 5 }), (specs) => {
        const pods: Pod[] = specs.map((p) => ({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: meta(p.name, { creationTimestamp: p.seconds * S, labels: p.labels }),
          spec: { containers: [{ name: 'c', image: 'i' }] },
          status: { phase: 'Running', podIP: p.ip, startTime: p.seconds * S },
        }));
        const back = JSON.parse(getPods(pods, { output: 'json', allNamespaces: true, nowNs: NOW }).stdout);
        const sorted = [...pods].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
        const iso = (sec: number) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
        expect(back.items).toEqual(
          sorted.map((p) => ({
            ...p,
            metadata: { ...p.metadata, creationTimestamp: iso(p.metadata.creationTimestamp / S) },
            status: { ...p.status, startTime: iso((p.status?.startTime ?? 0) / S) },
          })),
        );
      }),
    );
  });
});

describe('-o yaml', () => {
  it('prints the object with sorted keys, indentless sequences and quoted look-alike strings', () => {
    const pod: Pod = {
      ...web,
      metadata: { ...web.metadata, annotations: { port: '80', enabled: 'true', empty: '', text: 'a: b' } },
    };
    expect(getPods([pod], { output: 'yaml', allNamespaces: false, nowNs: NOW, name: 'web' }).stdout).toBe(
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        '  annotations:',
        '    empty: ""',
        '    enabled: "true"',
        '    port: "80"',
        "    text: 'a: b'",
        '  creationTimestamp: "1970-01-01T00:00:05Z"',
        '  generation: 1',
        '  labels:',
        '    app: web',
        '  name: web',
        '  namespace: default',
        '  resourceVersion: "1"',
        '  uid: uid-web',
        'spec:',
        '  containers:',
        '  - image: nginx',
        '    name: app',
        '    ports:',
        '    - containerPort: 80',
        '      protocol: TCP',
        '  nodeName: node-1',
        'status:',
        '  conditions:',
        '  - lastTransitionTime: "1970-01-01T00:01:05Z"',
        '    status: "True"',
        '    type: Ready',
        '  phase: Running',
        '  podIP: 10.244.1.5',
        '  podIPs:',
        '  - ip: 10.244.1.5',
        '  startTime: "1970-01-01T00:00:06Z"',
        '',
      ].join('\n'),
    );
  });

  it('wraps a list as kubectl does and prints an empty one as items: []', () => {
    expect(getPods([], { output: 'yaml', allNamespaces: true, nowNs: NOW }).stdout).toBe(
      'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n',
    );
  });

  it('folds a long message at column 80, continuing at the indent + 2', () => {
    const message =
      '0/3 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    expect(goYaml({ status: { conditions: [{ message, type: 'PodScheduled' }] } })).toBe(
      [
        'status:',
        '  conditions:',
        "  - message: '0/3 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane:",
        "      }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.'",
        '    type: PodScheduled',
        '',
      ].join('\n'),
    );
  });

  it('writes multi-line strings as literal blocks with go-yaml chomping indicators', () => {
    expect(goYaml({ a: 'x\ny', b: 'x\n', c: [], d: {} })).toBe('a: |-\n  x\n  y\nb: |\n  x\nc: []\nd: {}\n');
  });

  it('chooses plain, single-quoted or double-quoted as go-yaml v2 resolves the text', () => {
    const cases: [string, string][] = [
      ['web', 'plain'],
      ['<none>', 'plain'],
      ['10.244.1.5', 'plain'],
      ['80', 'double'],
      ['0x1F', 'double'],
      ['1e3', 'double'],
      ['yes', 'double'],
      ['Off', 'double'],
      ['~', 'double'],
      ['2024-01-15', 'double'],
      ['1:20', 'double'],
      ['*', 'single'],
      ['- x', 'single'],
      ['a #b', 'single'],
      [' lead', 'single'],
      ['tab\there', 'double'],
      ['a\nb', 'literal'],
      ['a \nb', 'double'],
    ];
    for (const [text, style] of cases) expect([text, scalarStyle(text, false)]).toEqual([text, style]);
  });

  it('orders keys as go-yaml sorter.go: numbers by value, non-letters before letters', () => {
    const keys = ['b', 'a10', 'a9', 'a_', 'aZ', 'a', 'A'];
    expect([...keys].sort((x, y) => (yamlKeyLess(x, y) ? -1 : yamlKeyLess(y, x) ? 1 : 0))).toEqual([
      'A',
      'a',
      'a_',
      'a9',
      'a10',
      'aZ',
      'b',
    ]);
  });
});
