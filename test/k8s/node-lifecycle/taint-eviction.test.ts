import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../../src/k8s/api/index.js';
import { addPod, DEFAULT_TOLERATIONS, makeLab, S } from './lab.js';

const FOREVER = [
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists' as const, effect: 'NoExecute' as const },
];

function noExecuteSince(node: Node): number | undefined {
  return node.spec.taints?.find((t) => t.effect === 'NoExecute')?.timeAdded;
}

describe('TaintEvictionController', () => {
  it('evicts untolerating pods at once, default-tolerating pods after 300 s, keeps forever-tolerating ones', () => {
    const lab = makeLab(['node1', 'node2']);
    addPod(lab, 'bare', 'node2');
    addPod(lab, 'web', 'node2', DEFAULT_TOLERATIONS);
    addPod(lab, 'ds', 'node2', FOREVER);
    lab.beats.get('node2')?.stop();
    lab.sim.run({ until: 170 * S });
    const tainted = noExecuteSince(lab.node('node2'));
    expect(tainted).toBeDefined();
    const bare = lab.pod('bare');
    expect(bare?.metadata.deletionTimestamp).toBe((tainted ?? 0) + 10_000_000 + 30 * S); // watch lag + 30 s grace
    expect(bare?.status?.conditions?.find((c) => (c.type as string) === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'DeletionByTaintManager',
      message: 'Taint manager: deleting due to NoExecute taint',
    });
    expect(lab.pod('web')?.metadata.deletionTimestamp).toBeUndefined();
    lab.sim.run({ until: (tainted ?? 0) + 299 * S });
    expect(lab.pod('web')?.metadata.deletionTimestamp).toBeUndefined();
    lab.sim.run({ until: (tainted ?? 0) + 301 * S });
    expect(lab.pod('web')?.metadata.deletionTimestamp).toBeDefined();
    lab.sim.run({ until: 2000 * S });
    expect(lab.pod('ds')?.metadata.deletionTimestamp).toBeUndefined();
  });

  it('recovery cancels pending evictions', () => {
    const lab = makeLab(['node1', 'node2']);
    addPod(lab, 'web', 'node2', DEFAULT_TOLERATIONS);
    lab.beats.get('node2')?.stop();
    lab.sim.run({ until: 200 * S });
    expect(lab.eviction.pending().has('default/web')).toBe(true);
    lab.beats.get('node2')?.start();
    lab.sim.run({ until: 210 * S });
    expect(lab.eviction.pending().size).toBe(0);
    lab.sim.run({ until: 1000 * S });
    expect(lab.pod('web')?.metadata.deletionTimestamp).toBeUndefined();
  });

  it('property: only pods on failed nodes are deleted, each after its tolerationSeconds of NoExecute taint', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            node: fc.integer({ min: 0, max: 3 }),
            fail: fc.boolean(),
            at: fc.integer({ min: 1, max: 400 }),
          }),
          {
            maxLength: 8,
          },
        ),
        fc.array(fc.constantFrom(0, 30, 300, -1), { minLength: 4, maxLength: 4 }),
        (steps, tolSeconds) => {
          const names = ['n0', 'n1', 'n2', 'n3'];
          const lab = makeLab(names);
          const everFailed = new Set<string>();
          // NoExecute taint intervals per node: [start, end).
          const tainted = new Map<string, { start: number; end: number }[]>();
          lab.ctx.store.watch<Node>('Node', {}, (e) => {
            const since = noExecuteSince(e.object);
            const list = tainted.get(e.object.metadata.name) ?? [];
            const open = list.length > 0 && (list[list.length - 1]?.end ?? 0) === Number.POSITIVE_INFINITY;
            if (since !== undefined && !open) list.push({ start: since, end: Number.POSITIVE_INFINITY });
            if (since === undefined && open) (list[list.length - 1] as { end: number }).end = lab.sim.now;
            tainted.set(e.object.metadata.name, list);
          });
          const podTol = new Map<string, number>();
          for (const [i, n] of names.entries()) {
            for (const [j, secs] of tolSeconds.entries()) {
              const name = `p-${i}-${j}`;
              podTol.set(name, secs);
              const tol =
                secs < 0
                  ? FOREVER
                  : secs === 0
                    ? []
                    : DEFAULT_TOLERATIONS.map((t) => ({ ...t, tolerationSeconds: secs }));
              addPod(lab, name, n, tol);
            }
          }
          const deleted: { pod: Pod; at: number }[] = [];
          lab.ctx.store.watch<Pod>('Pod', {}, (e) => {
            if (e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp !== undefined) {
              if (!deleted.some((d) => d.pod.metadata.name === e.object.metadata.name)) {
                deleted.push({ pod: e.object, at: lab.sim.now });
              }
            }
          });
          for (const s of [...steps].sort((a, b) => a.at - b.at)) {
            lab.sim.run({ until: s.at * 10 * S });
            const name = names[s.node] as string;
            if (s.fail) {
              everFailed.add(name);
              lab.beats.get(name)?.stop();
            } else lab.beats.get(name)?.start();
          }
          lab.sim.run({ until: lab.sim.now + 1000 * S });
          for (const d of deleted) {
            const node = d.pod.spec.nodeName as string;
            expect(everFailed.has(node)).toBe(true);
            const secs = podTol.get(d.pod.metadata.name) ?? 0;
            expect(secs).toBeGreaterThanOrEqual(0);
            const spans = tainted.get(node) ?? [];
            const ok = spans.some((sp) => sp.start + secs * S <= d.at && d.at <= sp.end);
            expect(ok).toBe(true);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
