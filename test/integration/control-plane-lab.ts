/**
 * A small cluster for the control-plane properties, built through the real path: a topology file's text
 * (Cluster with short control-plane timings, Deployments each with a Service, a Scenario of operations)
 * loaded by loadTopologyText, built by buildCluster and played by runScenario — so scale, cordon,
 * uncordon, drain, fail and recover go through the scenario's own step functions. Deleting a pod of a
 * Deployment (whose names are generated, so a file cannot name them) is scheduled on the same timeline
 * and calls the same `deleteObject` the scenario's `delete` step calls.
 */
import { deleteObject, type Pod } from '../../src/k8s/index.js';
import { SECOND } from '../../src/sim/index.js';
import {
  buildCluster,
  type Cluster,
  loadTopologyText,
  renderIssues,
  runScenario,
} from '../../src/topology/index.js';

const MS = 1_000_000;

/** The timings the file sets (spec.controlPlane), short so failures evict within seconds. */
export const TIMINGS = {
  watchDelay: '10ms',
  podStartDelay: '1s',
  kubeProxyMinSyncPeriod: '1s',
  kubeProxySyncPeriod: '5s',
  nodeMonitorGracePeriod: '4s',
  nodeMonitorPeriod: '1s',
  nodeLeaseRenewInterval: '1s',
  defaultTolerationSeconds: 3,
} as const;

/** Pods' terminationGracePeriodSeconds and readiness delay (readinessProbe initialDelaySeconds). */
const TERMINATION_GRACE_S = 2;

/**
 * Simulated time after the last action: far more than grace (4 s) + monitor period (1 s) + toleration
 * (3 s) + termination (2 s) + pod start and readiness (2 s) + minSync (1 s) + syncPeriod (5 s), leaving
 * room for the node lifecycle controller's rate-limited tainting (one node per 10 s) of several nodes.
 */
export const SETTLE_NS = 120 * SECOND;

export type NodeAction = 'cordon' | 'uncordon' | 'drain' | 'fail' | 'recover';

export type Action =
  | { readonly kind: 'scale'; readonly deploy: number; readonly replicas: number }
  | { readonly kind: NodeAction; readonly node: number }
  /** `kubectl delete pod` of the `pick`-th (mod count) non-terminating pod, by name, at that time. */
  | { readonly kind: 'deletePod'; readonly pick: number };

export interface TimedAction {
  /** Time since the previous action (the first: since 1 s). */
  readonly gapMs: number;
  readonly action: Action;
}

export interface DeploySpec {
  readonly replicas: number;
  readonly nodePort: boolean;
  /** Seconds before a started pod turns Ready (a readinessProbe's initialDelaySeconds); 0: no probe. */
  readonly readyAfterS: number;
}

export interface LabSpec {
  readonly seed: number;
  readonly mode: 'iptables' | 'ipvs';
  /** Worker nodes node1..nodeN. */
  readonly workers: number;
  /** A control-plane node `cp1` with kubeadm's NoSchedule taint, first in the file. */
  readonly controlPlane: boolean;
  readonly deployments: readonly DeploySpec[];
  readonly actions: readonly TimedAction[];
  /** After the last action, `recover` every node (a no-op for those that are up). */
  readonly recoverAll: boolean;
}

export function nodeNames(spec: LabSpec): string[] {
  const workers = Array.from({ length: spec.workers }, (_, i) => `node${i + 1}`);
  return spec.controlPlane ? ['cp1', ...workers] : workers;
}

/** Deployment (and Service) name of index `i`. */
export const deployName = (i: number): string => `app${i}`;

/** The action's step as the Scenario writes it; undefined for a pod deletion (scheduled directly). */
function stepYaml(a: Action, atMs: number, nodes: readonly string[], deploys: number): string | undefined {
  const at = `${atMs}ms`;
  switch (a.kind) {
    case 'scale':
      return `    - {at: ${at}, scale: {deployment: ${deployName(a.deploy % deploys)}, replicas: ${a.replicas}}}`;
    case 'drain':
      return `    - {at: ${at}, drain: {node: ${nodes[a.node % nodes.length]}, ignoreDaemonsets: true, force: true}}`;
    case 'deletePod':
      return undefined;
    default:
      return `    - {at: ${at}, ${a.kind}: {node: ${nodes[a.node % nodes.length]}}}`;
  }
}

/** The absolute time (ms) of each action, and of the final recoveries. */
export function actionTimes(spec: LabSpec): { readonly at: readonly number[]; readonly endMs: number } {
  let t = 1000;
  const at = spec.actions.map((a) => {
    t += a.gapMs;
    return t;
  });
  return { at, endMs: spec.recoverAll ? t + 1000 : t };
}

