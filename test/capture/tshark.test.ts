import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EPB_INBOUND, EPB_OUTBOUND } from '../../src/capture/pcapng.js';
import { FileSink } from '../../src/capture/sink.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { icmpEchoFrame, tcpFrame, udpFrame } from './frames.js';
import { fields, haveTshark, problems, tsharkSkipNote, tsharkVerbose } from './tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'podwire-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A two-interface file with ICMP, UDP and TCP frames in both directions; `close` false leaves it open. */
function writeSample(path: string, close: boolean): void {
  const sink = new FileSink(path);
  const w = new PcapngWriter(sink);
  w.addInterface('node1/eth0');
  w.writePacket(0, 1_000_000_123, icmpEchoFrame(56, 1), EPB_OUTBOUND);
  w.addInterface('node1/pa/eth0'); // described after the first packet, as a new capture point would be
  w.writePacket(1, 1_000_000_456, udpFrame(33), EPB_INBOUND);
  w.writePacket(1, 2_000_000_000, tcpFrame(1460), EPB_INBOUND);
  w.writePacket(0, 2_000_000_001, icmpEchoFrame(1472, 2), EPB_OUTBOUND);
  if (close) w.close();
  else process.once('exit', () => sink.close());
}

describe.skipIf(!haveTshark)(`pcapng read by tshark${tsharkSkipNote}`, () => {
  it('shows each packet on its capture point with the epb_flags direction (frame.packet_flags_direction)', () => {
    const file = join(dir, 'sample.pcapng');
    writeSample(file, true);
    const rows = fields(file, [
      'frame.interface_name',
      'frame.packet_flags_direction',
      'frame.p2p_dir',
      'frame.time_epoch',
      'frame.len',
    ]);
    expect(rows).toEqual([
      ['node1/eth0', '0x00000002', '0', '1.000000123', '98'],
      ['node1/pa/eth0', '0x00000001', '1', '1.000000456', '75'],
      ['node1/pa/eth0', '0x00000001', '1', '2.000000000', '1514'],
      ['node1/eth0', '0x00000002', '0', '2.000000001', '1514'],
    ]);
  });

  it('finds no malformed packet and no bad checksum in well-formed frames', () => {
    const file = join(dir, 'checks.pcapng');
    writeSample(file, true);
    const verbose = tsharkVerbose(file);
    expect(problems(verbose)).toEqual([]);
    // the checks did run: IPv4 header + ICMP/UDP/TCP checksums, four frames
    expect(verbose.match(/\[correct\]/g)?.length).toBeGreaterThanOrEqual(8);
  });

  it('reads a file whose writer was never closed', () => {
    const file = join(dir, 'open.pcapng');
    writeSample(file, false);
    expect(fields(file, ['frame.interface_name'])).toHaveLength(4);
  });
});
