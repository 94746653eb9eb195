import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  loadTopologyText,
  parseRef,
  type Ref,
  renderIssue,
  type ServiceSpec,
} from '../../src/topology/index.js';
import { loadOk, SMALL_CLUSTER, yaml } from './helpers.js';

type Protocol = 'TCP' | 'UDP';
type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

interface PortIn {
  readonly port: number;
  readonly protocol: Protocol | undefined;
  readonly targetPort: number | string | undefined;
  readonly appProtocol: string | undefined;
  readonly named: boolean;
}

interface ServiceIn {
  readonly namespace: string | undefined;
  readonly type: ServiceType | undefined;
  readonly selector: Readonly<Record<string, string>> | undefined;
  readonly ports: readonly PortIn[];
  /** Host part of an explicit ClusterIP, 10.96.(index+1).HOST. */
  readonly clusterIPHost: number | undefined;
  readonly externalIPs: readonly number[];
  readonly affinityTimeout: number | 'default' | undefined;
  readonly externalTrafficPolicy: 'Cluster' | 'Local' | undefined;
  readonly internalTrafficPolicy: 'Cluster' | 'Local' | undefined;
  readonly publishNotReadyAddresses: boolean | undefined;
  readonly healthCheck: boolean;
}

const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

const portArb: fc.Arbitrary<PortIn> = fc.record({
  port: fc.integer({ min: 1, max: 65535 }),
  protocol: opt(fc.constantFrom<Protocol>('TCP', 'UDP')),
  targetPort: opt(
    fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom('http', 'dns-tcp', 'metrics9')),
  ),
  appProtocol: opt(fc.constantFrom('http', 'kubernetes.io/h2c')),
  named: fc.boolean(),
});

const serviceArb: fc.Arbitrary<ServiceIn> = fc.record({
  namespace: opt(fc.constantFrom('default', 'shop', 'kube-system')),
  type: opt(fc.constantFrom<ServiceType>('ClusterIP', 'NodePort', 'LoadBalancer')),
  selector: opt(
    fc.dictionary(
      fc.constantFrom('app', 'tier', 'app.kubernetes.io/name'),
      fc.stringMatching(/^[a-z0-9]{1,8}$/),
      { maxKeys: 3 },
    ),
  ),
  // Port and protocol together are unique within a Service, as the API server requires.
  ports: fc.uniqueArray(portArb, {
    minLength: 1,
    maxLength: 4,
    selector: (p) => `${p.port}/${p.protocol ?? 'TCP'}`,
  }),
  clusterIPHost: opt(fc.integer({ min: 0, max: 255 })),
  externalIPs: fc.uniqueArray(fc.integer({ min: 100, max: 254 }), { maxLength: 2 }),
  affinityTimeout: opt(fc.oneof(fc.integer({ min: 1, max: 86400 }), fc.constant<'default'>('default'))),
  externalTrafficPolicy: opt(fc.constantFrom<'Cluster' | 'Local'>('Cluster', 'Local')),
  internalTrafficPolicy: opt(fc.constantFrom<'Cluster' | 'Local'>('Cluster', 'Local')),
  publishNotReadyAddresses: opt(fc.boolean()),
  healthCheck: fc.boolean(),
});

const type = (s: ServiceIn): ServiceType => s.type ?? 'ClusterIP';
const external = (s: ServiceIn): boolean => type(s) !== 'ClusterIP' || s.externalIPs.length > 0;
const etp = (s: ServiceIn) => (external(s) ? s.externalTrafficPolicy : undefined);
const healthCheck = (s: ServiceIn): boolean =>
  type(s) === 'LoadBalancer' && etp(s) === 'Local' && s.healthCheck;
/** Every Service gets its own block of nodePorts, so none is handed out twice. */
const nodePortOf = (i: number, j: number): number => 30000 + i * 10 + j;
const portName = (s: ServiceIn, j: number): string | undefined =>
  s.ports.length > 1 || s.ports[j]?.named === true ? `p${j}` : undefined;
