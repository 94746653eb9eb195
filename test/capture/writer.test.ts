import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EPB_INBOUND, EPB_OUTBOUND } from '../../src/capture/pcapng.js';
import { FileSink, MemorySink } from '../../src/capture/sink.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { icmpEchoFrame, tcpFrame } from './frames.js';
import { readPcapng } from './read-pcapng.js';

const dir = mkdtempSync(join(tmpdir(), 'podwire-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One step of a capture: describe a new interface, or write a packet on one already described. */
type Step =
  | { readonly kind: 'iface'; readonly name: string }
  | {
      readonly kind: 'packet';
      readonly pick: number;
      readonly time: number;
      readonly data: Uint8Array;
      readonly inbound: boolean;
    };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('iface' as const),
      name: fc.string({ minLength: 1, maxLength: 20 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('packet' as const),
      pick: fc.nat(),
      time: fc.maxSafeNat(),
      data: fc.uint8Array({ maxLength: 300 }),
      inbound: fc.boolean(),
    }),
  },
);

describe('PcapngWriter', () => {
  it('round-trips any sequence of interfaces and (interface, time, bytes, direction) through a reader', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const sink = new MemorySink();
        const w = new PcapngWriter(sink);
        const names: string[] = [];
        const expected: Array<{ iface: number; time: number; data: Uint8Array; flags: number }> = [];
        for (const s of steps) {
          if (s.kind === 'iface') {
            expect(w.addInterface(s.name)).toBe(names.length);
            names.push(s.name);
          } else if (names.length > 0) {
            const iface = s.pick % names.length;
            const flags = s.inbound ? EPB_INBOUND : EPB_OUTBOUND;
            w.writePacket(iface, s.time, s.data, flags);
            expected.push({ iface, time: s.time, data: s.data, flags });
          }
        }
        const file = readPcapng(sink.bytes());
        expect(file.userAppl).toBe('podwire');
        expect(file.interfaces.map((i) => i.name)).toEqual(names);
        for (const i of file.interfaces) expect([i.linktype, i.snaplen, i.tsresol]).toEqual([1, 262144, 9]);
        expect(
          file.packets.map((p) => ({ iface: p.iface, time: p.time, data: p.data, flags: p.flags })),
        ).toEqual(expected);
        for (const p of file.packets) expect(p.origLen).toBe(p.data.length);
      }),
      { numRuns: 300 },
    );
  });

  it('never leaks bytes of a longer earlier packet into the padding of a shorter one', () => {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink);
    w.addInterface('a');
    w.writePacket(0, 1, new Uint8Array(64).fill(0xff), EPB_INBOUND);
    w.writePacket(0, 2, Uint8Array.of(1), EPB_INBOUND);
    const bytes = sink.bytes();
    // last EPB: 28 header + 1 data + 3 padding + 16 trailer
    expect(bytes.subarray(bytes.length - 19, bytes.length - 16)).toEqual(new Uint8Array(3));
  });

  it('writeWith() fills the frame in place and gives the same block as writePacket(), snaplen included', () => {
    const frame = tcpFrame(1460);
    const fill = (out: Uint8Array, at: number, f: Uint8Array): void => out.set(f, at);
    for (const snaplen of [262144, 100]) {
      const a = new MemorySink();
      const b = new MemorySink();
      const wa = new PcapngWriter(a, { snaplen });
      const wb = new PcapngWriter(b, { snaplen });
      wa.addInterface('x');
      wb.addInterface('x');
      wa.writePacket(0, 77, frame, EPB_INBOUND);
      wb.writeWith(0, 77, frame.length, EPB_INBOUND, fill, frame);
      expect(b.bytes()).toEqual(a.bytes());
      expect(readPcapng(b.bytes()).packets[0]?.origLen).toBe(1514);
    }
  });

  it('rejects a packet on an interface that was not added, and writes after close', () => {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink);
    expect(() => w.writePacket(0, 0, new Uint8Array(1), EPB_INBOUND)).toThrow(RangeError);
    w.addInterface('a');
    expect(() => w.writePacket(0, -1, new Uint8Array(1), EPB_INBOUND)).toThrow(RangeError);
    w.close();
    expect(sink.closed).toBe(true);
    expect(() => w.writePacket(0, 0, new Uint8Array(1), EPB_INBOUND)).toThrow(/after close/);
  });

  it('leaves a readable file when stopped half-way without close()', () => {
    const path = join(dir, 'half.pcapng');
    const sink = new FileSink(path);
    const w = new PcapngWriter(sink);
    w.addInterface('node1/eth0');
    for (let i = 0; i < 50; i++) w.writePacket(0, i * 1000, icmpEchoFrame(56, i), EPB_OUTBOUND);
    w.addInterface('node1/pa/eth0');
    for (let i = 0; i < 50; i++) w.writePacket(1, 50_000 + i, tcpFrame(1460), EPB_INBOUND);
    // no close(): the file on disk already holds every block written
    const file = readPcapng(new Uint8Array(readFileSync(path)));
    expect(file.interfaces.map((i) => i.name)).toEqual(['node1/eth0', 'node1/pa/eth0']);
    expect(file.packets).toHaveLength(100);
    sink.close(); // only to release the descriptor
  });

  it('leaves a readable file when the writing process is killed with SIGINT', async () => {
    const path = join(dir, 'sigint.pcapng');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'write-forever.ts'), path],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    let gone = false; // stop waiting at once if the child dies on its own
    const exited = new Promise<NodeJS.Signals | null>((done) =>
      child.on('exit', (_code, signal) => {
        gone = true;
        done(signal);
      }),
    );
    // wait until the child has written a good amount, then interrupt it as Ctrl-C would
    for (let i = 0; i < 600 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > 1_000_000) break;
    }
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    const file = readPcapng(new Uint8Array(readFileSync(path)));
    expect(file.interfaces.map((i) => i.name)).toEqual(['node1/eth0']);
    expect(file.packets.length).toBeGreaterThan(100);
  });
});
