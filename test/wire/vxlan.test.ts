import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbVxlanPacket } from '../../src/testing/index.js';
import {
  decrementTtl,
  describeFrame,
  describeVxlan,
  emitEthernet,
  emitVxlan,
  ethernet,
  foldSum,
  IP_FLAG_DF,
  icmpEcho,
  icmpFieldSum,
  internetChecksum,
  ip4,
  ipv4,
  mac,
  parseEthernet,
  parseVxlan,
  pingPayload,
  pseudoHeaderSum,
  udp,
  VXLAN_OVERHEAD,
  verifyEthernet,
  vxlan,
  vxlanLen,
} from '../../src/wire/index.js';
import { hex, toHex } from './hex.js';

// LAB frame (wire-formats.md §7): ICMP echo 10.244.1.2 → 10.244.2.2 through flannel.1, 148 bytes. The
// reference shows the first 92 bytes, up to the echo id/seq.
const LAB_PREFIX = hex(`
  ea 91 59 50 b5 a7 e2 e7 1a 71 4d d3 08 00 45 00
  00 86 ac 58 00 00 40 11 dc a6 c0 a8 38 0b c0 a8
  38 0c c5 d0 21 18 00 72 f1 eb 08 00 00 00 00 00
  01 00 0a 00 00 00 00 02 0a 00 00 00 00 01 08 00
  45 00 00 54 00 fd 40 00 3f 01 21 c1 0a f4 01 02
  0a f4 02 02 08 00 50 48 36 80 00 01`);

/**
 * The 56 echo data bytes are not in the reference: iputils writes a 16-byte timeval then 0x10, 0x11, ….
 * The timeval is unknown, so pick one (zeros and one word) whose ICMP checksum is the captured 0x5048.
 * The outer UDP checksum does not depend on that choice: a message with a right checksum sums to 0xffff.
 */
function labEchoData(): Uint8Array {
  const data = pingPayload(56, 0);
  const wanted = ~0x5048 & 0xffff; // the folded sum of a message whose checksum is 0x5048
  const s = foldSum(icmpFieldSum(8, 0, 0x36800001, data));
  const word = (wanted - s + 0xffff) % 0xffff;
  data[0] = word >>> 8;
  data[1] = word & 0xff;
  return data;
}

function labFrame(): Uint8Array {
  const b = new Uint8Array(148);
  b.set(LAB_PREFIX);
  b.set(labEchoData(), 92);
  return b;
}

