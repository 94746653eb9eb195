/**
 * flannel's encapsulated traffic as tshark decodes it: a pod in rack1 pings a pod in rack2 through the
 * router, every capture point is written with attachCaptures, and tshark (checksum checks on) reads the
 * files. vxlan (flannel.md §3.1, §3.3): UDP to 8472 from a flow-hash port in [32768, 60998], VNI 1, outer
 * DF clear and TTL 64, the inner packet already routed once (63). udp (§5): bare IP in UDP 8285 ↔ 8285,
 * the inner packet routed by the node and by flanneld's proxy (62); the proxy's unconnected socket
 * sends with DF (IP_PMTUDISC_WANT) and so IP ID 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachCaptures } from '../../src/capture/index.js';
import { loadGenerated, pingOnce, podIp } from '../../src/testing/index.js';
import { buildCluster, type FlannelBackend } from '../../src/topology/index.js';
import { haveTshark, problems, tshark, tsharkSkipNote, tsharkVerbose } from './tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'podwire-vxlan-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two racks, one node and one pod on each; pa pings pb three times; returns the capture files. */
function capture(backend: FlannelBackend): string[] {
  const pod = (name: string, node: string) =>
    `---\n{apiVersion: v1, kind: Pod, metadata: {name: ${name}}, spec: {nodeName: ${node}, containers: [{name: app, image: busybox}]}}\n`;
  const cluster = buildCluster(
    loadGenerated(
      [
        'apiVersion: podwire/v1',
        'kind: Cluster',
        'spec:',
        `  network: {backend: ${backend}}`,
        '  underlay:',
        '    - {name: rack1, cidr: 192.168.56.0/24}',
        '    - {name: rack2, cidr: 192.168.57.0/24}',
        '  nodes:',
        '    - {name: node1, subnet: rack1}',
        '    - {name: node2, subnet: rack2}',
        '',
      ].join('\n') +
        pod('pa', 'node1') +
        pod('pb', 'node2'),
    ),
  );
  const handle = attachCaptures(cluster.trace, { dir: join(dir, backend) });
  const r = pingOnce(cluster, 'pod/pa', podIp(cluster, 'pb'), { count: 3 });
  handle.close();
  expect(r.received).toBe(3);
  return [...handle.files];
}

const CHECKS = ['-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];

/** `-T fields` rows (every occurrence of a field, comma-separated: outer first) of frames matching `filter`. */
function rows(file: string, decode: string, filter: string, names: readonly string[]): string[][] {
  const out = tshark([
    '-r',
    file,
    '-d',
    decode,
    ...CHECKS,
    '-Y',
    filter,
    '-T',
    'fields',
    ...names.flatMap((n) => ['-e', n]),
  ]);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

/** Outbound on node1/eth0: what the sending node put on the wire. */
const SENT = 'frame.interface_name == "node1/eth0" && frame.packet_flags_direction == 2';
/** tshark's checksum status values: 1 = Good. */
const GOOD = '1';

describe.skipIf(!haveTshark)(`flannel vxlan captures read by tshark${tsharkSkipNote}`, () => {
  const decode = 'udp.port==8472,vxlan';
  let files: string[] = [];
  beforeAll(() => {
    files = capture('vxlan');
  });

  it('finds no malformed frame and no bad checksum, outer or inner, in any file', () => {
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'vxlan/node1.pcapng',
      'vxlan/rack1.pcapng',
      'vxlan/router.pcapng',
      'vxlan/rack2.pcapng',
      'vxlan/node2.pcapng',
    ]);
    for (const f of files) expect(problems(tsharkVerbose(f, ['-d', decode])), f).toEqual([]);
  });

  it('sends UDP to 8472 with VNI 1, DF clear, TTL 64 outside and 63 inside, checksums good at every layer', () => {
    const names = ['ip.ttl', 'ip.flags.df', 'ip.checksum.status', 'udp.dstport', 'udp.checksum.status'];
    const sent = rows(files[0] ?? '', decode, `${SENT} && vxlan`, [
      ...names,
      'vxlan.flags',
      'vxlan.vni',
      'icmp.type',
      'icmp.checksum.status',
    ]);
    // Three echo requests; the replies come in (direction 1).
    expect(sent).toEqual(
      Array(3).fill(['64,63', '0,1', `${GOOD},${GOOD}`, '8472', GOOD, '0x0800', '1', '8', GOOD]),
    );
  });

  it('takes the outer source port from the flow hash, in [32768, 60998], one port per direction', () => {
    const all = files.flatMap((f) => rows(f, decode, 'vxlan', ['ip.src', 'udp.srcport']));
    expect(all.length).toBeGreaterThan(0);
    const bySender = new Map<string, Set<string>>();
    for (const [src = '', port = ''] of all) {
      const outer = src.split(',')[0] ?? '';
      expect(Number(port)).toBeGreaterThanOrEqual(32768);
      expect(Number(port)).toBeLessThanOrEqual(60998);
      bySender.set(outer, (bySender.get(outer) ?? new Set()).add(port));
    }
    expect([...bySender.keys()].sort()).toEqual(['192.168.56.11', '192.168.57.11']);
    for (const ports of bySender.values()) expect(ports.size).toBe(1);
  });

  it('shows the router decrementing only the outer TTL: replies reach node1 with 63 outside, 63 inside', () => {
    const received = rows(files[0] ?? '', decode, 'frame.interface_name == "node1/eth0" && vxlan', [
      'frame.packet_flags_direction',
      'ip.ttl',
    ]).filter(([dir]) => dir === '0x00000001');
    expect(received.map(([, ttl]) => ttl)).toEqual(['63,63', '63,63', '63,63']);
  });
});

describe.skipIf(!haveTshark)(`flannel udp captures read by tshark${tsharkSkipNote}`, () => {
  const decode = 'udp.port==8285,ip';
  let files: string[] = [];
  beforeAll(() => {
    files = capture('udp');
  });

  it('finds no malformed frame and no bad checksum, outer or inner, in any file', () => {
    expect(files).toHaveLength(5);
    for (const f of files) expect(problems(tsharkVerbose(f, ['-d', decode])), f).toEqual([]);
  });

  it('sends bare IP in UDP 8285 -> 8285, outer TTL 64 with DF and ID 0, inner TTL 62, checksums good', () => {
    const sent = rows(files[0] ?? '', decode, `${SENT} && udp.port == 8285`, [
      'ip.ttl',
      'ip.flags.df',
      'ip.id',
      'ip.checksum.status',
      'udp.srcport',
      'udp.dstport',
      'udp.checksum.status',
      'icmp.type',
      'icmp.checksum.status',
    ]);
    expect(sent).toHaveLength(3);
    for (const [ttl, df, id, ipSum, sport, dport, udpSum, icmpType, icmpSum] of sent) {
      expect([ttl, df?.split(',')[0], id?.split(',')[0], ipSum]).toEqual([
        '64,62',
        '1',
        '0x0000',
        `${GOOD},${GOOD}`,
      ]);
      expect([sport, dport, udpSum, icmpType, icmpSum]).toEqual(['8285', '8285', GOOD, '8', GOOD]);
    }
  });
});
