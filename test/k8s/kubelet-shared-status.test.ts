/**
 * The kubelet hands the store frozen condition and container-state objects that pods of a node share
 * while equal. Sharing must never give a pod another pod's times: after the drain scenario (pods started
 * at the build and later, readiness 2 s after start), each pod's conditions must follow from its own
 * start, and equal values must be one object (what the sharing is for).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/k8s/index.js';
import { SECOND } from '../../src/sim/index.js';
import { buildCluster, loadTopologyText } from '../../src/topology/index.js';
import { runScenario } from '../../src/topology/run.js';

describe('kubelet shared status parts', () => {
  it('every pod conditions follow from its own start, and equal parts are shared', () => {
    const loaded = loadTopologyText(readFileSync('topologies/drain.yaml', 'utf8'), 'drain.yaml');
    if (!loaded.ok) throw new Error('drain.yaml does not load');
    const cluster = buildCluster(loaded.topology);
    runScenario(cluster, { expectations: false });
    const pods = cluster.controlPlane.store
      .list<Pod>('Pod')
      .items.filter((p) => p.status?.phase === 'Running');
    const webStartedLate = pods.filter(
      (p) => p.metadata.name.startsWith('web') && (p.status?.startTime ?? 0) > 0,
    );
    expect(webStartedLate.length).toBeGreaterThan(0); // the replacements made by the drain
    const byValue = new Map<string, object>();
    let shared = 0;
    for (const pod of pods) {
      const status = pod.status;
      if (status === undefined) throw new Error('no status');
      const conds = status.conditions ?? [];
      expect(conds.map((c) => c.type)).toEqual([
        'PodReadyToStartContainers',
        'Initialized',
        'Ready',
        'ContainersReady',
        'PodScheduled',
      ]);
      const at = (type: string) => conds.find((c) => c.type === type);
      const started = status.containerStatuses?.[0]?.state.running?.startedAt;
      expect(started).toBe(status.startTime);
      expect(at('PodReadyToStartContainers')).toMatchObject({ status: 'True', lastTransitionTime: started });
      if (webStartedLate.includes(pod)) {
        // readinessProbe initialDelaySeconds: 2 — Ready exactly then, not at another pod's time.
        expect(at('Ready')).toMatchObject({
          status: 'True',
          lastTransitionTime: (started ?? 0) + 2 * SECOND,
        });
      }
      expect(at('ContainersReady')?.lastTransitionTime).toBe(at('Ready')?.lastTransitionTime);
      for (const c of [...conds, status.containerStatuses?.[0]?.state]) {
        const key = `${pod.spec.nodeName} ${JSON.stringify(c)}`;
        const seen = byValue.get(key);
        if (seen === undefined) byValue.set(key, c as object);
        else if (seen === c) shared++;
      }
    }
    // Pods of a node that started together hold one object per equal condition and running state.
    expect(shared).toBeGreaterThan(pods.length);
  });
});
