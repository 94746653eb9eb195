import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbArpPacket, arbMutatedFrameBytes } from '../../src/testing/index.js';
import {
  ARP_LEN,
  arpReply,
  arpRequest,
  BROADCAST_MAC,
  describeArp,
  emitArp,
  emitEthernet,
  ethernet,
  ethernetLen,
  ip4,
  mac,
  parseArp,
  parseEthernet,
} from '../../src/wire/index.js';
import { hex } from './hex.js';

// LAB capture (wire-formats.md §2): node 192.168.56.11 asks for 192.168.56.12, broadcast, 42 bytes.
const LAB_ARP_BODY = hex('0001 0800 06 04 0001 e2e71a714dd3 c0a8380b 000000000000 c0a8380c');
const LAB_ARP_FRAME = hex(
  `ffffffffffff e2e71a714dd3 0806 ${'0001 0800 06 04 0001 e2e71a714dd3 c0a8380b 000000000000 c0a8380c'}`,
);

describe('arp', () => {
  it('parseArp() reads the LAB request and emitArp() writes the same 28 bytes', () => {
    const r = parseArp(LAB_ARP_BODY);
    expect(r).toEqual({
      ok: true,
      value: {
        kind: 'arp',
        op: 1,
        senderMac: mac('e2:e7:1a:71:4d:d3'),
        senderIp: ip4('192.168.56.11'),
        targetMac: 0,
        targetIp: ip4('192.168.56.12'),
      },
    });
    if (r.ok) expect(emitArp(r.value)).toEqual(LAB_ARP_BODY);
  });

  it('arpRequest() framed to broadcast is byte-identical to the 42-byte LAB frame', () => {
    const req = arpRequest({
      senderMac: mac('e2:e7:1a:71:4d:d3'),
      senderIp: ip4('192.168.56.11'),
      targetIp: ip4('192.168.56.12'),
    });
    const frame = ethernet(BROADCAST_MAC, mac('e2:e7:1a:71:4d:d3'), req);
    expect(ethernetLen(frame)).toBe(42);
    expect(emitEthernet(frame)).toEqual(LAB_ARP_FRAME);
    expect(parseEthernet(LAB_ARP_FRAME)).toEqual({ ok: true, value: frame });
  });

  it('arpReply() swaps roles: sender is the answering host, target the requester', () => {
    const rep = arpReply({
      senderMac: mac('0a:00:00:00:00:02'),
      senderIp: ip4('192.168.56.12'),
      targetMac: mac('e2:e7:1a:71:4d:d3'),
      targetIp: ip4('192.168.56.11'),
    });
    expect(rep.op).toBe(2);
    expect(describeArp(rep)).toBe('Reply 192.168.56.12 is-at 0a:00:00:00:00:02, length 28');
  });

  it('describeArp() prints a request like tcpdump', () => {
    const r = parseArp(LAB_ARP_BODY);
    expect(r.ok && describeArp(r.value)).toBe('Request who-has 192.168.56.12 tell 192.168.56.11, length 28');
  });

  it('parseArp() rejects a short packet, a non-Ethernet htype and a non-IPv4 ptype with their offsets', () => {
    expect(parseArp(LAB_ARP_BODY.subarray(0, 27))).toEqual({
      ok: false,
      error: { layer: 'arp', field: 'length', offset: 0, expected: 'at least 28 bytes, got 27' },
    });
    const badHtype = LAB_ARP_BODY.slice();
    badHtype[1] = 6;
    expect(parseArp(badHtype)).toMatchObject({ ok: false, error: { field: 'htype', offset: 0 } });
    const badPtype = LAB_ARP_BODY.slice();
    badPtype[2] = 0x86;
    expect(parseArp(badPtype)).toMatchObject({ ok: false, error: { field: 'ptype', offset: 2 } });
    const inFrame = LAB_ARP_FRAME.slice();
    inFrame[14 + 4] = 8;
    expect(parseEthernet(inFrame)).toMatchObject({
      ok: false,
      error: { layer: 'arp', field: 'hlen', offset: 18 },
    });
  });

  it('parseEthernet() keeps the NIC padding after a 28-byte ARP as the trailer', () => {
    const padded = new Uint8Array(60);
    padded.set(LAB_ARP_FRAME);
    const r = parseEthernet(padded);
    expect(r.ok && r.value.trailer).toEqual(new Uint8Array(18));
    if (r.ok) expect(emitEthernet(r.value)).toEqual(padded);
  });

  it('parseArp(emitArp(r)) is r for every ARP packet, at any offset', () => {
    fc.assert(
      fc.property(arbArpPacket(), fc.nat(8), (pkt, at) => {
        const buf = new Uint8Array(at + ARP_LEN);
        emitArp(pkt, buf, at);
        expect(parseArp(buf, at)).toEqual({ ok: true, value: pkt });
      }),
    );
  });

  it('parseArp() never throws on arbitrary bytes and offsets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: -3, max: 44 }), (b, at) => {
        const r = parseArp(b, at);
        if (r.ok) expect(emitArp(r.value)).toEqual(b.slice(at, at + ARP_LEN));
        else if (at < 0) expect(r.error.field).toBe('offset');
      }),
    );
    fc.assert(
      fc.property(arbMutatedFrameBytes(), (b) => {
        parseArp(b, 14);
      }),
    );
  });

  it('emitArp() throws RangeError when the buffer is too small', () => {
    const r = parseArp(LAB_ARP_BODY);
    if (r.ok) expect(() => emitArp(r.value, new Uint8Array(30), 4)).toThrow(RangeError);
  });
});
