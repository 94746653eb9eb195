import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbValidIpv4Packet } from '../../src/testing/index.js';
import {
  emitIpv4,
  emitL4,
  fragment,
  fragmentOptions,
  IP_FLAG_DF,
  IP_FLAG_MF,
  type Ipv4Packet,
  icmpEcho,
  ip4,
  ipv4,
  parseIpv4,
  pingPayload,
  reassemble,
  verifyIpv4,
} from '../../src/wire/index.js';
import { hex } from './hex.js';

const a = ip4('10.244.1.2');
const b = ip4('10.244.2.2');

function ping(size: number, flags = 0, options?: Uint8Array): Ipv4Packet {
  const payload = icmpEcho({ type: 8, id: 9, seq: 1, data: pingPayload(size, 0) });
  return ipv4({ src: a, dst: b, id: 0x1234, flags, payload, ...(options === undefined ? {} : { options }) });
}

function dataLen(f: Ipv4Packet): number {
  return f.payload.kind === 'raw' ? f.payload.bytes.length : -1;
}

/** Valid packets without DF (Linux only fragments those), some larger than any MTU here. */
const arbFragmentable = arbValidIpv4Packet(1, 3000).map((p) =>
  ipv4({
    src: p.src,
    dst: p.dst,
    ttl: p.ttl,
    id: p.id,
    tos: p.tos,
    protocol: p.protocol,
    payload: p.payload,
  }),
);

describe('fragment', () => {
  it('fragment() splits a 2028-byte ping over MTU 1500 as Linux: 1500 + 548 bytes, offset 185', () => {
    const p = ping(2000);
    expect(p.totalLength).toBe(2028);
    const [f1, f2, ...rest] = fragment(p, 1500);
    expect(rest).toEqual([]);
    expect(f1).toMatchObject({ totalLength: 1500, flags: IP_FLAG_MF, fragOffset: 0, id: 0x1234 });
    expect(f2).toMatchObject({ totalLength: 548, flags: 0, fragOffset: 185, id: 0x1234 });
  });

  it('fragment() returns a packet that fits unchanged', () => {
    const p = ping(56, IP_FLAG_DF);
    expect(fragment(p, 1500)).toEqual([p]);
  });

  it('fragment() clears DF, keeps 8-byte aligned data, MF on all but the last, contiguous offsets', () => {
    fc.assert(
      fc.property(arbFragmentable, fc.integer({ min: 68, max: 1500 }), fc.boolean(), (p0, mtu, df) => {
        const p = df ? { ...p0, flags: IP_FLAG_DF } : p0;
        const frags = fragment(p, mtu);
        if (frags.length === 1) return;
        let next = 0;
        frags.forEach((f, i) => {
          const last = i === frags.length - 1;
          expect(f.totalLength).toBeLessThanOrEqual(mtu);
          expect(f.flags).toBe(last ? 0 : IP_FLAG_MF);
          expect(f.fragOffset * 8).toBe(next);
          if (!last) expect(dataLen(f) % 8).toBe(0);
          expect(verifyIpv4(f)).toBe(true);
          expect(parseIpv4(emitIpv4(f), 0, { verifyChecksums: true })).toEqual({ ok: true, value: f });
          next += dataLen(f);
        });
        expect(next).toBe(p.totalLength - 20 - p.options.length);
      }),
      { numRuns: 200 },
    );
  });

  it('reassemble(fragment(p, mtu)) is p, in any arrival order', () => {
    fc.assert(
      fc.property(arbFragmentable, fc.integer({ min: 68, max: 1500 }), fc.integer(), (p, mtu, seed) => {
        const frags = fragment(p, mtu);
        if (frags.length === 1) return;
        const shuffled = frags
          .map((f, i) => ({ f, k: Math.imul(i + 1, seed | 1) >>> 0 }))
          .sort((x, y) => x.k - y.k);
        expect(
          reassemble(
            shuffled.map((x) => x.f),
            { verifyChecksums: true },
          ),
        ).toEqual({ ok: true, value: p });
      }),
      { numRuns: 200 },
    );
  });

  it('fragment() of a fragment keeps its offset base and MF on the last piece', () => {
    const p = ping(3000);
    const [first, second] = fragment(p, 1500);
    if (first === undefined || second === undefined) throw new Error('expected fragments');
    const again = fragment(first, 576);
    expect(again.every((f) => f.flags === IP_FLAG_MF)).toBe(true);
    const again2 = fragment(second, 576);
    expect(again2[0]?.fragOffset).toBe(second.fragOffset);
    const all = [...again, ...fragment(second, 576), ...fragment(p, 1500).slice(2)];
    expect(reassemble(all)).toEqual({ ok: true, value: p });
  });

  it('fragmentOptions() turns options without the copied bit into NOPs, as ip_options_fragment does', () => {
    // Record Route (7, not copied) then Router Alert (0x94, copied) then EOL padding.
    const opts = hex('07 07 04 00000000 94 04 0000 00');
    expect(fragmentOptions(opts)).toEqual(hex('01 01 01 01010101 94 04 0000 00'));
    const p = ping(1600, 0, opts);
    const [f1, f2] = fragment(p, 1000);
    expect(f1?.options).toEqual(opts);
    expect(f2?.options).toEqual(hex('01 01 01 01010101 94 04 0000 00'));
    expect(reassemble(fragment(p, 1000))).toEqual({ ok: true, value: p });
  });

  it('reassemble() sets DF only when the largest fragment had it (ip_frag_reasm)', () => {
    const frags = fragment(ping(2000), 1500).map((f) => ({ ...f, flags: f.flags | IP_FLAG_DF }));
    const r = reassemble(frags);
    expect(r.ok && r.value.flags).toBe(IP_FLAG_DF);
    expect(r.ok && verifyIpv4(r.value)).toBe(true);
  });

  it('reassemble() reports a gap, an overlap, a missing last fragment and mixed datagrams', () => {
    const frags = fragment(ping(4000), 1500);
    const [f1, f2, f3] = frags;
    if (f1 === undefined || f2 === undefined || f3 === undefined) throw new Error('expected 3 fragments');
    expect(reassemble([])).toMatchObject({ ok: false, error: { field: 'fragments' } });
    expect(reassemble([f1, f3])).toMatchObject({
      ok: false,
      error: { field: 'fragOffset', offset: f3.fragOffset * 8 },
    });
    expect(reassemble([f1, f2, f2, f3])).toMatchObject({ ok: false, error: { field: 'fragOffset' } });
    expect(reassemble([f1, f2])).toMatchObject({ ok: false, error: { field: 'flags' } });
    expect(reassemble([f1, { ...f2, id: 1 }, f3])).toMatchObject({ ok: false, error: { field: 'id' } });
  });

  it('fragment() throws RangeError when the MTU leaves no room for 8 data bytes', () => {
    expect(() => fragment(ping(100), 27)).toThrow(RangeError);
    expect(fragment(ping(100), 28).length).toBe(14); // 108 ICMP bytes in 8-byte pieces
  });

  it('fragments carry the emitted transport bytes', () => {
    const p = ping(2000);
    const joined = fragment(p, 1500).flatMap((f) =>
      f.payload.kind === 'raw' ? Array.from(f.payload.bytes) : [],
    );
    expect(new Uint8Array(joined)).toEqual(emitL4(p.payload));
  });
});
