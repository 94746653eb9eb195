import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TracedPacket } from '../../src/inspect/index.js';
import { TRACE_VXLAN, traceIn } from './trace-helpers.js';

/** Routers the packet itself passed (ip_forward of the traced packet, not of a VXLAN carrier). */
function forwards(p: TracedPacket | undefined): number {
  return (p?.hops ?? []).flatMap((h) => h.steps).filter((s) => s.kind === 'forward' && !s.outer).length;
}

const pods = fc.constantFrom('pa', 'pb', 'pc', 'pd');
/** Before any traffic, while the scenario's ping is in flight, after it, and once the model is idle. */
const times = fc.constantFrom(undefined, '0.5s', '1.0001s', '2s');

describe('traceFlow() between random pods of the vxlan fixture', () => {
  it('ends in delivery both ways; every forward costs one TTL; the same state traces the same', () => {
    fc.assert(
      fc.property(pods, pods, times, (from, to, at) => {
        const options = at === undefined ? {} : { at };
        const { report } = traceIn(TRACE_VXLAN, `pod/${from}`, `pod/${to}`, options);
        const [request, reply] = report.packets;
        expect(request?.fate.kind).toBe('delivered');
        expect(reply?.fate.kind).toBe('delivered');
        for (const p of [request, reply]) {
          if (p?.fate.kind !== 'delivered') continue;
          expect(forwards(p)).toBe(64 - p.fate.ttl);
        }
        // Determinism: the same file played to the same time gives the same trace, step for step.
        expect(traceIn(TRACE_VXLAN, `pod/${from}`, `pod/${to}`, options).report).toEqual(report);
      }),
      { numRuns: 30 },
    );
  });
});