describe('vxlan', () => {
  it('the LAB outer UDP checksum 0xf1eb is only the pseudo-header sum: a CHECKSUM_PARTIAL capture artefact', () => {
    // Captured on the sending node, the outer UDP checksum still holds the seed the NIC would finish.
    expect(foldSum(pseudoHeaderSum(ip4('192.168.56.11'), ip4('192.168.56.12'), 17, 114))).toBe(0xf1eb);
  });

  it('parseEthernet() decodes the LAB VXLAN frame and re-emits its 148 bytes', () => {
    const bytes = labFrame();
    const r = parseEthernet(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const outer = r.value.payload;
    expect(outer).toMatchObject({
      kind: 'ipv4',
      totalLength: 134,
      id: 0xac58,
      flags: 0,
      ttl: 64,
      checksum: 0xdca6,
    });
    if (outer.kind !== 'ipv4' || outer.payload.kind !== 'udp') return;
    expect(outer.payload).toMatchObject({ srcPort: 50640, dstPort: 8472, length: 114, checksum: 0xf1eb });
    const v = outer.payload.payload;
    expect(v).toMatchObject({ kind: 'vxlan', flags: 0x08, reserved1: 0, vni: 1, reserved2: 0 });
    if (v.kind !== 'vxlan') return;
    expect(v.inner).toMatchObject({ dst: mac('0a:00:00:00:00:02'), src: mac('0a:00:00:00:00:01') });
    expect(v.inner.payload).toMatchObject({
      kind: 'ipv4',
      ttl: 63,
      id: 0xfd,
      flags: IP_FLAG_DF,
      checksum: 0x21c1,
    });
    expect(verifyEthernet(v.inner)).toBe(true);
    expect(emitEthernet(r.value)).toEqual(bytes);
    expect(describeFrame(r.value)).toContain(
      'UDP 50640 > 8472, length 106: VXLAN, flags [I] (0x08), vni 1: ',
    );
  });

  it('parseEthernet() with verifyChecksums rejects the LAB partial UDP checksum and names the final one', () => {
    expect(parseEthernet(labFrame(), { verifyChecksums: true })).toEqual({
      ok: false,
      error: { layer: 'udp', field: 'checksum', offset: 40, expected: '0x01b6 or 0' },
    });
  });

  it('the builders reproduce the LAB frame byte for byte, with the final UDP checksum on the wire', () => {
    const podA = ip4('10.244.1.2');
    const podB = ip4('10.244.2.2');
    const echo = icmpEcho({ type: 8, id: 0x3680, seq: 1, data: labEchoData() });
    expect(echo.checksum).toBe(0x5048);
    // The pod sent TTL 64; node1 forwarded it into flannel.1, decrementing to 63.
    const innerIp = decrementTtl(ipv4({ src: podA, dst: podB, id: 0xfd, flags: IP_FLAG_DF, payload: echo }));
    expect(innerIp.checksum).toBe(0x21c1);
    const inner = ethernet(mac('0a:00:00:00:00:02'), mac('0a:00:00:00:00:01'), innerIp);
    const nodeA = ip4('192.168.56.11');
    const nodeB = ip4('192.168.56.12');
    const outerUdp = udp({
      src: nodeA,
      dst: nodeB,
      srcPort: 50640,
      dstPort: 8472,
      payload: vxlan({ vni: 1, inner }),
    });
    const outerIp = ipv4({ src: nodeA, dst: nodeB, id: 0xac58, payload: outerUdp });
    expect(outerIp.checksum).toBe(0xdca6);
    const frame = ethernet(mac('ea:91:59:50:b5:a7'), mac('e2:e7:1a:71:4d:d3'), outerIp);
    const emitted = emitEthernet(frame);
    const expected = labFrame();
    expected.set(hex('01b6'), 40);
    expect(toHex(emitted)).toBe(toHex(expected));
    // The final checksum, recomputed from the emitted bytes rather than the fields.
    expect(internetChecksum(emitted, 34, 148, pseudoHeaderSum(nodeA, nodeB, 17, 114))).toBe(0);
    expect(parseEthernet(emitted, { verifyChecksums: true })).toEqual({ ok: true, value: frame });
    expect(vxlanLen(vxlan({ vni: 1, inner }))).toBe(8 + 98);
    expect(148 - 98).toBe(VXLAN_OVERHEAD);
  });

  it('parseEthernet() leaves 8472 traffic raw when the VXLAN I flag is clear', () => {
    const b = labFrame();
    b[42] = 0x00;
    const r = parseEthernet(b);
    expect(
      r.ok &&
        r.value.payload.kind === 'ipv4' &&
        r.value.payload.payload.kind === 'udp' &&
        r.value.payload.payload.payload.kind,
    ).toBe('raw');
  });

  it('parseVxlan() rejects a short header and a clear I flag with absolute offsets', () => {
    expect(parseVxlan(hex('00 0800000000'), 1)).toEqual({
      ok: false,
      error: { layer: 'vxlan', field: 'length', offset: 1, expected: 'at least 8 bytes, got 5' },
    });
    const b = labFrame();
    b[42] = 0x80;
    expect(parseVxlan(b, 42)).toEqual({
      ok: false,
      error: { layer: 'vxlan', field: 'flags', offset: 42, expected: 'the I flag (0x08) set' },
    });
  });

  it('parseVxlan(emitVxlan(v)) is v for every VXLAN packet, reserved bits included', () => {
    fc.assert(
      fc.property(arbVxlanPacket(1), (v) => {
        const b = emitVxlan(v);
        expect(b.length).toBe(vxlanLen(v));
        expect(parseVxlan(b, 0)).toEqual({ ok: true, value: v });
      }),
    );
  });

  it('parseVxlan() never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(82), (b, at) => {
        const r = parseVxlan(b, at);
        if (r.ok) expect(emitVxlan(r.value)).toEqual(b.slice(at));
      }),
    );
  });

  it('describeVxlan() prints flags and VNI like tcpdump', () => {
    expect(describeVxlan(vxlan({ vni: 1, inner: ethernet(1, 2, hex('00'), 0x88b5) }))).toBe(
      'VXLAN, flags [I] (0x08), vni 1',
    );
  });
});
