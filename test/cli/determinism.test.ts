import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, maskRtt, ROUTER_LAB } from './helpers.js';

// DESIGN.md, "Time and determinism": same file + same seed ⇒ byte-identical captures and output.

const dir = mkdtempSync(join(tmpdir(), 'podwire-cli-determinism-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One `podwire run … --pcap DIR` into a fresh DIR; returns stdout and every capture file's bytes by name. */
async function runWithCaptures(
  seedArgs: readonly string[],
): Promise<{ code: number; out: string; err: string; files: Map<string, Buffer> }> {
  // Always the same directory, emptied first, so the capture paths printed on stdout are the same too.
  const pcap = join(dir, 'pcap');
  rmSync(pcap, { recursive: true, force: true });
  const r = await cli('run', ROUTER_LAB, '--pcap', pcap, ...seedArgs);
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(pcap).sort()) files.set(name, readFileSync(join(pcap, name)));
  rmSync(pcap, { recursive: true, force: true });
  return { code: r.code, out: r.out, err: r.err, files };
}

/** The MAC address of a host's interface, as `ip -j link` reports it. */
async function macOf(host: string, ifname: string, seed: number): Promise<string> {
  const r = await cli('show', ROUTER_LAB, 'links', '--node', host, '--json', '--seed', String(seed));
  const links = JSON.parse(r.out) as Array<{ ifname: string; address: string }>;
  const link = links.find((l) => l.ifname === ifname);
  if (link === undefined) throw new Error(`${host} has no ${ifname}: ${r.out}`);
  return link.address;
}

/** The reply and error lines of every ping and traceroute, with round-trip times masked. */
function probeLines(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => / ttl=\d+ | icmp_seq=\d+ |^ ?\d+ {2}/.test(l))
    .map(maskRtt);
}

describe('podwire run is deterministic', () => {
  it('gives byte-identical stdout and pcapng files for two runs with the same seed', async () => {
    const a = await runWithCaptures(['--seed', '7']);
    const b = await runWithCaptures(['--seed', '7']);
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    expect([...b.files.keys()]).toEqual([...a.files.keys()]);
    expect([...a.files.keys()]).toEqual([
      'node1.pcapng',
      'node2.pcapng',
      'node3.pcapng',
      'rack1.pcapng',
      'rack2.pcapng',
      'router.pcapng',
    ]);
    for (const [name, bytes] of a.files) {
      expect(bytes.length, name).toBeGreaterThan(0);
      expect(b.files.get(name)?.equals(bytes), name).toBe(true);
    }
  });

  it("uses the file's seed (1) when --seed is not given", async () => {
    const implicit = await runWithCaptures([]);
    const explicit = await runWithCaptures(['--seed', '1']);
    expect(implicit.out).toBe(explicit.out);
    for (const [name, bytes] of implicit.files)
      expect(explicit.files.get(name)?.equals(bytes), name).toBe(true);
  });

  it('draws other MAC addresses with another seed, so the captures differ, while the TTLs and hops stay', async () => {
    const one = await runWithCaptures(['--seed', '1']);
    const two = await runWithCaptures(['--seed', '2']);
    expect(await macOf('node1', 'eth0', 2)).not.toBe(await macOf('node1', 'eth0', 1));
    expect(await macOf('router', 'eth1', 2)).not.toBe(await macOf('router', 'eth1', 1));
    expect([...two.files.keys()]).toEqual([...one.files.keys()]);
    expect([...one.files].some(([name, bytes]) => two.files.get(name)?.equals(bytes) !== true)).toBe(true);
    const lines = probeLines(one.out);
    expect(lines).toContain('64 bytes from 192.168.57.11: icmp_seq=1 ttl=63 time=<rtt> ms');
    expect(lines).toContain(' 2  192.168.57.11  <rtt> ms');
    expect(probeLines(two.out)).toEqual(lines);
  });

  it('prints the seed `--seed random` drew, and replaying that seed gives the same stdout', async () => {
    const drawn = await cli('run', ROUTER_LAB, '--seed', 'random');
    const m = /^podwire: --seed random drew seed (\d+)$/m.exec(drawn.err);
    expect(m).not.toBeNull();
    const replay = await cli('run', ROUTER_LAB, '--seed', m![1]!);
    expect(replay.out).toBe(drawn.out);
  });

  it('property: for any seed, two runs give the same stdout and the same capture bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 0x7fffffff }), async (seed) => {
        const a = await runWithCaptures(['--seed', String(seed)]);
        const b = await runWithCaptures(['--seed', String(seed)]);
        expect(a.code).toBe(0);
        expect(b.out).toBe(a.out);
        expect([...b.files.keys()]).toEqual([...a.files.keys()]);
        for (const [name, bytes] of a.files) expect(b.files.get(name)?.equals(bytes), name).toBe(true);
      }),
      { numRuns: 5 },
    );
  });
});
