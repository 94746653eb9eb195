/**
 * Cross-check with Wireshark's dissectors: frames made by the builders are written to a classic pcap and
 * read back by tshark with checksum validation on. Skipped when tshark is not installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbValidEthernetFrame, padTo60 } from '../../src/testing/index.js';
import {
  arpReply,
  arpRequest,
  BROADCAST_MAC,
  decrementTtl,
  type EthernetFrame,
  emitEthernet,
  ethernet,
  fragment,
  ICMP_DEST_UNREACH,
  ICMP_ERROR_TOS,
  ICMP_FRAG_NEEDED,
  ICMP_TIME_EXCEEDED,
  IP_FLAG_DF,
  icmpEcho,
  icmpError,
  ip4,
  ipv4,
  linuxSynOptions,
  mac,
  pingPayload,
  TCP_ACK,
  TCP_PSH,
  TCP_SYN,
  tcp,
  timestampOptions,
  udp,
  vxlan,
  withEndpoints,
} from '../../src/wire/index.js';

function tsharkAvailable(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HAVE_TSHARK = tsharkAvailable();
if (!HAVE_TSHARK)
  console.warn('tshark not found on PATH: skipping the Wireshark cross-check in test/wire/tshark.test.ts');

/** A little-endian classic pcap (µs, linktype 1) of the frames, one per second. */
function pcap(frames: readonly Uint8Array[]): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true);
  dv.setUint32(20, 1, true);
  let at = 24;
  frames.forEach((f, i) => {
    dv.setUint32(at, i + 1, true);
    dv.setUint32(at + 4, 0, true);
    dv.setUint32(at + 8, f.length, true);
    dv.setUint32(at + 12, f.length, true);
    out.set(f, at + 16);
    at += 16 + f.length;
  });
  return out;
}

