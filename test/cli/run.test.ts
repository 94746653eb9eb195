import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cli, maskRtt, observed, ROUTER_LAB, stepOutput, yaml } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwire-cli-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Each podwire step of router-lab.yaml and the kernel command of OBSERVED.md that ran the same probe.
 * The kernel's commands carry `-W`/`-w` waits that podwire leaves at their defaults in the step header.
 */
const SAME_PROBE: ReadonlyArray<readonly [podwire: string, kernel: string]> = [
  ['node1$ ping -c 1 192.168.56.12', 'node1$ ping -c 1 -W 1 192.168.56.12'],
  ['node1$ ping -c 1 192.168.57.11', 'node1$ ping -c 1 -W 1 192.168.57.11'],
  ['node3$ ping -c 1 192.168.56.11', 'node3$ ping -c 1 -W 1 192.168.56.11'],
  ['node1$ ping -c 1 192.168.57.1', 'node1$ ping -c 1 -W 1 192.168.57.1'],
  ['node1$ ping -c 1 192.168.99.9', 'node1$ ping -c 1 -W 1 192.168.99.9'],
  ['node1$ ping -c 1 -t 1 192.168.57.11', 'node1$ ping -c 1 -t 1 192.168.57.11'],
  ['node1$ ping -c 1 192.168.56.99', 'node1$ ping -c 1 -W 5 192.168.56.99'],
  ['node1$ ping -c 1 -s 1472 -M do 192.168.57.11', 'node1$ ping -c 1 -W 1 -M do -s 1472 192.168.57.11'],
  ['node1$ traceroute -n -q 1 192.168.56.12', 'node1$ traceroute -n -q 1 -w 1 192.168.56.12'],
  ['node1$ traceroute -n -q 1 192.168.57.11', 'node1$ traceroute -n -q 1 -w 1 192.168.57.11'],
  ['node3$ traceroute -n -q 1 192.168.56.11', 'node3$ traceroute -n -q 1 -w 1 192.168.56.11'],
  ['node1$ traceroute -n -q 1 192.168.57.1', 'node1$ traceroute -n -q 1 -w 1 192.168.57.1'],
  ['node1$ traceroute -n -q 1 192.168.99.9', 'node1$ traceroute -n -q 1 -w 1 192.168.99.9'],
];

describe('podwire run test/kernel/router-lab.yaml', () => {
  let r: CliResult;
  beforeAll(async () => {
    r = await cli('run', ROUTER_LAB);
  });

  it('exits 0 when every expectation holds, and writes nothing on stderr', () => {
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.outLines[0]).toBe(`podwire run ${ROUTER_LAB} (seed 1)`);
    expect(r.outLines.at(-1)).toMatch(/; 6 expectations: 6 held, 0 failed$/);
  });

  it.each(SAME_PROBE)('prints `%s` as the kernel printed `%s` (round-trip times masked)', (mine, kernel) => {
    expect(stepOutput(r.outLines, mine).map(maskRtt)).toEqual(observed(kernel).stdout.map(maskRtt));
  });

  it('prints the local "message too long" error of ping -M do -s 1473 and the kernel stdout around it', () => {
    const kernel = observed('node1$ ping -c 1 -W 1 -M do -s 1473 192.168.57.11');
    const mine = stepOutput(r.outLines, 'node1$ ping -c 1 -s 1473 -M do 192.168.57.11');
    // The report is a terminal transcript: ping's stderr line appears among its stdout lines.
    expect(mine.filter((l) => !kernel.stderr.includes(l))).toEqual(kernel.stdout);
    expect(mine).toEqual(expect.arrayContaining(kernel.stderr));
  });

  it('lists each expectation with ok and the probe evidence: TTL 64 on a segment, 63 across the router', () => {
    const block = r.outLines.slice(r.outLines.indexOf('expectations:') + 1, -2);
    expect(block).toEqual([
      '  ok   reachable node/node1 -> node/node2 (reply ttl=64)',
      '  ok   reachable node/node1 -> node/node3 (reply ttl=63)',
      '  ok   reachable node/node3 -> node/node1 (reply ttl=63)',
      '  ok   reachable node/node1 -> router/router (reply ttl=64)',
      '  ok   unreachable node/node1 -> 192.168.99.9 (From 192.168.56.1 icmp_seq=1 Destination Net Unreachable)',
      '  ok   unreachable node/node1 -> 192.168.56.99 (From 192.168.56.11 icmp_seq=1 Destination Host Unreachable)',
    ]);
  });
});

