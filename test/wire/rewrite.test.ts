import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbIp4, arbU16, arbValidIpv4Packet } from '../../src/testing/index.js';
import {
  decrementTtl,
  emitIpv4,
  type Ipv4Packet,
  icmpChecksum,
  icmpEcho,
  ip4,
  ipv4,
  ipv4HeaderChecksum,
  parseIpv4,
  tcpChecksum,
  udp,
  udpChecksum,
  verifyIpv4,
  withAddresses,
  withEndpoints,
  withIcmpEchoId,
  withPorts,
} from '../../src/wire/index.js';

/** What a full recompute gives for the rewritten packet's checksums. */
function recomputed(p: Ipv4Packet): { ip: number; l4: number | undefined } {
  const l4 = p.payload;
  if (l4.kind === 'udp') return { ip: ipv4HeaderChecksum(p), l4: l4.checksum === 0 ? 0 : udpChecksum(l4, p) };
  if (l4.kind === 'tcp') return { ip: ipv4HeaderChecksum(p), l4: tcpChecksum(l4, p) };
  if (l4.kind === 'icmp') return { ip: ipv4HeaderChecksum(p), l4: icmpChecksum(l4) };
  return { ip: ipv4HeaderChecksum(p), l4: undefined };
}

function stored(p: Ipv4Packet): { ip: number; l4: number | undefined } {
  return { ip: p.checksum, l4: p.payload.kind === 'raw' ? undefined : p.payload.checksum };
}

describe('rewrite', () => {
  it('decrementTtl() keeps a valid checksum and equals a full recompute', () => {
    fc.assert(
      fc.property(arbValidIpv4Packet(1), (p) => {
        const q = decrementTtl(p);
        expect(q.ttl).toBe(p.ttl - 1);
        expect(q.checksum).toBe(ipv4HeaderChecksum(q));
        expect(verifyIpv4(q)).toBe(true);
        expect(parseIpv4(emitIpv4(q), 0, { verifyChecksums: true })).toEqual({ ok: true, value: q });
      }),
      { numRuns: 500 },
    );
  });

  it('decrementTtl() maps a result of 0xffff to 0x0000 as ip_decrease_ttl does', () => {
    const p = ipv4({ src: 0, dst: 0, protocol: 253, payload: new Uint8Array(0) });
    expect(decrementTtl({ ...p, checksum: 0xfeff }).checksum).toBe(0x0000);
    expect(decrementTtl({ ...p, checksum: 0xff00 }).checksum).toBe(0x0001);
  });

  it('decrementTtl() leaves the input record unchanged and refuses TTL 0', () => {
    const p = ipv4({ src: 1, dst: 2, protocol: 253, payload: new Uint8Array(2) });
    const copy = { ...p };
    decrementTtl(p);
    expect(p).toEqual(copy);
    expect(() => decrementTtl({ ...p, ttl: 0 })).toThrow(RangeError);
  });

  it('withAddresses() patches IPv4 and UDP/TCP checksums to what a full recompute gives', () => {
    fc.assert(
      fc.property(arbValidIpv4Packet(1), arbIp4(), arbIp4(), (p, src, dst) => {
        const q = withAddresses(p, src, dst);
        expect(q.src).toBe(src);
        expect(q.dst).toBe(dst);
        expect(stored(q)).toEqual(recomputed(q));
        expect(verifyIpv4(q)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('withPorts() and withEndpoints() patch the L4 checksum to what a full recompute gives', () => {
    const l4Packets = arbValidIpv4Packet(1).filter(
      (p) => p.payload.kind === 'udp' || p.payload.kind === 'tcp',
    );
    fc.assert(
      fc.property(l4Packets, arbIp4(), arbIp4(), arbU16(), arbU16(), (p, src, dst, sp, dp) => {
        const q = withPorts(p, sp, dp);
        expect(q.payload).toMatchObject({ srcPort: sp, dstPort: dp });
        expect(stored(q)).toEqual(recomputed(q));
        const r = withEndpoints(p, src, dst, sp, dp);
        expect(r).toEqual(withPorts(withAddresses(p, src, dst), sp, dp));
        expect(verifyIpv4(r)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('withAddresses() keeps a UDP checksum of 0 ("none") at 0', () => {
    const a = ip4('10.244.1.2');
    const b = ip4('10.96.0.10');
    const p = ipv4({
      src: a,
      dst: b,
      payload: udp({
        src: a,
        dst: b,
        srcPort: 5000,
        dstPort: 53,
        payload: new Uint8Array(9),
        checksum: 'zero',
      }),
    });
    const q = withEndpoints(p, a, ip4('10.244.2.7'), 5000, 5353);
    expect(q.payload.kind === 'udp' && q.payload.checksum).toBe(0);
    expect(verifyIpv4(q)).toBe(true);
  });

  it('withIcmpEchoId() patches the ICMP checksum; withPorts() refuses ICMP', () => {
    const p = ipv4({
      src: 1,
      dst: 2,
      payload: icmpEcho({ type: 8, id: 0x3680, seq: 1, data: new Uint8Array(56) }),
    });
    const q = withIcmpEchoId(p, 0x1234);
    expect(q.payload.kind === 'icmp' && q.payload.rest).toBe(0x12340001);
    expect(stored(q)).toEqual(recomputed(q));
    expect(() => withPorts(p, 1, 2)).toThrow(RangeError);
  });
});
