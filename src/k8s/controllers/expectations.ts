/**
 * ControllerExpectations (pkg/controller/controller_utils.go): what a controller has asked the API server
 * to do and has not yet seen come back through its informer. Its cache lags its own writes, so without
 * this a second sync in the lag window would create the missing pods again. A controller manages
 * replicas only when the expectations of the key are satisfied (all seen) or older than 5 minutes
 * (ExpectationsTimeout), exactly as the ReplicaSet and DaemonSet controllers do.
 */

import type { Sim } from '../../sim/index.js';

/** pkg/controller ExpectationsTimeout. */
export const EXPECTATIONS_TIMEOUT_NS = 5 * 60 * 1_000_000_000;

interface Record {
  adds: number;
  /** UIDTrackingControllerExpectations: the pod keys whose deletion is still to be observed. */
  readonly deletes: Set<string>;
  readonly timestamp: number;
}

/** Outstanding creations (a count) and deletions (pod keys) per controller key. */
export class ControllerExpectations {
  private readonly records = new Map<string, Record>();

  constructor(private readonly sim: Sim) {}

  /** True when nothing is outstanding for `key` (or the record expired, or there is none). */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (r === undefined) return true;
    if (r.adds <= 0 && r.deletes.size === 0) return true;
    return this.sim.now - r.timestamp > EXPECTATIONS_TIMEOUT_NS;
  }

  /** Records that `adds` creations and the deletions of `deleteKeys` are about to be issued. */
  expect(key: string, adds: number, deleteKeys: readonly string[] = []): void {
    this.records.set(key, { adds, deletes: new Set(deleteKeys), timestamp: this.sim.now });
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r !== undefined) r.adds--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.deletes.delete(podKey);
  }

  forget(key: string): void {
    this.records.delete(key);
  }
}
