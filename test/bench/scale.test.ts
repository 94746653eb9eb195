import { describe, expect, it } from 'vitest';
import { scaleBench, scaleJson, scaleReport } from '../../bench/scale.js';
import { PODS_PER_NODE, PODS_PER_SERVICE, scaleTopology } from '../../bench/scale-topology.js';
import { loadTopologyText } from '../../src/topology/index.js';

describe('scale benchmark at a tiny size (smoke: times are never asserted)', () => {
  it('generates a valid file: N nodes, a Deployment and a Service per 15 pods, one request step', () => {
    const r = loadTopologyText(scaleTopology(4), 'scale-4.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.issues.slice(0, 2)));
    expect(r.topology.nodes).toHaveLength(4);
    const services = r.topology.objects.filter((o) => o.kind === 'Service');
    const deployments = r.topology.objects.filter((o) => o.kind === 'Deployment');
    expect(services).toHaveLength((4 * PODS_PER_NODE) / PODS_PER_SERVICE);
    expect(deployments).toHaveLength(services.length);
    expect(r.topology.scenario.steps.map((s) => s.action)).toEqual(['http']);
  });

  it('a run in its own process builds every pod through the control plane and answers the request', () => {
    const rows = scaleBench([3], { timeoutS: 120 });
    const row = rows[0];
    if (row === undefined || !row.ok) throw new Error(`scale run failed: ${JSON.stringify(row)}`);
    expect(row.pods).toBe(3 * PODS_PER_NODE);
    // The file's Services and the API server's own `kubernetes`.
    expect(row.services).toBe((3 * PODS_PER_NODE) / PODS_PER_SERVICE + 1);
    expect(row.answered).toBe(true);
    expect(row.frames).toBeGreaterThan(0);
    expect(scaleReport(rows)[2]).toMatch(/^ +3 +90 +7 .* yes$/);
    expect(scaleJson(rows)['scale_3_answered']).toBe(true);
  }, 180_000);

  it('a size over its heap limit is reported, and larger sizes are not tried', () => {
    const rows = scaleBench([2, 200], { heapMb: 16, timeoutS: 120 });
    expect(rows.map((r) => r.ok)).toEqual([false, false]);
    expect(rows[1]).toMatchObject({ nodes: 200, why: 'not run (2 nodes failed)' });
  }, 180_000);
});
