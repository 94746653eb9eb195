import { describe, expect, it } from 'vitest';
import { coreDnsObjects } from '../../src/topology/coredns-manifests.js';
import { issueLines, loadOk, SMALL_CLUSTER, yaml } from './helpers.js';

// SMALL_CLUSTER is lines 1–9; documents after it start with `---` on line 10.

/** The nginx Deployment of the Kubernetes docs (concepts/workloads/controllers/deployment). */
const NGINX_DEPLOYMENT = `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`;

/** The StatefulSet and its headless Service from the docs (controllers/statefulset). */
const WEB_STATEFULSET = `---
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: nginx # has to match .spec.template.metadata.labels
  serviceName: "nginx"
  replicas: 3 # by default is 1
  minReadySeconds: 10 # by default is 0
  template:
    metadata:
      labels:
        app: nginx # has to match .spec.selector.matchLabels
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      storageClassName: "my-storage-class"
      resources:
        requests:
          storage: 1Gi
`;

/** The DaemonSet of the docs (controllers/daemonset). */
const FLUENTD_DAEMONSET = `---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fluentd-elasticsearch
  namespace: kube-system
  labels:
    k8s-app: fluentd-logging
spec:
  selector:
    matchLabels:
      name: fluentd-elasticsearch
  template:
    metadata:
      labels:
        name: fluentd-elasticsearch
    spec:
      tolerations:
      - key: node-role.kubernetes.io/control-plane
        operator: Exists
        effect: NoSchedule
      - key: node-role.kubernetes.io/master
        operator: Exists
        effect: NoSchedule
      containers:
      - name: fluentd-elasticsearch
        image: quay.io/fluentd_elasticsearch/fluentd:v2.5.2
        resources:
          limits:
            memory: 200Mi
          requests:
            cpu: 100m
            memory: 200Mi
        volumeMounts:
        - name: varlog
          mountPath: /var/log
      terminationGracePeriodSeconds: 30
      volumes:
      - name: varlog
        hostPath:
          path: /var/log
`;

/** The ReplicaSet of the docs (controllers/replicaset). */
const FRONTEND_REPLICASET = `---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend
  labels:
    app: guestbook
    tier: frontend
spec:
  # modify replicas according to your case
  replicas: 3
  selector:
    matchLabels:
      tier: frontend
  template:
    metadata:
      labels:
        tier: frontend
    spec:
      containers:
      - name: php-redis
        image: us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5
`;

/** Endpoints and an EndpointSlice for a Service without a selector (services-networking/service). */
const ENDPOINTS = `---
apiVersion: v1
kind: Endpoints
metadata:
  name: my-service
subsets:
  - addresses:
      - ip: 192.0.2.42
    ports:
      - port: 9376
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: example-abc
  labels:
    kubernetes.io/service-name: example
addressType: IPv4
ports:
  - name: http
    protocol: TCP
    port: 80
endpoints:
  - addresses:
      - "10.1.2.3"
    conditions:
      ready: true
    hostname: pod-1
    nodeName: node-1
    zone: us-west2-a
`;

const load = (...docs: string[]) => loadOk(yaml(...SMALL_CLUSTER) + docs.join(''));
const issues = (...docs: string[]) => issueLines(yaml(...SMALL_CLUSTER) + docs.join(''));