describe('podwire run with an expectation that does not hold', () => {
  it('exits 1 and marks the expectation FAIL with the reply that proves it wrong', async () => {
    const f = join(dir, 'wrong.yaml');
    writeFileSync(
      f,
      yaml(
        'apiVersion: podwire/v1',
        'kind: Cluster',
        'spec:',
        '  underlay:',
        '    - {name: rack1, cidr: 192.168.56.0/24}',
        '  nodes:',
        '    - {name: node1, subnet: rack1, ip: 192.168.56.11}',
        '    - {name: node2, subnet: rack1, ip: 192.168.56.12}',
        '---',
        'apiVersion: podwire/v1',
        'kind: Scenario',
        'spec:',
        '  expect:',
        '    - {reachable: {from: node/node1, to: node/node2}}',
        '    - {unreachable: {from: node/node1, to: node/node2}}',
      ),
    );
    const r = await cli('run', f);
    expect(r.code).toBe(1);
    expect(r.outLines).toContain('  ok   reachable node/node1 -> node/node2 (reply ttl=64)');
    expect(r.outLines).toContain('  FAIL unreachable node/node1 -> node/node2 (reply ttl=64)');
    expect(r.outLines.at(-1)).toMatch(/; 2 expectations: 1 held, 1 failed$/);
  });
});

describe('podwire run --json', () => {
  let r: CliResult;
  const pcap = join(dir, 'json-pcap');
  beforeAll(async () => {
    r = await cli('run', ROUTER_LAB, '--json', '--pcap', pcap);
  });

  it('writes exactly one JSON document on stdout, with the seed, the steps and the expectations', () => {
    expect(r.code).toBe(0);
    const doc: unknown = JSON.parse(r.out);
    expect(doc).toMatchObject({ seed: 1, outcome: 'idle' });
    const report = doc as { steps: unknown[]; expectations: Array<{ held: boolean }> };
    expect(report.steps).toHaveLength(14);
    expect(report.expectations).toHaveLength(6);
    expect(report.expectations.every((e) => e.held)).toBe(true);
  });

  it("carries each step's output lines and the ping's reply TTLs as data", () => {
    const report = JSON.parse(r.out) as {
      steps: Array<{
        command: string;
        host: string;
        lines: Array<{ text: string }>;
        ping?: { ttls: number[] };
      }>;
    };
    const across = report.steps.find((s) => s.command === 'ping -c 1 192.168.57.11');
    expect(across?.host).toBe('node1');
    expect(across?.ping?.ttls).toEqual([63]);
    expect(across?.lines.map((l) => maskRtt(l.text))).toEqual(
      observed('node1$ ping -c 1 -W 1 192.168.57.11').stdout.map(maskRtt),
    );
  });

  it('sends the human lines (captures, how to open them) to stderr', () => {
    expect(r.err).toMatch(/^captures: .*\.pcapng/m);
    expect(r.err).toMatch(/^open with: tshark -r \S+\.pcapng -d udp\.port==8472,vxlan$/m);
    expect(r.out).not.toMatch(/captures:|open with:/);
  });
});

describe('podwire run --until', () => {
  it('stops the timeline: only the steps due by then are reported, and expectations are not checked', async () => {
    const r = await cli('run', ROUTER_LAB, '--until', '3s', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as {
      outcome: string;
      endNs: number;
      steps: Array<{ startNs: number }>;
      expectations: unknown[];
    };
    expect(report.outcome).toBe('until');
    expect(report.endNs).toBe(3_000_000_000);
    expect(report.steps.map((s) => s.startNs)).toEqual([1e9, 2e9, 3e9]);
    expect(report.expectations).toEqual([]);
  });

  it('says in the text report where the timeline stopped', async () => {
    const r = await cli('run', ROUTER_LAB, '--until', '2500ms');
    expect(r.code).toBe(0);
    expect(r.outLines.filter((l) => /^\[[\d.]+\] /.test(l))).toEqual([
      '[1.000000] node1$ ping -c 1 192.168.56.12',
      '[2.000000] node1$ ping -c 1 192.168.57.11',
    ]);
    expect(r.out).toMatch(/^timeline stopped at 2\.500000s by --until: expectations not checked$/m);
  });
});