/** tshark's verbose dissection of the frames with every checksum check enabled. */
function dissect(frames: readonly EthernetFrame[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'podwire-tshark-'));
  try {
    const file = join(dir, 'frames.pcap');
    writeFileSync(file, pcap(frames.map((f) => emitEthernet(f))));
    return execFileSync(
      'tshark',
      [
        '-r',
        file,
        '-o',
        'ip.check_checksum:TRUE',
        '-o',
        'udp.check_checksum:TRUE',
        '-o',
        'tcp.check_checksum:TRUE',
        '-d',
        'udp.port==8472,vxlan',
        '-V',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const BAD = /Malformed|Bad checksum|\[Checksum Status: Bad\]|incorrect, should be|Exception/i;

function complaints(text: string): string[] {
  return text.split('\n').filter((l) => BAD.test(l));
}

function curated(): EthernetFrame[] {
  const macA = mac('e2:e7:1a:71:4d:d3');
  const macB = mac('ea:91:59:50:b5:a7');
  const nodeA = ip4('192.168.56.11');
  const nodeB = ip4('192.168.56.12');
  const podA = ip4('10.244.1.2');
  const podB = ip4('10.244.2.2');
  const vtepA = mac('0a:00:00:00:00:01');
  const vtepB = mac('0a:00:00:00:00:02');
  const echo = ipv4({
    src: podA,
    dst: podB,
    id: 0xfd,
    flags: IP_FLAG_DF,
    payload: icmpEcho({ type: 8, id: 0x3680, seq: 1, data: pingPayload(56, 1e9) }),
  });
  const reply = ipv4({
    src: podB,
    dst: podA,
    id: 0x4d2,
    payload: icmpEcho({ type: 0, id: 0x3680, seq: 1, data: pingPayload(56, 1e9) }),
  });
  const probe = ipv4({
    src: podA,
    dst: podB,
    ttl: 1,
    id: 7,
    payload: udp({ src: podA, dst: podB, srcPort: 44000, dstPort: 33434, payload: new Uint8Array(32) }),
  });
  const big = ipv4({
    src: podA,
    dst: podB,
    id: 8,
    flags: IP_FLAG_DF,
    payload: icmpEcho({ type: 8, id: 1, seq: 2, data: pingPayload(1472, 0) }),
  });
  const err = (type: number, code: number, rest: number, original: typeof echo) =>
    ipv4({
      src: ip4('10.244.1.1'),
      dst: podA,
      tos: ICMP_ERROR_TOS,
      payload: icmpError({ type, code, rest, original }),
    });
  const cli = { src: podA, dst: ip4('10.96.0.20'), srcPort: 40001, dstPort: 80 };
  const synSeg = tcp({
    ...cli,
    seq: 1000,
    ack: 0,
    flags: TCP_SYN,
    window: 64860,
    options: linuxSynOptions({ mss: 1410, tsval: 123456 }),
  });
  const syn = ipv4({ src: cli.src, dst: cli.dst, id: 0xace3, flags: IP_FLAG_DF, payload: synSeg });
  const dnat = withEndpoints(decrementTtl(syn), podA, podB, 40001, 8080);
  const synAck = ipv4({
    src: podB,
    dst: podA,
    flags: IP_FLAG_DF,
    payload: tcp({
      src: podB,
      dst: podA,
      srcPort: 8080,
      dstPort: 40001,
      seq: 5000,
      ack: 1001,
      flags: TCP_SYN | TCP_ACK,
      window: 64308,
      options: linuxSynOptions({ mss: 1410, tsval: 999, tsecr: 123456 }),
    }),
  });
  const data = new TextEncoder().encode('pod=pb local=10.244.2.2:8080 peer=10.244.1.2:40001\n');
  const push = ipv4({
    src: podB,
    dst: podA,
    flags: IP_FLAG_DF,
    payload: tcp({
      src: podB,
      dst: podA,
      srcPort: 8080,
      dstPort: 40001,
      seq: 5001,
      ack: 1001,
      flags: TCP_PSH | TCP_ACK,
      window: 64,
      options: timestampOptions(1000, 123457),
      payload: data,
    }),
  });
  const innerEcho = ethernet(vtepB, vtepA, decrementTtl(echo));
  const encap = (inner: EthernetFrame, port: number) =>
    ethernet(
      macB,
      macA,
      ipv4({
        src: nodeA,
        dst: nodeB,
        id: 0xac58,
        payload: udp({
          src: nodeA,
          dst: nodeB,
          srcPort: 50640,
          dstPort: port,
          payload: vxlan({ vni: 1, inner }),
        }),
      }),
    );
  const frames: EthernetFrame[] = [
    ethernet(BROADCAST_MAC, macA, arpRequest({ senderMac: macA, senderIp: nodeA, targetIp: nodeB })),
    padTo60(
      ethernet(macA, macB, arpReply({ senderMac: macB, senderIp: nodeB, targetMac: macA, targetIp: nodeA })),
    ),
    ethernet(macB, macA, echo),
    ethernet(macA, macB, reply),
    ethernet(macB, macA, probe),
    ethernet(macA, macB, err(ICMP_TIME_EXCEEDED, 0, 0, probe)),
    ethernet(macA, macB, err(ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1450, big)),
    ethernet(
      macB,
      macA,
      ipv4({
        src: podA,
        dst: podB,
        payload: udp({
          src: podA,
          dst: podB,
          srcPort: 40002,
          dstPort: 40003,
          payload: new Uint8Array(7),
          checksum: 'zero',
        }),
      }),
    ),
    ethernet(macB, macA, syn),
    ethernet(macB, macA, dnat),
    ethernet(macA, macB, synAck),
    ethernet(macA, macB, push),
    encap(innerEcho, 8472),
    encap(ethernet(vtepB, vtepA, dnat), 4789),
  ];
  const frags = fragment(
    ipv4({
      src: podA,
      dst: podB,
      id: 0x99,
      payload: icmpEcho({ type: 8, id: 3, seq: 4, data: pingPayload(2000, 0) }),
    }),
    1500,
  );
  for (const f of frags) frames.push(ethernet(macB, macA, f));
  return frames;
}

describe.skipIf(!HAVE_TSHARK)('tshark', () => {
  it('tshark decodes the builders’ frames with no malformed packet and no bad checksum', () => {
    const frames = curated();
    const text = dissect(frames);
    expect(text.match(/^Frame \d+:/gm)?.length).toBe(frames.length);
    expect(text).toContain('Virtual eXtensible Local Area Network');
    expect(text).toContain('[Checksum Status: Good]');
    expect(text).toContain('[Reassembled IPv4 length: 2008]');
    expect(text).toContain('Checksum: 0x01b6 [correct]'); // the LAB-like VXLAN frame, final UDP checksum
    expect(complaints(text)).toEqual([]);
  });

  it('tshark finds no bad checksum in random valid frames', () => {
    const frames = fc.sample(arbValidEthernetFrame(1, 120), { numRuns: 200, seed: 42 });
    const text = dissect(frames);
    expect(
      text.split('\n').filter((l) => /Bad checksum|\[Checksum Status: Bad\]|incorrect, should be/i.test(l)),
    ).toEqual([]);
  });
});
