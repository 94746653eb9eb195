import { describe, expect, it } from 'vitest';
import {
  getDaemonSets,
  getDeployments,
  getReplicaSets,
  getStatefulSets,
} from '../../../src/inspect/index.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../../src/k8s/index.js';
import { M, meta } from './fixtures.js';

const NOW = 10 * M;
const opts = { output: 'table', allNamespaces: false, nowNs: NOW } as const;
const template = (containers: { name: string; image: string }[], nodeSelector?: Record<string, string>) => ({
  metadata: { labels: { app: 'x' } },
  spec: { containers, ...(nodeSelector ? { nodeSelector } : {}) },
});

describe('getDeployments()', () => {
  const deployments: Deployment[] = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('web'),
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }],
        },
        template: template([
          { name: 'nginx', image: 'nginx:1.27' },
          { name: 'log', image: 'fluent-bit:3' },
        ]),
      },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    },
    // No replicas in spec (the server's default is 1), no status yet, a selector matching everything.
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('all'),
      spec: { selector: {}, template: template([{ name: 'app', image: 'busybox' }]) },
    },
  ];

  it('prints READY as ready/desired, UP-TO-DATE and AVAILABLE', () => {
    expect(getDeployments(deployments, opts).stdout).toBe(
      [
        'NAME   READY   UP-TO-DATE   AVAILABLE   AGE',
        'all    0/1     0            0           10m',
        'web    2/3     3            2           10m',
        '',
      ].join('\n'),
    );
  });

  it('-o wide adds CONTAINERS, IMAGES and the selector string (empty when it selects everything)', () => {
    expect(getDeployments(deployments, { ...opts, output: 'wide' }).stdout).toBe(
      [
        'NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES                    SELECTOR',
        'all    0/1     0            0           10m   app          busybox                   ',
        'web    2/3     3            2           10m   nginx,log    nginx:1.27,fluent-bit:3   app=web,tier in (edge,front)',
        '',
      ].join('\n'),
    );
    expect(getDeployments(deployments, { ...opts, output: 'name' }).stdout).toBe(
      'deployment.apps/all\ndeployment.apps/web\n',
    );
  });
});

describe('getReplicaSets() / getDaemonSets() / getStatefulSets()', () => {
  it('prints a ReplicaSet with DESIRED, CURRENT, READY and its selector', () => {
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: meta('web-7d4b9c8f6d'),
      spec: {
        replicas: 3,
        selector: { matchLabels: { 'pod-template-hash': '7d4b9c8f6d', app: 'web' } },
        template: template([{ name: 'nginx', image: 'nginx:1.27' }]),
      },
      status: { replicas: 3, readyReplicas: 2 },
    };
    expect(getReplicaSets([rs], { ...opts, output: 'wide' }).stdout).toBe(
      [
        'NAME             DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES       SELECTOR',
        'web-7d4b9c8f6d   3         3         2       10m   nginx        nginx:1.27   app=web,pod-template-hash=7d4b9c8f6d',
        '',
      ].join('\n'),
    );
  });

  it('prints a DaemonSet with its NODE SELECTOR, in its namespace and with -A -o wide', () => {
    const ds: DaemonSet = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta('kube-proxy', { namespace: 'kube-system' }),
      spec: {
        selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
        template: template([{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.34.1' }], {
          'kubernetes.io/os': 'linux',
        }),
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 3,
        numberMisscheduled: 0,
        updatedNumberScheduled: 3,
        numberAvailable: 3,
      },
    };
    expect(getDaemonSets([ds], opts).stderr).toBe('No resources found in default namespace.\n');
    expect(getDaemonSets([ds], { ...opts, namespace: 'kube-system' }).stdout).toBe(
      [
        'NAME         DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR            AGE',
        'kube-proxy   3         3         3       3            3           kubernetes.io/os=linux   10m',
        '',
      ].join('\n'),
    );
    expect(getDaemonSets([ds], { ...opts, output: 'wide', allNamespaces: true }).stdout).toBe(
      [
        'NAMESPACE     NAME         DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR            AGE   CONTAINERS   IMAGES                               SELECTOR',
        'kube-system   kube-proxy   3         3         3       3            3           kubernetes.io/os=linux   10m   kube-proxy   registry.k8s.io/kube-proxy:v1.34.1   k8s-app=kube-proxy',
        '',
      ].join('\n'),
    );
  });

  it('prints a StatefulSet READY as ready/replicas, -o wide without a selector', () => {
    const ss: StatefulSet = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta('db'),
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: template([{ name: 'postgres', image: 'postgres:16' }]),
      },
      status: { replicas: 2, readyReplicas: 1 },
    };
    expect(getStatefulSets([ss], { ...opts, output: 'wide' }).stdout).toBe(
      ['NAME   READY   AGE   CONTAINERS   IMAGES', 'db     1/3     10m   postgres     postgres:16', ''].join(
        '\n',
      ),
    );
  });
});