describe('workload manifests, loaded unchanged', () => {
  it('loads the docs nginx Deployment as an API object with the API server defaults', () => {
    const t = load(NGINX_DEPLOYMENT);
    expect(t.pods).toEqual([]);
    expect(t.objects).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' } },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'nginx' } },
          // SetDefaults_Deployment: RollingUpdate, history 10, deadline 600 s.
          strategy: { type: 'RollingUpdate' },
          revisionHistoryLimit: 10,
          progressDeadlineSeconds: 600,
          template: {
            metadata: { labels: { app: 'nginx' } },
            spec: {
              containers: [
                { name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80, protocol: 'TCP' }] },
              ],
              // SetDefaults_PodSpec.
              restartPolicy: 'Always',
              dnsPolicy: 'ClusterFirst',
              terminationGracePeriodSeconds: 30,
              schedulerName: 'default-scheduler',
            },
          },
        },
      },
    ]);
  });

  it('loads the docs StatefulSet with its headless Service, in file order', () => {
    const t = load(WEB_STATEFULSET);
    expect(t.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Service/nginx',
      'StatefulSet/web',
    ]);
    const [svc, sts] = t.objects;
    expect(svc?.spec).toMatchObject({
      clusterIP: 'None',
      selector: { app: 'nginx' },
      ports: [{ name: 'web', port: 80, protocol: 'TCP', targetPort: 80 }],
      type: 'ClusterIP',
    });
    expect(sts?.spec).toMatchObject({
      replicas: 3,
      serviceName: 'nginx',
      minReadySeconds: 10,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
    });
    expect(sts?.spec).toHaveProperty('volumeClaimTemplates');
    expect(t.services.map((s) => s.clusterIP)).toEqual(['None']);
  });

  it('loads the docs DaemonSet and ReplicaSet, keeping resources and tolerations as written', () => {
    const t = load(FLUENTD_DAEMONSET, FRONTEND_REPLICASET);
    const [ds, rs] = t.objects;
    expect(ds?.metadata).toEqual({
      name: 'fluentd-elasticsearch',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'fluentd-logging' },
    });
    expect(ds?.spec).toMatchObject({
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        spec: {
          tolerations: [
            { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
            { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
          ],
          containers: [
            { resources: { limits: { memory: '200Mi' }, requests: { cpu: '100m', memory: '200Mi' } } },
          ],
        },
      },
    });
    expect(rs?.spec).toMatchObject({ replicas: 3, selector: { matchLabels: { tier: 'frontend' } } });
  });

  it('loads hand-written Endpoints and EndpointSlices', () => {
    const t = load(ENDPOINTS);
    expect(t.objects).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'my-service', namespace: 'default' },
        subsets: [{ addresses: [{ ip: '192.0.2.42' }], ports: [{ port: 9376, protocol: 'TCP' }] }],
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'example-abc',
          namespace: 'default',
          labels: { 'kubernetes.io/service-name': 'example' },
        },
        addressType: 'IPv4',
        ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
        endpoints: [
          {
            addresses: ['10.1.2.3'],
            conditions: { ready: true },
            hostname: 'pod-1',
            nodeName: 'node-1',
            zone: 'us-west2-a',
          },
        ],
      },
    ]);
  });

  it('converts Pods and Services with dotted addresses and defaults, without empty fields', () => {
    const t = load(`---
apiVersion: v1
kind: Pod
metadata: {name: pa, labels: {app: a}}
spec:
  containers: [{name: c, image: busybox, ports: [{containerPort: 53, protocol: UDP, hostPort: 53, hostIP: 192.168.56.11}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  clusterIP: 10.96.0.20
  externalIPs: [192.168.56.200]
  selector: {app: a}
  ports: [{port: 80, targetPort: 8080}]
`);
    const [pod, svc] = t.objects;
    expect(pod?.spec).toEqual({
      containers: [
        {
          name: 'c',
          image: 'busybox',
          ports: [{ containerPort: 53, protocol: 'UDP', hostPort: 53, hostIP: '192.168.56.11' }],
        },
      ],
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
    });
    expect(svc?.spec).toMatchObject({
      type: 'NodePort',
      clusterIP: '10.96.0.20',
      externalIPs: ['192.168.56.200'],
      externalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
    });
    // The fabric's view of the same pod: no node until the scheduler binds it.
    expect(t.pods[0]?.node).toBeUndefined();
    expect(t.pods[0]?.containers[0]?.ports[0]?.hostIP).toBe(
      ((192 << 24) + (168 << 16) + (56 << 8) + 11) >>> 0,
    );
  });

  it('accepts typed scheduling fields: affinity, tolerations, spread, resources, probes, lifecycle', () => {
    const t = load(`---
apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  hostname: api-0
  subdomain: api
  priority: 1000
  priorityClassName: high
  schedulerName: default-scheduler
  terminationGracePeriodSeconds: 5
  nodeSelector: {disktype: ssd}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: kubernetes.io/hostname, operator: NotIn, values: [node2]}
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 1
        preference:
          matchExpressions: [{key: disktype, operator: In, values: [ssd]}]
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: api}}
        topologyKey: kubernetes.io/hostname
        namespaces: [default]
  tolerations:
  - {key: dedicated, operator: Equal, value: api, effect: NoSchedule}
  - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}
  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: api}}}
  containers:
  - name: api
    image: api:1
    resources: {requests: {cpu: 250m, memory: 64Mi}, limits: {cpu: 1, memory: 1Gi}}
    readinessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 2}
    livenessProbe: {httpGet: {path: /healthz, port: http}}
    lifecycle: {preStop: {sleep: {seconds: 5}}}
`);
    const spec = t.objects[0]?.spec;
    expect(spec).toMatchObject({
      hostname: 'api-0',
      subdomain: 'api',
      priority: 1000,
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          // A YAML number quantity is kept as its decimal text.
          resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1', memory: '1Gi' } },
          // SetDefaults_Probe: period 10 s, timeout 1 s, success 1, failure 3.
          readinessProbe: {
            tcpSocket: { port: 8080 },
            initialDelaySeconds: 2,
            periodSeconds: 10,
            timeoutSeconds: 1,
            successThreshold: 1,
            failureThreshold: 3,
          },
          livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' } },
          lifecycle: { preStop: { sleep: { seconds: 5 } } },
        },
      ],
    });
  });
});

