/**
 * kubeadm's CoreDNS add-on (cmd/kubeadm/app/phases/addons/dns/manifests.go) as API objects: the
 * `kube-system/coredns` Deployment (2 replicas, spread by a preferred anti-affinity, tolerating the
 * control-plane taint) and the `kube-system/kube-dns` Service at the 10th address of the service CIDR,
 * the address kubeadm gives it and every kubelet's `clusterDNS` names. The run creates them when the
 * Cluster says `dns: coredns`.
 */

import type { ObjectInput } from '../k8s/index.js';
import { type Cidr, formatIp4 } from './addr.js';
import * as D from './defaults.js';
import type { NetworkSpec } from './types.js';

/** The ClusterIP kubeadm gives kube-dns: the 10th address of the service CIDR (10.96.0.10 in 10.96.0.0/12). */
export function kubeDnsClusterIP(serviceCIDR: Cidr): number {
  return serviceCIDR.network + D.KUBE_DNS_HOST_INDEX;
}

const LABELS = { 'k8s-app': D.KUBE_DNS_SERVICE } as const;

const deployment: ObjectInput = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: D.COREDNS_DEPLOYMENT, namespace: D.KUBE_SYSTEM_NAMESPACE, labels: LABELS },
  spec: {
    replicas: D.COREDNS_REPLICAS,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' } },
    selector: { matchLabels: LABELS },
    revisionHistoryLimit: D.DEFAULT_REVISION_HISTORY_LIMIT,
    progressDeadlineSeconds: D.DEFAULT_PROGRESS_DEADLINE_SECONDS,
    template: {
      metadata: { labels: LABELS },
      spec: {
        priorityClassName: 'system-cluster-critical',
        serviceAccountName: 'coredns',
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                podAffinityTerm: {
                  labelSelector: {
                    matchExpressions: [{ key: 'k8s-app', operator: 'In', values: [D.KUBE_DNS_SERVICE] }],
                  },
                  topologyKey: 'kubernetes.io/hostname',
                },
              },
            ],
          },
        },
        tolerations: [
          { key: 'CriticalAddonsOnly', operator: 'Exists' },
          { key: D.CONTROL_PLANE_TAINT, effect: 'NoSchedule' },
        ],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        containers: [
          {
            name: 'coredns',
            image: D.COREDNS_IMAGE,
            imagePullPolicy: 'IfNotPresent',
            resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
            args: ['-conf', '/etc/coredns/Corefile'],
            volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
            ports: [
              { containerPort: 53, name: 'dns', protocol: 'UDP' },
              { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
              { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
            ],
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
              readOnlyRootFilesystem: true,
            },
            livenessProbe: {
              httpGet: { path: '/health', port: 8080, scheme: 'HTTP' },
              initialDelaySeconds: 60,
              timeoutSeconds: 5,
              successThreshold: 1,
              failureThreshold: 5,
              periodSeconds: 10,
            },
            readinessProbe: {
              httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' },
              periodSeconds: 10,
              timeoutSeconds: 1,
              successThreshold: 1,
              failureThreshold: 3,
            },
          },
        ],
        // CoreDNS itself forwards to the node's resolv.conf, so it must not use the cluster DNS.
        dnsPolicy: 'Default',
        restartPolicy: 'Always',
        schedulerName: D.DEFAULT_SCHEDULER_NAME,
        terminationGracePeriodSeconds: D.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
        volumes: [
          {
            name: 'config-volume',
            configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] },
          },
        ],
      },
    },
  },
};

/** The kube-dns Service of a cluster whose service CIDR is `serviceCIDR`. */
function kubeDnsService(serviceCIDR: Cidr): ObjectInput {
  const clusterIP = formatIp4(kubeDnsClusterIP(serviceCIDR));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: D.KUBE_DNS_SERVICE,
      namespace: D.KUBE_SYSTEM_NAMESPACE,
      labels: { ...LABELS, 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      selector: LABELS,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      publishNotReadyAddresses: false,
    },
  };
}

/** kubeadm's CoreDNS objects for a cluster: the Deployment, then the Service. */
export function coreDnsObjects(network: Pick<NetworkSpec, 'serviceCIDR'>): readonly ObjectInput[] {
  return [deployment, kubeDnsService(network.serviceCIDR)];
}
