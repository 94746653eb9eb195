/**
 * The scenario's cluster operations: what `kubectl` does to the API objects (the control plane then
 * reacts with its own delays), and a node failing or recovering. Each step reports the command as typed
 * and what kubectl printed.
 */

import type { AppLine } from '../apps/index.js';
import {
  apply,
  cordon,
  deleteObject,
  drain,
  type KubectlResult,
  label,
  scale,
  setImage,
  taint,
  uncordon,
} from '../k8s/index.js';
import type { Cluster } from './build.js';
import type { StepReport } from './run-report.js';
import type { DrainStep, NodeHealthStep, OperationStep } from './types.js';

/** kubectl's short resource names, as typed on the command line. */
const TYPED: Readonly<Record<string, string>> = {
  Pod: 'pod',
  Service: 'service',
  Deployment: 'deployment',
  ReplicaSet: 'replicaset',
  DaemonSet: 'daemonset',
  StatefulSet: 'statefulset',
  Node: 'node',
};

export function operationStep(cluster: Cluster, step: OperationStep, now: number): StepReport {
  const cp = cluster.controlPlane;
  const store = cp.store;
  const report = (command: string, r: KubectlResult): StepReport => ({
    step,
    host: undefined,
    command,
    startNs: now,
    lines: [
      ...r.stdout.map((text): AppLine => ({ atNs: now, text })),
      ...r.stderr.map((text): AppLine => ({ atNs: now, text, stderr: true })),
    ],
  });
  switch (step.action) {
    case 'apply':
      return report(
        `kubectl apply -f - # ${step.object.kind} ${step.object.metadata.name ?? ''}`,
        apply(store, step.object),
      );
    case 'delete': {
      const { kind, namespace, name } = step.target;
      const r = deleteObject(store, kind, namespace, name);
      return report(`kubectl delete ${TYPED[kind] ?? kind.toLowerCase()} ${name}${nsFlag(namespace)}`, r);
    }
    case 'scale': {
      const { kind, namespace, name } = step.target;
      const typed = TYPED[kind] as 'deployment' | 'replicaset' | 'statefulset';
      const command = `kubectl scale ${typed} ${name} --replicas=${step.replicas}${nsFlag(namespace)}`;
      return report(command, scale(store, typed, name, namespace, step.replicas));
    }
    case 'rollout': {
      const { namespace, name } = step.target;
      const command = `kubectl set image deployment/${name} ${step.container}=${step.image}${nsFlag(namespace)}`;
      return report(command, setImage(store, name, namespace, step.container, step.image));
    }
    case 'cordon':
      return report(`kubectl cordon ${step.node}`, cordon(store, step.node));
    case 'uncordon':
      return report(`kubectl uncordon ${step.node}`, uncordon(store, step.node));
    case 'taint': {
      const t = step.taint;
      const spec = `${t.key}${t.value !== '' ? `=${t.value}` : ''}:${t.effect}`;
      return report(`kubectl taint nodes ${step.node} ${spec}`, taint(store, step.node, [spec]));
    }
    case 'untaint': {
      const spec = `${step.key}${step.effect !== undefined ? `:${step.effect}` : ''}-`;
      return report(`kubectl taint nodes ${step.node} ${spec}`, taint(store, step.node, [spec]));
    }
    case 'label': {
      const t = step.target;
      const ns = t.kind === 'Node' ? undefined : t.namespace;
      const args = [...step.labels].map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`)).join(' ');
      const command = `kubectl label ${TYPED[t.kind]} ${t.name} ${args}${step.overwrite ? ' --overwrite' : ''}`;
      return report(
        command,
        label(store, t.kind, t.name, ns, Object.fromEntries(step.labels), step.overwrite),
      );
    }
    case 'drain':
      return drainStep(cluster, step, now);
    case 'fail':
    case 'recover':
      return nodeHealth(cluster, step, now);
  }
}

function nsFlag(namespace: string): string {
  return namespace === 'default' ? '' : ` -n ${namespace}`;
}

/** `kubectl drain`: runs on, printing as pods are evicted and gone; the report reads the lines so far. */
function drainStep(cluster: Cluster, step: DrainStep, now: number): StepReport {
  const flags = [
    ...(step.ignoreDaemonsets ? ['--ignore-daemonsets'] : []),
    ...(step.force ? ['--force'] : []),
    ...(step.deleteEmptydirData ? ['--delete-emptydir-data'] : []),
  ];
  const lines: AppLine[] = [];
  drain(
    cluster.controlPlane.ctx,
    step.node,
    {
      ignoreDaemonsets: step.ignoreDaemonsets,
      force: step.force,
      deleteEmptydirData: step.deleteEmptydirData,
    },
    (l) =>
      lines.push(
        l.stream === 'stderr' ? { atNs: l.at, text: l.text, stderr: true } : { atNs: l.at, text: l.text },
      ),
  );
  return {
    step,
    host: undefined,
    command: ['kubectl drain', step.node, ...flags].join(' '),
    startNs: now,
    lines,
  };
}

/**
 * A node fails: its kubelet stops (no heartbeats, no reaction to the API), kube-proxy stops and its eth0
 * goes down, so nothing reaches it or leaves it. Recovery reverses that; the kubelet then catches up.
 */
function nodeHealth(cluster: Cluster, step: NodeHealthStep, now: number): StepReport {
  const host = cluster.nodes.get(step.node);
  const failing = step.action === 'fail';
  const changed = failing
    ? cluster.controlPlane.failNode(step.node)
    : cluster.controlPlane.recoverNode(step.node);
  if (changed) host?.ns.setLinkUp('eth0', !failing);
  const text = changed
    ? `${step.node}: ${failing ? 'powered off (kubelet, kube-proxy and eth0 stop)' : 'powered on'}`
    : `${step.node}: already ${failing ? 'down' : 'up'}`;
  return {
    step,
    host: step.node,
    command: failing ? 'systemctl poweroff' : 'power on',
    startNs: now,
    lines: [{ atNs: now, text }],
  };
}
