import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attachCaptures, defaultCaptureFile, EPB_INBOUND, EPB_OUTBOUND } from '../../src/capture/index.js';
import { TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, emitEthernet } from '../../src/wire/index.js';
import { readPcapng } from './read-pcapng.js';
import { fields, haveTshark, problems, tshark, tsharkSkipNote, tsharkVerbose } from './tshark.js';
import { pingFrame, tcpRecord, udpRecord, vxlanRecord } from './wire-frames.js';

const root = mkdtempSync(join(tmpdir(), 'podwire-attach-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const freshDir = (): string => join(root, `run${runs++}`, 'pcap'); // nested: attach creates it

describe('defaultCaptureFile()', () => {
  it('names the file after the first path component', () => {
    expect(defaultCaptureFile('node1/eth0')).toBe('node1.pcapng');
    expect(defaultCaptureFile('node1/pa/eth0')).toBe('node1.pcapng');
    expect(defaultCaptureFile('rack1/node1')).toBe('rack1.pcapng');
    expect(defaultCaptureFile('lonely')).toBe('lonely.pcapng');
  });
});

describe('attachCaptures()', () => {
  it('writes rx as inbound and tx as outbound, skips drops, one file per node or segment', () => {
    const dir = freshDir();
    const bus = new TraceBus<EthernetFrame>();
    const eth0 = bus.point('node1/eth0');
    const silent = bus.point('node1/cni0'); // registered, never fires: gets no IDB
    const cap = attachCaptures(bus, { dir });
    const pod = bus.point('node1/pa/eth0'); // registered after attaching
    const seg = bus.point('rack1/node1');
    const ping = pingFrame(1);
    bus.fire('tx', 1000, pod, ping);
    bus.fire('drop', 1500, eth0, ping, 'no-route');
    bus.fire('rx', 2000, eth0, udpRecord(20));
    bus.fire('tx', 3000, seg, vxlanRecord(1));
    bus.fire('rx', 4000, pod, tcpRecord());
    cap.close();
    expect(cap.files).toEqual([join(dir, 'node1.pcapng'), join(dir, 'rack1.pcapng')]);

    const node1 = readPcapng(new Uint8Array(readFileSync(join(dir, 'node1.pcapng'))));
    expect(node1.interfaces.map((i) => i.name)).toEqual(['node1/pa/eth0', 'node1/eth0']);
    expect(node1.interfaces.map((i) => i.name)).not.toContain(silent.name);
    expect(node1.packets.map((p) => [p.iface, p.time, p.flags])).toEqual([
      [0, 1000, EPB_OUTBOUND],
      [1, 2000, EPB_INBOUND],
      [0, 4000, EPB_INBOUND],
    ]);
    expect(node1.packets[0]?.data).toEqual(emitEthernet(ping));
    expect(node1.packets[2]?.data).toEqual(emitEthernet(tcpRecord()));
    expect(node1.packets[2]?.data.length).toBe(1514);

    const rack1 = readPcapng(new Uint8Array(readFileSync(join(dir, 'rack1.pcapng'))));
    expect(rack1.interfaces.map((i) => i.name)).toEqual(['rack1/node1']);
    expect(rack1.packets.map((p) => p.data)).toEqual([emitEthernet(vxlanRecord(1))]);
  });

  it('honours select and fileFor, and stops listening on close()', () => {
    const dir = freshDir();
    const bus = new TraceBus<EthernetFrame>();
    const cap = attachCaptures(bus, {
      dir,
      select: (name) => !name.startsWith('node2/'),
      fileFor: (name) => (name.includes('/pa/') ? 'pods.pcapng' : 'hosts.pcapng'),
    });
    expect(bus.active).toBe(true);
    bus.fire('tx', 1, bus.point('node2/eth0'), pingFrame(1));
    bus.fire('tx', 2, bus.point('node1/pa/eth0'), pingFrame(2));
    bus.fire('rx', 3, bus.point('node1/eth0'), pingFrame(3));
    cap.close();
    cap.close(); // idempotent
    expect(bus.active).toBe(false);
    bus.fire('rx', 4, bus.point('node1/eth0'), pingFrame(4));
    expect(cap.files).toEqual([join(dir, 'pods.pcapng'), join(dir, 'hosts.pcapng')]);
    const hosts = readPcapng(new Uint8Array(readFileSync(join(dir, 'hosts.pcapng'))));
    expect(hosts.interfaces.map((i) => i.name)).toEqual(['node1/eth0']);
    expect(hosts.packets.map((p) => p.time)).toEqual([3]);
  });

  it('leaves readable files while still attached (nothing is held back until close)', () => {
    const dir = freshDir();
    const bus = new TraceBus<EthernetFrame>();
    const cap = attachCaptures(bus, { dir });
    const p = bus.point('node1/eth0');
    for (let i = 0; i < 10; i++) bus.fire(i % 2 === 0 ? 'tx' : 'rx', i * 100, p, pingFrame(i));
    expect(readPcapng(new Uint8Array(readFileSync(join(dir, 'node1.pcapng')))).packets).toHaveLength(10);
    cap.close();
  });
});

describe.skipIf(!haveTshark)(`attachCaptures() output read by tshark${tsharkSkipNote}`, () => {
  const dir = freshDir();
  const bus = new TraceBus<EthernetFrame>();
  const cap = attachCaptures(bus, { dir });
  const pod = bus.point('node1/pa/eth0');
  const eth0 = bus.point('node1/eth0');
  bus.fire('tx', 1_000_000_000, pod, pingFrame(1));
  bus.fire('tx', 1_000_050_000, eth0, vxlanRecord(1));
  bus.fire('rx', 1_000_100_000, pod, udpRecord(100));
  bus.fire('rx', 1_000_200_000, eth0, tcpRecord());
  cap.close();
  const file = join(dir, 'node1.pcapng');

  it('shows the capture-point names and directions', () => {
    expect(fields(file, ['frame.interface_name', 'frame.packet_flags_direction'])).toEqual([
      ['node1/pa/eth0', '0x00000002'],
      ['node1/eth0', '0x00000002'],
      ['node1/pa/eth0', '0x00000001'],
      ['node1/eth0', '0x00000001'],
    ]);
  });

  it('finds no malformed packet and no bad checksum, VXLAN on 8472 decoded', () => {
    expect(problems(tsharkVerbose(file))).toEqual([]);
    const inner = tsharkVerbose(file, ['-d', 'udp.port==8472,vxlan']);
    expect(problems(inner)).toEqual([]);
    expect(inner).toContain('Virtual eXtensible Local Area Network');
    const decoded = tshark([
      '-r',
      file,
      '-d',
      'udp.port==8472,vxlan',
      '-T',
      'fields',
      '-e',
      'vxlan.vni',
      '-e',
      'icmp.seq',
    ]);
    expect(decoded.split('\n')[1]).toBe('1\t1');
  });
});