/** The topology file of `spec`: Cluster, then per Deployment the Deployment and its Service, then Scenario. */
export function topologyText(spec: LabSpec): string {
  const nodes = nodeNames(spec);
  const lines = [
    'apiVersion: podwire/v1',
    'kind: Cluster',
    'metadata: {name: control-plane-property}',
    'spec:',
    `  seed: ${spec.seed}`,
    '  dns: none',
    `  controlPlane: ${JSON.stringify(TIMINGS)}`,
    `  network: {backend: vxlan, kubeProxyMode: ${spec.mode}}`,
    '  underlay:',
    '    - {name: rack1, cidr: 192.168.56.0/24}',
    '  nodes:',
    ...nodes.map((n) =>
      n === 'cp1'
        ? '    - {name: cp1, subnet: rack1, role: control-plane, taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]}'
        : `    - {name: ${n}, subnet: rack1}`,
    ),
  ];
  spec.deployments.forEach((d, i) => {
    const name = deployName(i);
    const probe =
      d.readyAfterS > 0
        ? `, readinessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: ${d.readyAfterS}, periodSeconds: 5}`
        : '';
    lines.push(
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      `metadata: {name: ${name}}`,
      'spec:',
      `  replicas: ${d.replicas}`,
      `  selector: {matchLabels: {app: ${name}}}`,
      '  template:',
      `    metadata: {labels: {app: ${name}}}`,
      '    spec:',
      `      terminationGracePeriodSeconds: ${TERMINATION_GRACE_S}`,
      '      containers:',
      `        - {name: web, image: nginx:1.27, ports: [{containerPort: 8080}]${probe}}`,
      '---',
      'apiVersion: v1',
      'kind: Service',
      `metadata: {name: ${name}}`,
      'spec:',
      ...(d.nodePort ? ['  type: NodePort'] : []),
      `  selector: {app: ${name}}`,
      '  ports: [{port: 80, targetPort: 8080}]',
    );
  });
  const { at, endMs } = actionTimes(spec);
  const steps = spec.actions.flatMap((a, i) => {
    const s = stepYaml(a.action, at[i] ?? 0, nodes, spec.deployments.length);
    return s === undefined ? [] : [s];
  });
  if (spec.recoverAll) for (const n of nodes) steps.push(`    - {at: ${endMs}ms, recover: {node: ${n}}}`);
  lines.push(
    '---',
    'apiVersion: podwire/v1',
    'kind: Scenario',
    'spec:',
    '  capture: none',
    ...(steps.length > 0 ? ['  steps:', ...steps] : ['  steps: []']),
  );
  return `${lines.join('\n')}\n`;
}

/** `kubectl delete pod` of the `pick`-th pod (by name) not already terminating, if any. */
function deletePod(cluster: Cluster, pick: number): void {
  const store = cluster.controlPlane.store;
  const pods = store
    .list<Pod>('Pod', { namespace: 'default' })
    .items.filter((p) => p.metadata.deletionTimestamp === undefined);
  const pod = pods[pick % Math.max(1, pods.length)];
  if (pod !== undefined) deleteObject(store, 'Pod', 'default', pod.metadata.name);
}

/** Builds the cluster of `spec` with its pod deletions scheduled (the Scenario's steps run in `play`). */
export function buildLab(spec: LabSpec): Cluster {
  const text = topologyText(spec);
  const loaded = loadTopologyText(text, 'property.yaml');
  if (!loaded.ok) throw new Error(`${renderIssues(loaded.issues, 'property.yaml')}\n${text}`);
  const cluster = buildCluster(loaded.topology);
  const { at } = actionTimes(spec);
  spec.actions.forEach((a, i) => {
    const action = a.action;
    if (action.kind !== 'deletePod') return;
    cluster.sim.at((at[i] ?? 0) * MS, () => deletePod(cluster, action.pick), undefined);
  });
  return cluster;
}

/** Plays the Scenario up to `untilNs` (once per cluster); `advance` goes on from there. */
export function play(cluster: Cluster, untilNs: number): void {
  const report = runScenario(cluster, { untilNs, expectations: false });
  if (report.outcome !== 'until') throw new Error(`run ended with ${report.outcome} at ${report.endNs}`);
}

/** Runs the simulation on to `untilNs`. */
export function advance(cluster: Cluster, untilNs: number): void {
  const r = cluster.sim.run({ until: untilNs });
  if (r.outcome !== 'until' && r.outcome !== 'idle') throw new Error(`run ended with ${r.outcome}`);
}

/** Builds the cluster of `spec` and plays its actions, then SETTLE_NS more of simulated time. */
export function runLab(spec: LabSpec): Cluster {
  const cluster = buildLab(spec);
  play(cluster, actionTimes(spec).endMs * MS + SETTLE_NS);
  return cluster;
}