const ipOf = (a: number, b: number, c: number, d: number): number => ((a * 256 + b) * 256 + c) * 256 + d;

const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The Service as a real manifest, leaving out every field that was not drawn. */
function manifest(s: ServiceIn, i: number): string {
  const nodePorts = type(s) !== 'ClusterIP';
  const affinity = s.affinityTimeout;
  const spec = defined({
    type: s.type,
    selector: s.selector,
    ports: s.ports.map((p, j) =>
      defined({
        name: portName(s, j),
        protocol: p.protocol,
        port: p.port,
        targetPort: p.targetPort,
        appProtocol: p.appProtocol,
        nodePort: nodePorts ? nodePortOf(i, j) : undefined,
      }),
    ),
    clusterIP: s.clusterIPHost === undefined ? undefined : `10.96.${i + 1}.${s.clusterIPHost}`,
    externalIPs: s.externalIPs.length === 0 ? undefined : s.externalIPs.map((h) => `192.168.56.${h}`),
    sessionAffinity: affinity === undefined ? undefined : 'ClientIP',
    sessionAffinityConfig:
      affinity === undefined
        ? undefined
        : { clientIP: affinity === 'default' ? {} : { timeoutSeconds: affinity } },
    externalTrafficPolicy: etp(s),
    internalTrafficPolicy: s.internalTrafficPolicy,
    healthCheckNodePort: healthCheck(s) ? 32000 + i : undefined,
    publishNotReadyAddresses: s.publishNotReadyAddresses,
  });
  return stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: defined({ name: `svc-${i}`, namespace: s.namespace }),
    spec,
  });
}

/** What the loader must make of the drawn Service, written from the API server's defaults. */
function expected(s: ServiceIn, i: number): ServiceSpec {
  const selector = s.selector === undefined || Object.keys(s.selector).length === 0 ? undefined : s.selector;
  const affinity = s.affinityTimeout;
  return {
    name: `svc-${i}`,
    namespace: s.namespace ?? 'default',
    labels: new Map(),
    annotations: new Map(),
    type: type(s),
    selector:
      selector === undefined
        ? undefined
        : new Map(Object.entries(selector).sort(([a], [b]) => (a < b ? -1 : 1))),
    ports: s.ports.map((p, j) => ({
      name: portName(s, j) ?? '',
      protocol: p.protocol ?? 'TCP',
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      ...(type(s) !== 'ClusterIP' ? { nodePort: nodePortOf(i, j) } : {}),
      ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}),
    })),
    clusterIP: s.clusterIPHost === undefined ? undefined : ipOf(10, 96, i + 1, s.clusterIPHost),
    externalIPs: s.externalIPs.map((h) => ipOf(192, 168, 56, h)),
    sessionAffinity: affinity === undefined ? 'None' : 'ClientIP',
    affinityTimeoutSeconds: typeof affinity === 'number' ? affinity : 10800,
    externalTrafficPolicy: etp(s) ?? 'Cluster',
    internalTrafficPolicy: s.internalTrafficPolicy ?? 'Cluster',
    ...(healthCheck(s) ? { healthCheckNodePort: 32000 + i } : {}),
    loadBalancerSourceRanges: [],
    allocateLoadBalancerNodePorts: true,
    publishNotReadyAddresses: s.publishNotReadyAddresses ?? false,
  };
}

describe('Service documents, properties', () => {
  it('loads every valid generated set of Services and keeps each field in its ServiceSpec', () => {
    fc.assert(
      fc.property(fc.array(serviceArb, { minLength: 1, maxLength: 6 }), (services) => {
        const text = [yaml(...SMALL_CLUSTER), ...services.map(manifest)].join('---\n');
        const t = loadOk(text);
        expect(t.services).toEqual(services.map(expected));
      }),
      { numRuns: 200 },
    );
  });
});

const label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);

