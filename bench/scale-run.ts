/**
 * One size of the scale benchmark, run in its own process (`bench/scale.ts` starts it with
 * --expose-gc and a heap limit): load the generated file, build the fabric and bring the control plane
 * up (scheduler, controllers, kubelets' CNI ADDs, endpoints, every node's kube-proxy sync), then play the
 * one request. Prints one JSON line (ScaleRunResult).
 */
import { buildCluster, loadTopologyText, runScenario } from '../src/topology/index.js';
import { scaleTopology } from './scale-topology.js';

export interface ScaleRunResult {
  readonly nodes: number;
  readonly pods: number;
  readonly services: number;
  /** Parsing and checking the file, ms. */
  readonly loadMs: number;
  /** Fabric, flannel and the control plane settled, ms. */
  readonly buildMs: number;
  /** The request's run (the scenario's first RUN_FOR_NS of simulated time), ms. */
  readonly packetMs: number;
  /** V8 heap after a full GC with the cluster built, MB. */
  readonly heapMb: number;
  /** Peak resident set size of the process, MB. */
  readonly rssMb: number;
  /** Frames the request's packets made on every device they crossed. */
  readonly frames: number;
  readonly answered: boolean;
}

const nodes = Number(process.argv[2]);
const gc = (globalThis as { gc?: () => void }).gc;
const t0 = performance.now();
const loaded = loadTopologyText(scaleTopology(nodes), `scale-${nodes}.yaml`);
if (!loaded.ok) throw new Error(`scale-${nodes}: the generated file is invalid`);
const t1 = performance.now();
const cluster = buildCluster(loaded.topology);
const t2 = performance.now();
gc?.();
const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
// The request's clock starts after that full collection (seconds at 5,000 nodes, not the request's).
const t2b = performance.now();
let frames = 0;
cluster.trace.on(() => {
  frames++;
});
// The request leaves at 1 s and is answered within milliseconds; the rest of an idle run would be the
// Deployment controller's progress-deadline requeue at 600 s with every node's heartbeats until then.
const RUN_FOR_NS = 10_000_000_000;
const report = runScenario(cluster, { expectations: false, untilNs: RUN_FOR_NS });
const t3 = performance.now();
const request = report.steps[0]?.requests?.[0];
const result: ScaleRunResult = {
  nodes,
  pods: cluster.pods.size,
  services: cluster.controlPlane.store.list('Service').items.length,
  loadMs: t1 - t0,
  buildMs: t2 - t1,
  packetMs: t3 - t2b,
  heapMb,
  rssMb: process.resourceUsage().maxRSS / 1024,
  frames,
  answered: request?.ok === true,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
