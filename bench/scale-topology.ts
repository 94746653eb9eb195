/**
 * The cluster of the scale benchmark as a topology file: N worker nodes on one underlay /16, flannel
 * VXLAN over a /9 cluster CIDR (a /24 per node, room for 32,768 nodes), 30 pods per node as Deployments
 * of 15 replicas, each behind its own ClusterIP Service (one Service per 15 pods: 10,000 Services at
 * 5,000 nodes), and one request from the first Deployment's pod to the last Service.
 */

export const PODS_PER_NODE = 30;
export const PODS_PER_SERVICE = 15;

/** The file text for `nodes` nodes (valid input for loadTopologyText). */
export function scaleTopology(nodes: number): string {
  const services = Math.ceil((nodes * PODS_PER_NODE) / PODS_PER_SERVICE);
  const out: string[] = [
    'apiVersion: podwire/v1',
    'kind: Cluster',
    `metadata: {name: scale-${nodes}}`,
    'spec:',
    '  seed: 1',
    '  network: {backend: vxlan, clusterCIDR: 10.128.0.0/9, serviceCIDR: 10.96.0.0/12}',
    '  underlay:',
    '    - {name: dc, cidr: 172.16.0.0/16}',
    '  nodes:',
  ];
  for (let i = 1; i <= nodes; i++) out.push(`    - {name: node${i}, subnet: dc}`);
  for (let s = 0; s < services; s++) {
    out.push(
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      `metadata: {name: app${s}}`,
      'spec:',
      `  replicas: ${PODS_PER_SERVICE}`,
      `  selector: {matchLabels: {app: app${s}}}`,
      '  template:',
      `    metadata: {labels: {app: app${s}}}`,
      '    spec:',
      '      containers: [{name: web, image: nginx:1.27, ports: [{containerPort: 8080}]}]',
      '---',
      'apiVersion: v1',
      'kind: Service',
      `metadata: {name: app${s}}`,
      'spec:',
      `  selector: {app: app${s}}`,
      '  ports: [{port: 80, targetPort: 8080}]',
    );
  }
  out.push(
    '---',
    'apiVersion: podwire/v1',
    'kind: Scenario',
    'spec:',
    '  capture: none',
    '  steps:',
    `    - {at: 1s, http: {from: deploy/app0, to: "svc/app${services - 1}:80", count: 1}}`,
  );
  return `${out.join('\n')}\n`;
}
