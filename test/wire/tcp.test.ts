import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbIp4, arbTcpSegment } from '../../src/testing/index.js';
import {
  describeTcp,
  emitTcp,
  internetChecksum,
  ip4,
  linuxSynOptions,
  parseTcp,
  pseudoHeaderSum,
  TCP_ACK,
  TCP_SYN,
  type TcpSegment,
  tcp,
  tcpChecksum,
  tcpLen,
  timestampOptions,
  verifyTcp,
} from '../../src/wire/index.js';
import { hex } from './hex.js';

const ends = { src: ip4('10.244.1.2'), dst: ip4('10.244.2.3') };
const TSVAL = 0x8c1d5e2f;

function syn(options = linuxSynOptions({ mss: 1410, tsval: TSVAL })): TcpSegment {
  return tcp({
    ...ends,
    srcPort: 40001,
    dstPort: 8080,
    seq: 1,
    ack: 0,
    flags: TCP_SYN,
    window: 64860,
    options,
  });
}

describe('tcp', () => {
  it('linuxSynOptions() emits the LAB SYN options: MSS, SACK_PERM, TS, NOP, WS (data offset 10)', () => {
    const b = emitTcp(syn());
    expect(b[12]).toBe(0xa0);
    expect(b.subarray(20, 40)).toEqual(hex('02040582 0402 080a 8c1d5e2f 00000000 01 03030a'));
    const r = parseTcp(b, 0, ends, { verifyChecksums: true });
    expect(r).toEqual({ ok: true, value: syn() });
  });

  it('linuxSynOptions() without timestamps emits MSS, NOP, NOP, SACK_PERM, NOP, WS (data offset 8)', () => {
    const b = emitTcp(syn(linuxSynOptions({ mss: 1410, tsval: 0, timestamps: false })));
    expect(b[12]).toBe(0x80);
    expect(b.subarray(20, 32)).toEqual(hex('02040582 01010402 0103030a'));
  });

  it('a SYN-ACK carries the peer TSval as TSecr, in the same layout', () => {
    const opts = linuxSynOptions({ mss: 1410, tsval: 0x01020304, tsecr: TSVAL });
    const b = emitTcp(
      tcp({
        ...ends,
        srcPort: 8080,
        dstPort: 40001,
        seq: 9,
        ack: 2,
        flags: TCP_SYN | TCP_ACK,
        window: 64308,
        options: opts,
      }),
    );
    expect(b.subarray(20, 40)).toEqual(hex('02040582 0402 080a 01020304 8c1d5e2f 01 03030a'));
  });

  it('timestampOptions() emits NOP, NOP, TS for established segments (data offset 8)', () => {
    const s = tcp({
      ...ends,
      srcPort: 1,
      dstPort: 2,
      seq: 3,
      ack: 4,
      flags: TCP_ACK,
      window: 64,
      options: timestampOptions(5, 6),
    });
    const b = emitTcp(s);
    expect(b[12]).toBe(0x80);
    expect(b.subarray(20, 32)).toEqual(hex('0101080a 00000005 00000006'));
  });

  it('tcp() pads options that are not a multiple of 4 with EOL and zeros', () => {
    const s = tcp({
      ...ends,
      srcPort: 1,
      dstPort: 2,
      seq: 0,
      ack: 0,
      flags: TCP_SYN,
      window: 0,
      options: [{ kind: 'mss', mss: 1460 }, { kind: 'nop' }],
    });
    expect(s.dataOffset).toBe(7);
    expect(s.options.at(-1)).toEqual({ kind: 'eol' });
    const b = emitTcp(s);
    expect(b.subarray(20, 28)).toEqual(hex('020405b4 01 000000'));
    expect(parseTcp(b, 0, ends, { verifyChecksums: true })).toEqual({ ok: true, value: s });
  });

  it('parseTcp() keeps a known option kind with an unusual length as unknown, so emit reproduces it', () => {
    const b = emitTcp(syn());
    const odd = new Uint8Array(b.length);
    odd.set(b);
    odd.set(hex(`0206 05b40000 ${'01'.repeat(11)} 03030a`), 20); // MSS with length 6
    const r = parseTcp(odd, 0, ends);
    expect(r.ok && r.value.options[0]).toEqual({ kind: 'unknown', code: 2, data: hex('05b40000') });
    if (r.ok) expect(emitTcp(r.value)).toEqual(odd);
  });

  it('parseTcp() rejects data offset below 5 or past the segment', () => {
    const b = emitTcp(syn());
    const low = b.slice();
    low[12] = 0x40;
    expect(parseTcp(low, 0, ends)).toEqual({
      ok: false,
      error: { layer: 'tcp', field: 'dataOffset', offset: 12, expected: 'at least 5 (20 bytes)' },
    });
    expect(parseTcp(b.subarray(0, 30), 0, ends)).toMatchObject({ ok: false, error: { field: 'dataOffset' } });
  });

  it('parseTcp() rejects option lengths below 2 or past the header, and non-zero bytes after EOL', () => {
    const b = emitTcp(syn());
    const zeroLen = b.slice();
    zeroLen[21] = 0;
    expect(parseTcp(zeroLen, 0, ends)).toMatchObject({ ok: false, error: { field: 'options', offset: 21 } });
    const long = b.slice();
    long[38] = 9; // window scale claiming 9 bytes
    expect(parseTcp(long, 0, ends)).toMatchObject({ ok: false, error: { field: 'options', offset: 38 } });
    const afterEol = b.slice();
    afterEol[36] = 0;
    expect(parseTcp(afterEol, 0, ends)).toMatchObject({
      ok: false,
      error: { field: 'options', offset: 37, expected: 'zero padding after EOL' },
    });
  });

  it('parseTcp() with verifyChecksums rejects a wrong checksum', () => {
    const b = emitTcp(syn());
    b[16] = (b[16] ?? 0) ^ 0xff;
    expect(parseTcp(b, 0, ends, { verifyChecksums: true })).toMatchObject({
      ok: false,
      error: { layer: 'tcp', field: 'checksum', offset: 16 },
    });
  });

  it('tcpChecksum() from fields equals the RFC 1071 checksum over pseudo-header and bytes', () => {
    fc.assert(
      fc.property(arbTcpSegment(), arbIp4(), arbIp4(), (s, src, dst) => {
        const b = emitTcp({ ...s, checksum: 0 });
        expect(tcpChecksum(s, { src, dst })).toBe(
          internetChecksum(b, 0, b.length, pseudoHeaderSum(src, dst, 6, b.length)),
        );
        expect(verifyTcp({ ...s, checksum: tcpChecksum(s, { src, dst }) }, { src, dst })).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('parseTcp(emitTcp(s)) is s for every segment, and emits tcpLen() bytes', () => {
    fc.assert(
      fc.property(arbTcpSegment(), (s) => {
        const b = emitTcp(s);
        expect(b.length).toBe(tcpLen(s));
        expect(parseTcp(b, 0, ends)).toEqual({ ok: true, value: s });
      }),
      { numRuns: 300 },
    );
  });

  it('parseTcp() never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(82), fc.boolean(), (b, at, verify) => {
        const r = parseTcp(b, at, ends, { verifyChecksums: verify });
        if (r.ok) expect(emitTcp(r.value)).toEqual(b.slice(at));
      }),
      { numRuns: 1000 },
    );
  });

  it('emitTcp() throws RangeError when the options do not fit the data offset', () => {
    expect(() => emitTcp({ ...syn(), dataOffset: 6 })).toThrow(RangeError);
  });

  it('describeTcp() prints flags and options like tcpdump', () => {
    expect(describeTcp(syn())).toBe(
      `TCP 40001 > 8080: Flags [S], seq 1, win 64860, options [mss 1410,sackOK,TS val ${TSVAL} ecr 0,nop,wscale 10], length 0`,
    );
  });
});
