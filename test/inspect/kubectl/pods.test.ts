import { describe, expect, it } from 'vitest';
import { getPods } from '../../../src/inspect/index.js';
import type { Pod } from '../../../src/k8s/index.js';
import { H, M, meta, S } from './fixtures.js';

const NOW = 10 * M;
const running = { running: { startedAt: 0 } };

function pod(name: string, status: Record<string, unknown>, fields: Record<string, unknown> = {}): Pod {
  const { metadata, spec, ...rest } = fields as { metadata?: object; spec?: object };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta(name), ...metadata },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
    ...rest,
  } as Pod;
}

const app = (state: object, ready: boolean, extra: object = {}) => ({
  name: 'app',
  image: 'nginx',
  ready,
  restartCount: 0,
  state,
  ...extra,
});

/** One pod per STATUS path of printers.go printPod. */
const PODS: Pod[] = [
  pod(
    'l-sidecar',
    {
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }],
      initContainerStatuses: [{ ...app(running, true), name: 'proxy', started: true }],
      containerStatuses: [app(running, true)],
    },
    { spec: { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] } },
  ),
  pod(
    'a-init',
    {
      phase: 'Pending',
      initContainerStatuses: [{ ...app(running, false), name: 'setup' }],
      containerStatuses: [app({ waiting: { reason: 'PodInitializing' } }, false)],
    },
    { spec: { initContainers: [{ name: 'setup', image: 'busybox' }] } },
  ),
  pod(
    'b-crash',
    {
      phase: 'Pending',
      initContainerStatuses: [
        { ...app({ waiting: { reason: 'CrashLoopBackOff' } }, false), name: 'setup', restartCount: 3 },
      ],
    },
    { spec: { initContainers: [{ name: 'setup', image: 'busybox' }] } },
  ),
  pod(
    'c-creating',
    { phase: 'Pending', containerStatuses: [app({ waiting: { reason: 'ContainerCreating' } }, false)] },
    {
      metadata: { creationTimestamp: NOW - 119 * S },
    },
  ),
  pod('d-pending', { phase: 'Pending' }, { metadata: { creationTimestamp: NOW - 120 * S } }),
  pod(
    'e-running',
    {
      phase: 'Running',
      containerStatuses: [
        app(running, true, {
          restartCount: 2,
          lastState: { terminated: { exitCode: 1, finishedAt: NOW - 5 * M } },
        }),
      ],
    },
    { metadata: { creationTimestamp: NOW - 125 * S } },
  ),
  // Created at 599.5 s: the server's timestamp says 599 s, so the pod is 1 s old at 600 s.
  pod(
    'f-unready',
    { phase: 'Running', containerStatuses: [app(running, false)] },
    {
      metadata: { creationTimestamp: NOW - S / 2 },
    },
  ),
  pod(
    'g-terminating',
    { phase: 'Running', containerStatuses: [app(running, true)] },
    {
      metadata: { deletionTimestamp: NOW + 30 * S },
    },
  ),
  pod('h-completed', {
    phase: 'Succeeded',
    containerStatuses: [app({ terminated: { exitCode: 0, reason: 'Completed', finishedAt: 0 } }, false)],
  }),
  pod('i-evicted', { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }),
  pod(
    'j-nodelost',
    { phase: 'Running', reason: 'NodeLost', containerStatuses: [app(running, true)] },
    {
      metadata: { deletionTimestamp: NOW },
    },
  ),
  pod(
    'k-notready',
    {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        app(running, true),
        { ...app({ terminated: { exitCode: 0, reason: 'Completed', finishedAt: 0 } }, false), name: 'job' },
      ],
    },
    {
      spec: {
        containers: [
          { name: 'app', image: 'nginx' },
          { name: 'job', image: 'busybox' },
        ],
      },
    },
  ),
];

const table = { output: 'table', allNamespaces: false, nowNs: NOW } as const;