describe('workload and endpoints issues', () => {
  it('reports an unknown field with its line, column and path, listing the known ones', () => {
    const lines = issues(NGINX_DEPLOYMENT.replace('  replicas: 3\n', '  replicas: 3\n  replica: 3\n'));
    // Line 19 is `  replica: 3` (the Deployment starts with `---` on line 10).
    expect(lines).toEqual([
      'x.yaml:19:3: spec.replica: unknown field "replica" (known: replicas, selector, template, strategy, minReadySeconds, revisionHistoryLimit, progressDeadlineSeconds, paused)',
    ]);
  });

  it('reports an unknown field deep in the template', () => {
    const lines = issues(
      NGINX_DEPLOYMENT.replace(
        '        image: nginx:1.14.2\n',
        '        image: nginx:1.14.2\n        imagePolicy: Always\n',
      ),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^x\.yaml:30:9: spec\.template\.spec\.containers\[0\]\.imagePolicy: unknown field "imagePolicy" \(known: name, image, ports, /,
    );
  });

  it('refuses a selector that does not select the template labels, in the API server words', () => {
    const lines = issues(
      NGINX_DEPLOYMENT.replace(
        '        app: nginx\n    spec:',
        '        app: web\n        tier: fe\n    spec:',
      ),
    );
    // Line 25 is the template's `app: web`: the labels mapping starts there.
    expect(lines).toEqual([
      'x.yaml:25:9: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"fe"}: `selector` does not match template `labels`',
    ]);
  });

  it('refuses an empty selector', () => {
    const lines = issues(
      NGINX_DEPLOYMENT.replace('    matchLabels:\n      app: nginx\n', '    matchLabels: {}\n'),
    );
    expect(lines).toEqual(['x.yaml:20:5: spec.selector: empty selector is invalid for deployment']);
  });

  it('checks quantities, tolerations, the template node and duplicate names', () => {
    const lines = issues(
      FRONTEND_REPLICASET.replace(
        '    spec:\n      containers:\n',
        [
          '    spec:',
          '      nodeName: node9',
          '      tolerations:',
          '      - {operator: Equal, value: x}',
          '      - {key: a, operator: Exists, value: x, tolerationSeconds: 5}',
          '      containers:',
          '',
        ].join('\n'),
      ),
      FRONTEND_REPLICASET,
    );
    // The first ReplicaSet's name is on line 14; the second starts on line 36.
    expect(lines).toEqual([
      'x.yaml:29:17: spec.template.spec.nodeName: unknown node "node9" (known: node1, node2)',
      'x.yaml:31:20: spec.template.spec.tolerations[0].operator: operator must be Exists when `key` is empty, which means "match all values and all keys"',
      // A missing field is placed at its parent mapping.
      "x.yaml:32:9: spec.template.spec.tolerations[1].effect: effect must be 'NoExecute' when `tolerationSeconds` is set",
      "x.yaml:32:28: spec.template.spec.tolerations[1].operator: value must be empty when `operator` is 'Exists'",
      'x.yaml:40:9: metadata.name: replicaset "frontend" is already defined in namespace "default" at line 14',
    ]);
  });

  it('checks resource quantities as the API server parses them', () => {
    const lines = issues(
      FRONTEND_REPLICASET.replace(
        'gb-frontend:v5\n',
        'gb-frontend:v5\n        resources: {requests: {cpu: lots, memory: 1.5Gi}, limits: {memory: 2GB}}\n',
      ),
    );
    expect(lines).toEqual([
      'x.yaml:32:37: spec.template.spec.containers[0].resources.requests.cpu: "lots" is not a Kubernetes quantity such as 4, 500m or 8Gi',
      'x.yaml:32:76: spec.template.spec.containers[0].resources.limits.memory: "2GB" is not a Kubernetes quantity such as 4, 500m or 8Gi',
    ]);
  });

  it('refuses IPv6 EndpointSlices and malformed endpoint addresses', () => {
    const lines = issues(
      ENDPOINTS.replace('ip: 192.0.2.42', 'ip: 192.0.2.420').replace(
        'addressType: IPv4',
        'addressType: IPv6',
      ),
    );
    expect(lines).toEqual([
      'x.yaml:17:13: subsets[0].addresses[0].ip: "192.0.2.420" is not an IPv4 address such as 192.168.56.11',
      'x.yaml:27:14: addressType: string "IPv6" is not allowed (expected "IPv4")',
    ]);
  });
});

describe('the Cluster: dns and controlPlane', () => {
  const cluster = (...extra: string[]) =>
    yaml(...SMALL_CLUSTER.slice(0, 3), ...extra, ...SMALL_CLUSTER.slice(3));

  it('defaults to no cluster DNS and the control plane defaults', () => {
    const t = loadOk(cluster());
    expect(t.network.dns).toBe('none');
    expect(t.timings).toEqual({});
  });

  it('takes dns: coredns and the control plane durations, in ns', () => {
    const t = loadOk(
      cluster(
        '  dns: coredns',
        '  controlPlane: {watchDelay: 5ms, podStartDelay: 2s, kubeProxyMinSyncPeriod: 0s, kubeProxySyncPeriod: 30s,',
        '    nodeMonitorGracePeriod: 40s, nodeMonitorPeriod: 5s, nodeLeaseRenewInterval: 10s, defaultTolerationSeconds: 60}',
      ),
    );
    expect(t.network.dns).toBe('coredns');
    expect(t.timings).toEqual({
      watchDelayNs: 5_000_000,
      podStartNs: 2_000_000_000,
      kubeProxyMinSyncNs: 0,
      kubeProxySyncPeriodNs: 30_000_000_000,
      nodeMonitorGraceNs: 40_000_000_000,
      nodeMonitorPeriodNs: 5_000_000_000,
      nodeLeaseRenewNs: 10_000_000_000,
      defaultTolerationSeconds: 60,
    });
  });

  it('refuses a zero period and an unknown dns', () => {
    expect(issueLines(cluster('  dns: kube-dns', '  controlPlane: {nodeMonitorPeriod: 0s}'))).toEqual([
      'x.yaml:4:8: spec.dns: string "kube-dns" is not allowed (expected "coredns" or "none")',
      'x.yaml:5:37: spec.controlPlane.nodeMonitorPeriod: "0s" is too small (minimum 1ns)',
    ]);
  });

  it("with coredns, kube-system/kube-dns, its ClusterIP and the coredns Deployment are podwire's own", () => {
    const text =
      cluster('  dns: coredns') +
      [
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: kube-dns, namespace: kube-system}',
        'spec: {ports: [{port: 53}]}',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: dns}',
        'spec: {clusterIP: 10.96.0.10, ports: [{port: 53}]}',
        NGINX_DEPLOYMENT.replace('name: nginx-deployment', 'name: coredns\n  namespace: kube-system'),
      ].join('\n');
    expect(issueLines(text)).toEqual([
      "x.yaml:14:18: metadata.name: service kube-system/kube-dns is podwire's own with dns: coredns (kubeadm's CoreDNS); use another name, or dns: none",
      'x.yaml:20:19: spec.clusterIP: 10.96.0.10 is the ClusterIP of the Service kube-system/kube-dns (the 10th address of 10.96.0.0/12, as kubeadm assigns it with dns: coredns)',
      "x.yaml:25:9: metadata.name: deployment kube-system/coredns is podwire's own with dns: coredns (kubeadm's CoreDNS); use another name, or dns: none",
    ]);
  });
});

