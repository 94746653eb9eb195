import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fields, haveTshark, problems, tsharkSkipNote, tsharkVerbose } from '../capture/tshark.js';
import { cli } from './helpers.js';

// Same-node pod traffic as tshark reads it: every capture point on the way (pod eth0, host veth, cni0).
const dir = mkdtempSync(join(tmpdir(), 'podwire-pod-captures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!haveTshark)(`pod captures, read by tshark${tsharkSkipNote}`, () => {
  const node1 = join(dir, 'node1.pcapng');

  beforeAll(async () => {
    const r = await cli('run', 'topologies/pods-on-a-node.yaml', '--pcap', dir);
    expect(r.code).toBe(0);
  });

  it("has a capture point for each pod's eth0, each host veth and cni0", () => {
    const names = new Set(fields(node1, ['frame.interface_name']).map((r) => r[0] ?? ''));
    expect(names).toContain('node1/cni0');
    expect(names).toContain('node1/pa/eth0');
    expect(names).toContain('node1/pb/eth0');
    expect([...names].filter((n) => /^node1\/veth[0-9a-f]{8}$/.test(n))).toHaveLength(2);
  });

  it('reports no malformed frame and no bad checksum', () => {
    expect(problems(tsharkVerbose(node1))).toEqual([]);
  });

  it('shows the first pa -> pb ping on cni0 as the kernel lab does: ARP request, reply, echo, echo reply', () => {
    const onCni0 = fields(node1, ['frame.len', '_ws.col.Info'], 'frame.interface_name == "node1/cni0"').slice(
      0,
      4,
    );
    expect(onCni0.map((r) => r[0])).toEqual(['42', '42', '98', '98']);
    expect(onCni0[0]?.[1]).toBe('Who has 10.244.0.3? Tell 10.244.0.2');
    expect(onCni0[2]?.[1]).toMatch(/^Echo \(ping\) request .*ttl=64/);
    expect(onCni0[3]?.[1]).toMatch(/^Echo \(ping\) reply .*ttl=64/);
  });
});
