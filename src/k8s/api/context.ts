/**
 * What every control-plane component is given: the API store, the simulator, and the cluster's timings.
 * Components never call `setTimeout`-like code of their own: one-shot work goes through `sim.after`,
 * periodic loops (heartbeats, resyncs, probes) through `sim.daemon`, so a run ends once only those remain.
 */

import type { Sim } from '../../sim/index.js';
import type { ApiStore } from '../store/index.js';

const MS = 1_000_000;
const S = 1_000_000_000;

/** The knobs of kube-apiserver, kube-controller-manager, kubelet and kube-proxy podwire models, in ns. */
export interface Timings {
  /** apiserver → every watcher (informer) delivery lag. */
  readonly watchDelayNs: number;
  /** kube-proxy `minSyncPeriod`: syncs after a change are at least this far apart (BoundedFrequencyRunner). */
  readonly kubeProxyMinSyncNs: number;
  /** kube-proxy `syncPeriod`: the periodic full resync. */
  readonly kubeProxySyncPeriodNs: number;
  /** kubelet: sandbox + image + container start, from binding seen to containers running. */
  readonly podStartNs: number;
  /** kubelet Lease renew interval (nodeLeaseDurationSeconds 40 → renew every 10 s). */
  readonly nodeLeaseRenewNs: number;
  /** kube-controller-manager `--node-monitor-period`. */
  readonly nodeMonitorPeriodNs: number;
  /** kube-controller-manager `--node-monitor-grace-period` (50 s since 1.32). */
  readonly nodeMonitorGraceNs: number;
  /** `--default-not-ready-toleration-seconds` / `--default-unreachable-toleration-seconds`. */
  readonly defaultTolerationSeconds: number;
}

export const DEFAULT_TIMINGS: Timings = {
  watchDelayNs: 10 * MS,
  kubeProxyMinSyncNs: 1 * S,
  kubeProxySyncPeriodNs: 30 * S,
  podStartNs: 1 * S,
  nodeLeaseRenewNs: 10 * S,
  nodeMonitorPeriodNs: 5 * S,
  nodeMonitorGraceNs: 50 * S,
  defaultTolerationSeconds: 300,
};

/**
 * The shared context. `settling` is true while the build brings the file's objects to their steady
 * state at t=0 (the file describes a cluster that is already up): components then act without delays —
 * no watch lag, no start latency, readiness at once — and `delay()` returns 0.
 */
export class ControlPlaneContext {
  settling = true;

  constructor(
    readonly sim: Sim,
    readonly store: ApiStore,
    readonly timings: Timings = DEFAULT_TIMINGS,
  ) {}

  /** A configured delay, or 0 while settling. */
  delay(ns: number): number {
    return this.settling ? 0 : ns;
  }

  /** The watch delay as informers take it (read at each delivery). */
  readonly watchDelay = (): number => this.delay(this.timings.watchDelayNs);
}
