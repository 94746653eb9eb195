/**
 * The simulator side of the CNI-lab comparison (cni-lab.ts): will build node1 with cni0 and the pods pa, pb
 * in podwire, run the same CNI ADD/DEL sequence, pings and commands as `observeCniKernel`, and return the
 * same normalised `CniObservation`, so that the comparison in cni.kernel.test.ts is a deep equality.
 */
import type { CniObservation } from './cni-lab.js';

export function simulateCniLab(): CniObservation | undefined {
  // filled in once pods exist in the simulator
  return undefined;
}
