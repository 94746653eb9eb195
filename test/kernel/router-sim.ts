/**
 * The simulator side of the router-lab comparison: runs test/kernel/router-lab.yaml in podwire and returns
 * the same normalised `RouterObservation` the kernel side (router-lab.ts `observeKernel`) produces — use
 * its `pingObservation` / `tracerouteObservation` / `commandOutput` helpers with a `NormaliseContext` built
 * from the simulated devices (`nsPrefix: ''`), so both sides are normalised by the same code.
 */
import type { RouterObservation } from './router-lab.js';

export function simulateRouterLab(): RouterObservation | undefined {
  // filled in once the simulator datapath exists
  return undefined;
}