describe('coreDnsObjects()', () => {
  it("is kubeadm's CoreDNS: a 2-replica Deployment and kube-dns at the 10th serviceCIDR address", () => {
    const t = loadOk(yaml(...SMALL_CLUSTER));
    const [deploy, svc] = coreDnsObjects(t.network);
    expect(deploy).toMatchObject({
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: { replicas: 2, selector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
    });
    expect(deploy?.spec).toHaveProperty(['template', 'spec', 'containers']);
    const podSpec = JSON.parse(JSON.stringify(deploy?.spec)).template.spec;
    expect(podSpec.containers).toMatchObject([
      {
        image: 'registry.k8s.io/coredns/coredns:v1.11.3',
        ports: [
          { containerPort: 53, name: 'dns', protocol: 'UDP' },
          { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
          { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
        ],
      },
    ]);
    expect(podSpec.tolerations).toContainEqual({
      key: 'node-role.kubernetes.io/control-plane',
      effect: 'NoSchedule',
    });
    expect(svc).toMatchObject({
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system' },
      spec: { clusterIP: '10.96.0.10', selector: { 'k8s-app': 'kube-dns' } },
    });
  });

  it('follows the serviceCIDR', () => {
    const t = loadOk(
      yaml(
        ...SMALL_CLUSTER.slice(0, 3),
        '  network: {serviceCIDR: 172.20.0.0/16}',
        ...SMALL_CLUSTER.slice(3),
      ),
    );
    expect(coreDnsObjects(t.network)[1]?.spec).toMatchObject({ clusterIP: '172.20.0.10' });
  });
});