/** A reference drawn as its parts, with the text that writes it. */
const refArb: fc.Arbitrary<{ text: string; ref: Ref }> = fc.oneof(
  fc
    .record({
      kind: fc.constantFrom('node' as const, 'router' as const, 'host' as const),
      name: label,
      port: opt(fc.integer({ min: 1, max: 65535 })),
    })
    .map(({ kind, name, port }) => {
      const text = `${kind}/${name}${port === undefined ? '' : `:${port}`}`;
      return { text, ref: { kind, name, text, ...(port !== undefined ? { port } : {}) } };
    }),
  fc
    .record({
      kind: fc.constantFrom('pod' as const, 'svc' as const),
      namespace: opt(label),
      name: label,
      port: opt(fc.oneof(fc.integer({ min: 1, max: 65535 }), label)),
    })
    .map(({ kind, namespace, name, port }) => {
      const text = `${kind}/${namespace === undefined ? '' : `${namespace}/`}${name}${port === undefined ? '' : `:${port}`}`;
      const ref = {
        kind,
        namespace: namespace ?? 'default',
        name,
        text,
        ...(port !== undefined ? { port } : {}),
      };
      return { text, ref };
    }),
  fc
    .record({
      octets: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
      port: opt(fc.integer({ min: 1, max: 65535 })),
    })
    .map(({ octets, port }) => {
      const text = `${octets.join('.')}${port === undefined ? '' : `:${port}`}`;
      const [a = 0, b = 0, c = 0, d = 0] = octets;
      return {
        text,
        ref: { kind: 'ip' as const, ip: ipOf(a, b, c, d), text, ...(port !== undefined ? { port } : {}) },
      };
    }),
);

describe('parseRef(), properties', () => {
  it('reads back the kind, namespace, name and port a reference was written with', () => {
    fc.assert(
      fc.property(refArb, ({ text, ref }) => {
        expect(parseRef(text)).toEqual({ ok: true, ref });
      }),
      { numRuns: 500 },
    );
  });
});

const WITH_SERVICES = yaml(
  ...SMALL_CLUSTER,
  '  hosts: [{name: client, subnet: rack1}]',
  '---',
  'apiVersion: v1',
  'kind: Service',
  'metadata: {name: web, labels: {app: web}}',
  'spec:',
  '  type: NodePort',
  '  clusterIP: 10.96.0.20',
  '  selector: {app: web}',
  '  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080}, {name: dns, port: 53, protocol: UDP}]',
  '---',
  'apiVersion: podwire/v1',
  'kind: Scenario',
  'spec:',
  '  steps:',
  '    - {at: 1s, http: {from: host/client, to: svc/web:http, count: 2}}',
  '    - {at: 2s, udp: {from: node/node1, to: svc/web:53, timeout: 1s}}',
  '  expect:',
  '    - {reachable: {from: host/client, to: node/node2:30080}}',
);

describe('a file with Services, corrupted', () => {
  it('the base file is valid', () => {
    expect(loadOk(WITH_SERVICES).services).toHaveLength(1);
  });

  it('never throws on one character changed, inserted or deleted; every issue is one placed line', () => {
    const edit = fc.record({
      at: fc.nat({ max: WITH_SERVICES.length - 1 }),
      op: fc.constantFrom('replace', 'insert', 'delete'),
      ch: fc.constantFrom(...':-{}[],/ \n.0123456789aZx'.split('')),
    });
    fc.assert(
      fc.property(edit, ({ at, op, ch }) => {
        const text =
          op === 'delete'
            ? WITH_SERVICES.slice(0, at) + WITH_SERVICES.slice(at + 1)
            : WITH_SERVICES.slice(0, at) + ch + WITH_SERVICES.slice(op === 'replace' ? at + 1 : at);
        const result = loadTopologyText(text, 'x.yaml');
        if (result.ok) return;
        expect(result.issues.length).toBeGreaterThan(0);
        for (const issue of result.issues) {
          const line = renderIssue(issue, 'x.yaml');
          expect(line).not.toContain('\n');
          expect(line.startsWith(`x.yaml:${issue.line}:${issue.col}: `)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
