import { describe, expect, it } from 'vitest';
import type { TraceReport } from '../../src/inspect/index.js';
import { SERVICES, TRACE_VXLAN } from '../inspect/trace-helpers.js';
import { cli } from './helpers.js';

// `podwire trace FILE --from REF --to REF[:PORT] [--at T] [--proto icmp|udp|tcp] [--json]`.

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

  it('--proto tcp to a Service: the SYN, every rule it matched and the DNAT, then the SYN-ACK', async () => {
    const r = await cli('trace', SERVICES, '--from', 'pod/client', '--to', 'svc/web:80', '--proto', 'tcp');
    expect(r.code).toBe(0);
    const out = r.outLines;
    expect(out[0]).toMatch(/^trace pod\/client -> svc\/web:80 \(tcp\) at [\d.]+s$/);
    expect(out.find((l) => l.startsWith('request: '))).toMatch(
      /^request: TCP 10\.244\.0\.2:\d+ > [\d.]+:80 \[S\] /,
    );
    expect(out.find((l) => l.startsWith('reply: '))).toMatch(
      /^reply: TCP 10\.244\.\d+\.\d+:8080 > 10\.244\.0\.2:\d+ \[S\.\] /,
    );
    expect(out).toContain('    netfilter  PREROUTING in cni0: ACCEPT');
    expect(out).toContain(
      '    iptables   nat PREROUTING #1 -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    );
    expect(out.filter((l) => l.startsWith('    iptables   nat KUBE-SEP-'))).toEqual([
      expect.stringMatching(
        /^ {4}iptables {3}nat KUBE-SEP-[A-Z0-9]{16} #2 -A KUBE-SEP-[A-Z0-9]{16} -p tcp -m comment --comment "default\/web:http" -m tcp -j DNAT --to-destination 10\.244\.\d+\.\d+:8080$/,
      ),
    ]);
    expect(out.filter((l) => l.startsWith('    nat '))).toEqual([
      expect.stringMatching(/^ {4}nat {8}DNAT destination [\d.]+:80 -> 10\.244\.\d+\.\d+:8080$/),
      expect.stringMatching(/^ {4}nat {8}reverse DNAT: source 10\.244\.\d+\.\d+:8080 -> [\d.]+:80$/),
    ]);
    expect(out.filter((l) => l.startsWith('  fate: '))).toEqual([
      expect.stringMatching(
        /^ {2}fate: delivered on node[12]\/web-[abc] eth0, ttl 6[23]: TCP port 8080 \(tcp_v4_rcv\)$/,
      ),
      expect.stringMatching(
        /^ {2}fate: delivered on node1\/client eth0, ttl 6[23]: TCP port \d+ of the sender \(tcp_v4_rcv\)$/,
      ),
    ]);
  });

  it('--proto tcp to a Service without endpoints: the REJECT, the ICMP it sends, exit 1', async () => {
    const r = await cli('trace', SERVICES, '--from', 'pod/client', '--to', 'svc/ghost', '--proto', 'tcp');
    expect(r.code).toBe(1);
    expect(r.outLines).toContain(
      '    netfilter  FORWARD in cni0 out eth0: REJECT --reject-with icmp-port-unreachable',
    );
    expect(r.outLines).toContain('    icmp error Destination Port Unreachable (type 3 code 3): sent');
    expect(r.outLines.filter((l) => l.startsWith('  fate: '))).toEqual([
      '  fate: dropped on node1 cni0: netfilter (nf_reject)',
      expect.stringMatching(
        /^ {2}fate: delivered on node1\/client eth0, ttl 64: raw ICMP socket of the sender, tcp port \d+$/,
      ),
    ]);
  });

  it('--proto tcp to a NodePort from an outside host, with --json: the netfilter steps are in the report', async () => {
    const r = await cli(
      'trace',
      SERVICES,
      ...['--from', 'host/laptop', '--to', 'node/node2:30080', '--proto', 'tcp', '--json'],
    );
    expect(r.code).toBe(0);
    const report: TraceReport = JSON.parse(r.out);
    expect(report.proto).toBe('tcp');
    const kinds = new Set(report.packets.flatMap((p) => p.hops.flatMap((h) => h.steps.map((s) => s.kind))));
    for (const k of ['nf-hook', 'nf-rule', 'nf-policy', 'conntrack', 'nat']) expect(kinds).toContain(k);
    const nats = report.packets[0]?.hops.flatMap((h) => h.steps).filter((s) => s.kind === 'nat') ?? [];
    expect(nats.map((s) => (s.kind === 'nat' ? `${s.host} ${s.target}` : ''))).toEqual([
      'node2 DNAT',
      'node2 MASQUERADE',
    ]);
    expect(report.packets[0]?.hops[0]).toMatchObject({ host: 'laptop', hostKind: 'host' });
  });

  it('--to with a named port of a pod', async () => {
    const r = await cli(
      'trace',
      SERVICES,
      '--from',
      'pod/client',
      '--to',
      'pod/web-b:http',
      '--proto',
      'tcp',
    );
    expect(r.code).toBe(0);
    expect(r.outLines.find((l) => l.startsWith('request: '))).toMatch(/ > 10\.244\.1\.\d+:8080 \[S\] /);
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
      /^--to: "nope" is a DNS name: trace follows one packet to an address/,
    ],
    [
      [TRACE_VXLAN, '--from', 'pod/pa', '--to', 'pod/pb:80'],
      /^--to: a port \(pod\/pb:80\) needs --proto udp or tcp$/,
    ],
    [
      [TRACE_VXLAN, '--from', 'pod/pa', '--to', 'pod/pb', '--proto', 'tcp'],
      /^--to: --proto tcp needs a port \(pod\/pb:PORT\)$/,
    ],
    [
      [TRACE_VXLAN, '--from', 'pod/pa', '--to', 'pod/pb:99999', '--proto', 'tcp'],
      /^--to: "99999" in pod\/pb:99999 is not a port: expected 1-65535 or a port name$/,
    ],
    [[TRACE_VXLAN, '--from', 'pod/pa:80', '--to', 'pod/pb'], /^--from: a sender has no port \(pod\/pa:80\)$/],
    [
      [SERVICES, '--from', 'pod/client', '--to', 'svc/nope:80', '--proto', 'tcp'],
      /^--to: no Service "nope" in .*services\.yaml \(known: ghost, kubernetes, web, web-np\)$/,
    ],
    [
      [SERVICES, '--from', 'pod/client', '--to', 'svc/web:https', '--proto', 'tcp'],
      /^--to: svc\/web:https: it has no port "https" \(http 80\/TCP\)$/,
    ],
    [
      [SERVICES, '--from', 'host/nope', '--to', 'svc/web', '--proto', 'tcp'],
      /^--from: no host "nope" in .*services\.yaml \(known: laptop\)$/,
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
