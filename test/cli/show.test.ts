import { describe, expect, it } from 'vitest';
import { cli, observed, ROUTER_LAB } from './helpers.js';

// `show` prints a host's state as iproute2 prints it; the expectations here are the real kernel's output
// on the same fabric (test/kernel/OBSERVED.md), except where a line holds a MAC or an ifindex of the lab.

/** A JSON answer (`ip -j …`) as OBSERVED.md recorded it. */
function observedJson(header: string): unknown {
  return JSON.parse(observed(header).stdout.join('\n'));
}

describe('podwire show FILE routes --node node1', () => {
  it('prints the main table exactly as `ip route` did on the kernel', async () => {
    const r = await cli('show', ROUTER_LAB, 'routes', '--node', 'node1');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.outLines).toEqual(observed('node1$ ip route').stdout);
  });

  it('prints the local table exactly as `ip route show table local` did', async () => {
    const r = await cli('show', ROUTER_LAB, 'routes', '--node', 'node1', '--table', 'local');
    expect(r.code).toBe(0);
    expect(r.outLines).toEqual(observed('node1$ ip route show table local').stdout);
  });

  it('answers --get with the two lines of `ip route get` (via the router for the other segment)', async () => {
    for (const [host, dst] of [
      ['node1', '192.168.57.11'],
      ['node1', '192.168.56.12'],
      ['node3', '192.168.56.11'],
      ['node1', '192.168.99.9'],
    ] as const) {
      const r = await cli('show', ROUTER_LAB, 'routes', '--node', host, '--get', dst);
      expect(r.code).toBe(0);
      expect(r.outLines).toEqual(observed(`${host}$ ip route get ${dst}`).stdout);
    }
  });

  it('says on stderr, as iproute2 does, that the router (no default route) cannot reach 192.168.99.9', async () => {
    const r = await cli('show', ROUTER_LAB, 'routes', '--node', 'router', '--get', '192.168.99.9');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.errLines).toEqual(['RTNETLINK answers: Network is unreachable']);
  });

  it('gives with --json the same data `ip -j route` gave, key for key', async () => {
    const r = await cli('show', ROUTER_LAB, 'routes', '--node', 'node1', '--json');
    expect(r.code).toBe(0);
    expect(r.outLines).toHaveLength(1);
    expect(JSON.parse(r.out)).toEqual(observedJson('node1$ ip -j route'));
  });

  it("prints the router's two connected routes as the kernel router did", async () => {
    const r = await cli('show', ROUTER_LAB, 'routes', '--node', 'router');
    expect(r.outLines).toEqual(observed('router$ ip route').stdout);
  });
});

describe('podwire show FILE neigh', () => {
  it('shows at 5s the neighbours node1 resolved by then as REACHABLE with their lladdr', async () => {
    const r = await cli('show', ROUTER_LAB, 'neigh', '--node', 'node1', '--at', '5s');
    expect(r.code).toBe(0);
    const lines = [...r.outLines].sort();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^192\.168\.56\.1 dev eth0 lladdr ([0-9a-f]{2}:){5}[0-9a-f]{2} REACHABLE $/);
    expect(lines[1]).toMatch(/^192\.168\.56\.12 dev eth0 lladdr ([0-9a-f]{2}:){5}[0-9a-f]{2} REACHABLE $/);
  });

  it('does not yet know at 5s the address pinged at 7s', async () => {
    const at5 = await cli('show', ROUTER_LAB, 'neigh', '--node', 'node1', '--at', '5s');
    expect(at5.out).not.toMatch(/192\.168\.56\.99/);
    const at12 = await cli('show', ROUTER_LAB, 'neigh', '--node', 'node1', '--at', '12s');
    expect(at12.outLines).toContain('192.168.56.99 dev eth0 FAILED ');
  });

  it("records in each table the MAC the other side's interface really has", async () => {
    const mac = async (host: string, ifname: string): Promise<string> => {
      const r = await cli('show', ROUTER_LAB, 'links', '--node', host, '--json');
      const links = JSON.parse(r.out) as Array<{ ifname: string; address: string }>;
      return links.find((l) => l.ifname === ifname)?.address ?? 'none';
    };
    const neigh = async (host: string): Promise<Array<{ dst: string; lladdr?: string; state: string[] }>> => {
      const r = await cli('show', ROUTER_LAB, 'neigh', '--node', host, '--at', '5s', '--json');
      return JSON.parse(r.out) as Array<{ dst: string; lladdr?: string; state: string[] }>;
    };
    const node1 = await neigh('node1');
    expect(node1.find((n) => n.dst === '192.168.56.1')).toEqual({
      dst: '192.168.56.1',
      dev: 'eth0',
      lladdr: await mac('router', 'eth0'),
      state: ['REACHABLE'],
    });
    expect(node1.find((n) => n.dst === '192.168.56.12')?.lladdr).toBe(await mac('node2', 'eth0'));
    const router = await neigh('router');
    expect(router.find((n) => n.dst === '192.168.56.11')?.lladdr).toBe(await mac('node1', 'eth0'));
    expect(router.find((n) => n.dst === '192.168.57.11')?.lladdr).toBe(await mac('node3', 'eth0'));
  });
});

describe('podwire show FILE links', () => {
  it('prints lo, then eth0, in the shape of `ip -d link`', async () => {
    const r = await cli('show', ROUTER_LAB, 'links', '--node', 'node1');
    expect(r.code).toBe(0);
    const firsts = r.outLines.filter((l) => /^\d+: /.test(l));
    expect(firsts).toHaveLength(2);
    // The loopback line is the kernel's own for every fresh namespace.
    expect(firsts[0]).toBe(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
    );
    expect(firsts[1]).toMatch(
      /^2: eth0(@if\d+)?: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc \S+ state UP mode DEFAULT group default qlen 1000$/,
    );
    const details = r.outLines.filter((l) => !/^\d+: /.test(l));
    expect(details.every((l) => l.startsWith('    ') && l.endsWith(' '))).toBe(true);
    expect(details).toContainEqual(
      expect.stringMatching(
        /^ {4}link\/ether ([0-9a-f]{2}:){5}[0-9a-f]{2} brd ff:ff:ff:ff:ff:ff .*promiscuity 0 {2}allmulti 0 minmtu 68 maxmtu 65535 /,
      ),
    );
  });
});

describe('podwire validate and schema', () => {
  it('validate prints one ok line for a good file and exits 0', async () => {
    const r = await cli('validate', ROUTER_LAB);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.outLines).toHaveLength(1);
    expect(r.outLines[0]).toMatch(
      new RegExp(`^${ROUTER_LAB.replace(/[.]/g, '\\.')}: ok — 3 node\\(s\\) on 2 segment\\(s\\)`),
    );
    expect(r.outLines[0]).toMatch(/14 step\(s\), 6 expectation\(s\); seed 1$/);
  });

  it('schema prints a JSON Schema document', async () => {
    const r = await cli('schema');
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.out) as Record<string, unknown>;
    expect('$schema' in schema || 'anyOf' in schema).toBe(true);
    expect(String(schema.$schema)).toMatch(/json-schema\.org/);
  });
});
