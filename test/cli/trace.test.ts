import { describe, expect, it } from 'vitest';
import type { TraceReport } from '../../src/inspect/index.js';
import { TRACE_VXLAN } from '../inspect/trace-helpers.js';
import { cli } from './helpers.js';

// `podwire trace FILE --from REF --to REF [--at T] [--proto icmp|udp] [--json]`.

describe('podwire trace', () => {
  it('prints the request and the reply, each hop by hop, and exits 0 when the request arrived', async () => {
    const r = await cli('trace', TRACE_VXLAN, '--from', 'pod/pa', '--to', 'pod/pd', '--at', '2s');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const out = r.outLines;
    expect(out[0]).toBe('trace pod/pa -> pod/pd (icmp) at 2.000000s');
    expect(out.filter((l) => /^(request|reply): /.test(l))).toEqual([
      expect.stringMatching(
        /^request: ICMP echo request 10\.244\.0\.2 > 10\.244\.2\.2, id \d+ seq 1, ttl 64, length 84, DF$/,
      ),
      expect.stringMatching(
        /^reply: ICMP echo reply 10\.244\.2\.2 > 10\.244\.0\.2, id \d+ seq 1, ttl 64, length 84$/,
      ),
    ]);
    // Each hop opens with its time and place; the switch of each rack is a hop of its own.
    expect(
      out
        .filter((l) => /^ {2}\[/.test(l))
        .slice(0, 7)
        .map((l) => l.replace(/^ {2}\[[\d.]+\] /, '')),
    ).toEqual(['node1/pa', 'node1', 'rack1 (switch)', 'router', 'rack2 (switch)', 'node3', 'node3/pd']);
    expect(out).toContain(
      '    route      10.244.2.2: table main: 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
    );
    expect(out).toContain('    forward    out flannel.1, ttl 64 -> 63');
    expect(out).toContain('    forward    out eth1, ttl 64 -> 63  (outer)');
    expect(out).toContain('    forward    out cni0, ttl 63 -> 62');
    expect(out.filter((l) => l.startsWith('  fate: '))).toEqual([
      '  fate: delivered on node3/pd eth0, ttl 62: the kernel answers the echo (icmp_echo)',
      '  fate: delivered on node1/pa eth0, ttl 62: raw ICMP socket of ping',
    ]);
  });

  it('--json prints the same trace as one JSON document', async () => {
    const text = await cli('trace', TRACE_VXLAN, '--from', 'pod/pa', '--to', 'pod/pd', '--at', '2s');
    const json = await cli(
      'trace',
      TRACE_VXLAN,
      '--from',
      'pod/pa',
      '--to',
      'pod/pd',
      '--at',
      '2s',
      '--json',
    );
    expect(json.code).toBe(0);
    expect(json.outLines).toHaveLength(1);
    const report: TraceReport = JSON.parse(json.out);
    expect(report.packets.map((p) => p.direction)).toEqual(['request', 'reply']);
    expect(report.packets.map((p) => `${p.direction}: ${p.summary}`)).toEqual(
      text.outLines.filter((l) => /^(request|reply): /.test(l)),
    );
    const steps = report.packets.flatMap((p) => p.hops.flatMap((h) => h.steps));
    expect(steps.length).toBe(text.outLines.filter((l) => /^ {4}\S/.test(l)).length);
  });

  it('exits 1 when the packet is dropped, and says where and why', async () => {
    const r = await cli('trace', TRACE_VXLAN, '--from', 'node/node1', '--to', '10.9.9.9');
    expect(r.code).toBe(1);
    expect(r.outLines).toContain('    icmp error Destination Net Unreachable (type 3 code 0): sent');
    expect(r.outLines.filter((l) => l.startsWith('  fate: '))).toEqual([
      '  fate: dropped on router eth0: no-route (no_route)',
      '  fate: delivered on node1 eth0, ttl 64: raw ICMP socket of ping',
    ]);
  });

  it('--proto udp sends one datagram; the port unreachable is the reply', async () => {
    const r = await cli('trace', TRACE_VXLAN, '--from', 'pod/pa', '--to', 'pod/pc:53', '--proto', 'udp');
    expect(r.code).toBe(1);
    expect(r.outLines.find((l) => l.startsWith('request: '))).toMatch(
      /^request: UDP 10\.244\.0\.2:\d+ > 10\.244\.1\.2:53, /,
    );
    expect(r.outLines.find((l) => l.startsWith('reply: '))).toBe(
      'reply: ICMP 10.244.1.2 > 10.244.0.2: Destination Port Unreachable, ttl 64, length 88',
    );
  });

  it.each([
    [['nofile.yaml', '--from', 'pod/pa', '--to', 'pod/pb'], /^nofile\.yaml:1:1: cannot read the file: /],
    [
      [TRACE_VXLAN, '--from', 'pod/zz', '--to', 'pod/pb'],
      /^--from: no pod "zz" in .*trace-vxlan\.yaml \(known: pa, pb, pc, pd\)$/,
    ],
    [
      [TRACE_VXLAN, '--from', 'node/node9', '--to', 'pod/pb'],
      /^--from: no node "node9" in .* \(known: node1, node2, node3\)$/,
    ],
    [
      [TRACE_VXLAN, '--from', 'pod/pa', '--to', 'nope'],
      /^--to: "nope" is not a reference: expected node\/NAME, /,
    ],
    [
      [TRACE_VXLAN, '--from', 'pod/pa', '--to', 'pod/pb:80'],
      /^--to: a port \(pod\/pb:80\) needs --proto udp$/,
    ],
    [[TRACE_VXLAN, '--to', 'pod/pb'], /^podwire: Missing required argument: from$/],
    [[TRACE_VXLAN, '--from', 'pod/pa', '--to', 'pod/pb', '--at', '5x'], /^--at: expected a duration /],
  ])('bad input %j: one line on stderr, exit 2', async (args, message) => {
    const r = await cli('trace', ...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(message);
  });
});
