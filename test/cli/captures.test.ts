import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fields, haveTshark, problems, tshark, tsharkSkipNote, tsharkVerbose } from '../capture/tshark.js';
import { cli, ROUTER_LAB } from './helpers.js';

// The captures `podwire run --pcap` writes, read back by the real tshark (DESIGN.md, "The topology
// file": one file per node and per segment, one interface per capture point, direction flags).

const dir = mkdtempSync(join(tmpdir(), 'podwire-cli-captures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!haveTshark)(`podwire run --pcap, read by tshark${tsharkSkipNote}`, () => {
  let files: string[] = [];
  const at = (name: string): string => join(dir, name);

  beforeAll(async () => {
    const r = await cli('run', ROUTER_LAB, '--pcap', dir);
    expect(r.code).toBe(0);
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.pcapng'))
      .sort()
      .map(at);
  });

  it('writes one file per host and per segment, and every one opens in tshark', () => {
    expect(files.map((f) => basename(f))).toEqual([
      'node1.pcapng',
      'node2.pcapng',
      'node3.pcapng',
      'rack1.pcapng',
      'rack2.pcapng',
      'router.pcapng',
    ]);
    for (const f of files) expect(tshark(['-r', f]).length, f).toBeGreaterThan(0);
  });

  it('names each interface after its capture point, and keeps each file to its own host or segment', () => {
    const names = (file: string): string[] =>
      [...new Set(fields(file, ['frame.interface_name']).map((r) => r[0] ?? ''))].sort();
    expect(names(at('node1.pcapng'))).toContain('node1/eth0');
    expect(names(at('node3.pcapng'))).toEqual(['node3/eth0']);
    expect(names(at('router.pcapng'))).toEqual(['router/eth0', 'router/eth1']);
    expect(names(at('rack1.pcapng'))).toEqual(['rack1/node1', 'rack1/node2', 'rack1/router']);
    expect(names(at('rack2.pcapng'))).toEqual(['rack2/node3', 'rack2/router']);
    for (const f of files) {
      const owner = basename(f, '.pcapng');
      expect(
        names(f).every((n) => n.startsWith(`${owner}/`)),
        f,
      ).toBe(true);
    }
  });

  it('has no malformed packet and no bad checksum, with every checksum check tshark has turned on', () => {
    for (const f of files) {
      const verbose = tsharkVerbose(f);
      expect(problems(verbose), f).toEqual([]);
      // The checks really ran: IPv4 header checksums were verified, not skipped.
      expect(verbose, f).toMatch(/\[Header checksum status: Good\]/);
    }
  });

  it('marks every packet inbound or outbound', () => {
    for (const f of files) {
      const dirs = new Set(fields(f, ['frame.packet_flags_direction']).map((r) => r[0]));
      expect([...dirs].sort(), f).toEqual(['0x00000001', '0x00000002']);
    }
  });

  it('holds the time-exceeded the router sent for ping -t 1 and for the first traceroute hops', () => {
    // An ICMP error quotes the packet it answers, so ip.src/ip.dst list the outer then the quoted header.
    const exceeded = fields(at('router.pcapng'), [
      'frame.interface_name',
      'frame.packet_flags_direction',
      'ip.src',
      'ip.dst',
      'icmp.type',
      'icmp.code',
    ])
      .filter((r) => r[4]?.split(',')[0] === '11')
      .map((r) => [r[0], r[1], r[2], r[3], r[5]?.split(',')[0]].join(' '));
    // node1's ping -t 1 and traceroute hop 1 towards 192.168.57.11 (OBSERVED.md: "From 192.168.56.1
    // icmp_seq=1 Time to live exceeded"), and node3's hop 1 towards 192.168.56.11: "in transit" (code 0),
    // sent out of the interface facing the prober.
    expect(exceeded.length).toBeGreaterThanOrEqual(3);
    expect(new Set(exceeded)).toEqual(
      new Set([
        'router/eth0 0x00000002 192.168.56.1,192.168.56.11 192.168.56.11,192.168.57.11 0',
        'router/eth1 0x00000002 192.168.57.1,192.168.57.11 192.168.57.11,192.168.56.11 0',
      ]),
    );
    const viaDisplayFilter = tshark(['-r', at('router.pcapng'), '-Y', 'icmp.type==11'])
      .trim()
      .split('\n');
    expect(viaDisplayFilter).toHaveLength(exceeded.length);
  });

  it('holds net unreachable (type 3 code 0) from the router for 192.168.99.9, for the ping and the traceroute', () => {
    const rows = fields(at('rack1.pcapng'), [
      'frame.interface_name',
      'ip.src',
      'ip.dst',
      'icmp.type',
      'icmp.code',
    ])
      .filter((r) => r[3]?.split(',')[0] === '3')
      .map((r) => [r[0], r[1], r[2], r[4]?.split(',')[0]].join(' '));
    // The router's own port carries it in; node1's port out. The unreachable expectation probes once more.
    const atNode1 = rows.filter((r) => r.startsWith('rack1/node1 ') && r.endsWith(' 0'));
    expect(atNode1.length).toBeGreaterThanOrEqual(2);
    expect(new Set(atNode1)).toEqual(
      new Set(['rack1/node1 192.168.56.1,192.168.56.11 192.168.56.11,192.168.99.9 0']),
    );
  });

  it("ends node1's UDP traceroutes with a port unreachable (type 3 code 3) from each destination", () => {
    const received = fields(at('node1.pcapng'), ['ip.src', 'ip.dst', 'icmp.type', 'icmp.code', 'udp.dstport'])
      .filter(
        (r) =>
          r[1]?.startsWith('192.168.56.11,') && r[2]?.split(',')[0] === '3' && r[3]?.split(',')[0] === '3',
      )
      .map((r) => `${r[0]?.split(',')[0]} ${Number(r[4]) >= 33434 ? 'probe' : 'other'}`);
    expect(new Set(received)).toEqual(
      new Set(['192.168.56.12 probe', '192.168.57.11 probe', '192.168.57.1 probe']),
    );
  });

  it('shows three ARP requests, 1 s apart, for the unowned 192.168.56.99 (the kernel gives up after 3)', () => {
    const rows = fields(at('node1.pcapng'), [
      'frame.time_epoch',
      'arp.opcode',
      'eth.dst',
      'arp.dst.proto_ipv4',
    ]).filter((r) => r[3] === '192.168.56.99');
    expect(rows.every((r) => r[1] === '1' && r[2] === 'ff:ff:ff:ff:ff:ff')).toBe(true);
    // The ping step at 7 s; the unreachable expectation probes the same address again later.
    const first = rows.slice(0, 3).map((r) => Number(r[0]));
    expect(first).toEqual([7, 8, 9]);
    expect(rows.length % 3).toBe(0);
  });

  it('answers every ARP request for an owned address with exactly one reply on the segment', () => {
    const rows = fields(at('rack1.pcapng'), [
      'frame.interface_name',
      'arp.opcode',
      'arp.dst.proto_ipv4',
      'arp.src.proto_ipv4',
    ]).filter((r) => r[1] !== '' && r[1] !== undefined);
    // Seen where the asker's port and the owner's port meet the switch: count on the owner's port only.
    const requests = rows.filter((r) => r[1] === '1' && r[2] !== '192.168.56.99' && r[2] !== '192.168.56.98');
    const replies = rows.filter((r) => r[1] === '2');
    const owner = (ip: string | undefined): string =>
      ({ '192.168.56.1': 'rack1/router', '192.168.56.11': 'rack1/node1', '192.168.56.12': 'rack1/node2' })[
        ip ?? ''
      ] ?? '?';
    const requestsAtOwner = requests.filter((r) => r[0] === owner(r[2]));
    const repliesFromOwner = replies.filter((r) => r[0] === owner(r[3]));
    expect(requestsAtOwner.length).toBeGreaterThan(0);
    expect(repliesFromOwner.length).toBe(requestsAtOwner.length);
  });
});
