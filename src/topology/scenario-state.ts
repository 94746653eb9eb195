/**
 * What the Scenario's checks know about the cluster's objects at a step's time: the file's Pods,
 * Services and workloads, changed by the earlier `apply`, `delete` and `scale` steps. Only what is
 * knowable from the file is here — pods a Deployment makes have random names and are never known.
 */

import type { WorkloadFact } from './manifests-check.js';
import type { PodNames } from './pods.js';
import type { ServiceFact } from './services.js';
import type { ContainerPortSpec, DeletableKind } from './types.js';

/** A pod a `pod/NAME` reference may name. */
export type PodName = PodNames[number];

/** What an `apply` step adds (nothing knowable for Endpoints and EndpointSlices). */
export type AppliedFact =
  | { readonly kind: 'pod'; readonly pod: PodName }
  | { readonly kind: 'service'; readonly service: ServiceFact }
  | { readonly kind: 'workload'; readonly workload: WorkloadFact }
  | { readonly kind: 'other' };

/** The objects of the file the Scenario may name. */
export interface ScenarioObjects {
  readonly pods: PodNames;
  readonly services: readonly ServiceFact[];
  readonly workloads?: readonly WorkloadFact[];
  /** The Cluster says `dns: coredns`. */
  readonly dns?: boolean;
}

function same(a: { namespace: string; name: string }, namespace: string, name: string): boolean {
  return a.namespace === namespace && a.name === name;
}

/** The objects known at the current step; steps are fed in time order. */
export class ScenarioState {
  private pods: PodName[];
  private services: ServiceFact[];
  private workloads: WorkloadFact[];
  readonly dns: boolean;

  constructor(objects: ScenarioObjects) {
    this.pods = [...objects.pods];
    this.services = [...objects.services];
    this.workloads = [...(objects.workloads ?? [])];
    this.dns = objects.dns ?? false;
  }

  /** Named pods: the file's and applied ones, and every StatefulSet ordinal `NAME-i`, i < replicas. */
  podNames(): readonly PodName[] {
    const ordinals = this.workloads.flatMap((w): PodName[] =>
      w.kind !== 'StatefulSet' || w.replicas === undefined
        ? []
        : Array.from({ length: w.replicas }, (_, i) => ({
            namespace: w.namespace,
            name: `${w.name}-${i}`,
            ports: w.ports,
          })),
    );
    return [...this.pods, ...ordinals];
  }

  pod(namespace: string, name: string): PodName | undefined {
    return this.podNames().find((p) => same(p, namespace, name));
  }

  serviceList(): readonly ServiceFact[] {
    return this.services;
  }

  service(namespace: string, name: string): ServiceFact | undefined {
    return this.services.find((s) => same(s, namespace, name));
  }

  workloadList(kind: WorkloadFact['kind']): readonly WorkloadFact[] {
    return this.workloads.filter((w) => w.kind === kind);
  }

  workload(kind: WorkloadFact['kind'], namespace: string, name: string): WorkloadFact | undefined {
    return this.workloads.find((w) => w.kind === kind && same(w, namespace, name));
  }

  /** The ports a pod, or every pod of a workload, declares. */
  portsOf(kind: 'pod' | 'deploy' | 'sts', namespace: string, name: string): readonly ContainerPortSpec[] {
    if (kind === 'pod') return this.pod(namespace, name)?.ports ?? [];
    return this.workload(kind === 'deploy' ? 'Deployment' : 'StatefulSet', namespace, name)?.ports ?? [];
  }

  /** `kubectl apply`: creates the object, or replaces the one of that name. */
  apply(fact: AppliedFact): void {
    if (fact.kind === 'pod') {
      const { namespace, name } = fact.pod;
      this.pods = [...this.pods.filter((p) => !same(p, namespace, name)), fact.pod];
    } else if (fact.kind === 'service') {
      const { namespace, name } = fact.service;
      this.services = [...this.services.filter((s) => !same(s, namespace, name)), fact.service];
    } else if (fact.kind === 'workload') {
      const w = fact.workload;
      this.workloads = [
        ...this.workloads.filter((o) => !(o.kind === w.kind && same(o, w.namespace, w.name))),
        w,
      ];
    }
  }

  delete(kind: DeletableKind, namespace: string, name: string): void {
    if (kind === 'Pod') this.pods = this.pods.filter((p) => !same(p, namespace, name));
    else if (kind === 'Service') this.services = this.services.filter((s) => !same(s, namespace, name));
    else this.workloads = this.workloads.filter((w) => !(w.kind === kind && same(w, namespace, name)));
  }

  scale(kind: WorkloadFact['kind'], namespace: string, name: string, replicas: number): void {
    this.workloads = this.workloads.map((w) =>
      w.kind === kind && same(w, namespace, name) ? { ...w, replicas } : w,
    );
  }
}