describe('getPods()', () => {
  it('derives READY, STATUS and RESTARTS as printPod does, one row per case', () => {
    expect(getPods(PODS, table)).toEqual({
      stdout: [
        'NAME            READY   STATUS                  RESTARTS     AGE',
        'a-init          0/1     Init:0/1                0            10m',
        'b-crash         0/1     Init:CrashLoopBackOff   3            10m',
        'c-creating      0/1     ContainerCreating       0            119s',
        'd-pending       0/1     Pending                 0            2m',
        'e-running       1/1     Running                 2 (5m ago)   2m5s',
        'f-unready       0/1     Running                 0            1s',
        'g-terminating   1/1     Terminating             0            10m',
        'h-completed     0/1     Completed               0            10m',
        'i-evicted       0/1     Evicted                 0            10m',
        'j-nodelost      1/1     Unknown                 0            10m',
        'k-notready      1/2     NotReady                0            10m',
        'l-sidecar       2/2     Running                 0            10m',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('with -A -o wide adds NAMESPACE first and IP, NODE, NOMINATED NODE, READINESS GATES', () => {
    const web = pod(
      'web',
      { phase: 'Running', podIPs: [{ ip: '10.244.1.5' }], containerStatuses: [app(running, true)] },
      {
        spec: { containers: [{ name: 'app', image: 'nginx' }], nodeName: 'node-1' },
      },
    );
    const dns = pod(
      'coredns-abc',
      {
        phase: 'Pending',
        nominatedNodeName: 'node-2',
        conditions: [{ type: 'example.com/gate-a', status: 'True' }],
      },
      {
        metadata: { namespace: 'kube-system' },
        spec: {
          containers: [{ name: 'coredns', image: 'coredns' }],
          readinessGates: [{ conditionType: 'example.com/gate-a' }, { conditionType: 'example.com/gate-b' }],
        },
      },
    );
    expect(getPods([dns, web], { output: 'wide', allNamespaces: true, nowNs: NOW }).stdout).toBe(
      [
        'NAMESPACE     NAME          READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES',
        'default       web           1/1     Running   0          10m   10.244.1.5   node-1   <none>           <none>',
        'kube-system   coredns-abc   0/1     Pending   0          10m   <none>       <none>   node-2           1/2',
        '',
      ].join('\n'),
    );
  });

  it('says on stderr when a namespace has no pods, and names a pod that is not there', () => {
    expect(getPods([], table)).toEqual({ stdout: '', stderr: 'No resources found in default namespace.\n' });
    expect(getPods(PODS, { ...table, namespace: 'shop' }).stderr).toBe(
      'No resources found in shop namespace.\n',
    );
    expect(getPods([], { ...table, allNamespaces: true }).stderr).toBe('No resources found\n');
    expect(getPods(PODS, { ...table, name: 'nope' })).toEqual({
      stdout: '',
      stderr: 'Error from server (NotFound): pods "nope" not found\n',
    });
    expect(getPods(PODS, { ...table, name: 'd-pending', allNamespaces: true }).stderr).toBe(
      'error: a resource cannot be retrieved by name across all namespaces\n',
    );
  });

  it('prints one row for `get pod NAME` and kind/name lines for -o name', () => {
    expect(getPods(PODS, { ...table, name: 'd-pending' }).stdout).toBe(
      [
        'NAME        READY   STATUS    RESTARTS   AGE',
        'd-pending   0/1     Pending   0          2m',
        '',
      ].join('\n'),
    );
    expect(getPods(PODS.slice(0, 3), { ...table, output: 'name' }).stdout).toBe(
      'pod/a-init\npod/b-crash\npod/l-sidecar\n',
    );
  });

  it('measures AGE with HumanDuration from the whole-second creation time', () => {
    const ageAt = (createdNs: number) =>
      getPods([pod('p', { phase: 'Running' }, { metadata: { creationTimestamp: createdNs } })], table)
        .stdout.split('\n')[1]
        ?.split(/\s+/)[4];
    expect(ageAt(NOW - 59 * S)).toBe('59s');
    expect(ageAt(NOW - 119 * S + S / 2)).toBe('119s');
    // 119.5 s ago is stored as 120 s ago.
    expect(ageAt(NOW - 119 * S - S / 2)).toBe('2m');
    expect(ageAt(NOW - 120 * S)).toBe('2m');
    expect(ageAt(NOW - 125 * S)).toBe('2m5s');
    expect(ageAt(NOW - 10 * M)).toBe('10m');
    expect(ageAt(NOW + S / 2)).toBe('0s');
    expect(ageAt(NOW - 2 * H)).toBe('120m');
    expect(ageAt(NOW - 3 * H - 15 * M)).toBe('3h15m');
  });
});
