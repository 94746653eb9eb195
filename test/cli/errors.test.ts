import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliResult, cli, ROUTER_LAB, yaml } from './helpers.js';

// Every file below is written inline; the line:col in each expectation is counted by hand from that text
// (1-based; a value's first character, or the key for an unknown field).

const dir = mkdtempSync(join(tmpdir(), 'podwire-cli-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
/** Writes `text` to a fresh file in the temp dir and returns its path. */
function file(text: string): string {
  fileNo += 1;
  const path = join(dir, `t${fileNo}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** The shape every bad-input result must have: exit 2, nothing on stdout, no stack trace. */
function expectBadInput(r: CliResult): void {
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.errLines.length).toBeGreaterThan(0);
  expect(r.err).not.toMatch(/^\s+at /m);
  expect(r.err).not.toMatch(/Error:|node_modules/);
}

/** One valid segment and node; lines 1–9. */
const HEAD = ['apiVersion: podwire/v1', 'kind: Cluster', 'spec:', '  underlay:'];

describe('podwire validate on a bad topology file: one FILE:LINE:COL: PATH: message line per problem, exit 2', () => {
  it('reports a YAML syntax error with its position and the document it is in', async () => {
    const f = file(yaml(...HEAD, '    - {name: rack1, cidr: 192.168.56.0/24', '  nodes: []'));
    const r = await cli('validate', f);
    expectBadInput(r);
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(
      new RegExp(`^${reEscape(f)}:\\d+:\\d+: \\(document 1\\): YAML syntax error: \\S.*$`),
    );
  });

  it('points at a duplicated key (a YAML error) on the line and column of the second occurrence', async () => {
    const f = file(yaml('apiVersion: podwire/v1', 'kind: Cluster', 'kind: Cluster', 'spec: {}'));
    const r = await cli('validate', f);
    expectBadInput(r);
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(new RegExp(`^${reEscape(f)}:3:1: \\(document 1\\): YAML syntax error: `));
  });

  it('names an unknown field by its path and points at its key', async () => {
    const f = file(
      yaml(
        ...HEAD,
        '    - name: rack1',
        '      cidr: 192.168.56.0/24',
        '      colour: red',
        '  nodes:',
        '    - name: node1',
        '      subnet: rack1',
      ),
    );
    const r = await cli('validate', f);
    expectBadInput(r);
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(
      new RegExp(
        `^${reEscape(f)}:7:7: spec\\.underlay\\[0\\]\\.colour: unknown field "colour" \\(known: .*cidr.*\\)$`,
      ),
    );
  });

  it('refuses a CIDR with a prefix length over 32, pointing at the value', async () => {
    const f = file(
      yaml(
        ...HEAD,
        '    - name: rack1',
        '      cidr: 192.168.56.0/33',
        '  nodes:',
        '    - name: node1',
        '      subnet: rack1',
      ),
    );
    const r = await cli('validate', f);
    expectBadInput(r);
    expect(r.errLines).toEqual([
      `${f}:6:13: spec.underlay[0].cidr: "192.168.56.0/33" is not an IPv4 CIDR such as 192.168.56.0/24`,
    ]);
  });

  it('refuses a node on a segment that does not exist and lists the segments that do', async () => {
    const f = file(
      yaml(
        ...HEAD,
        '    - name: rack1',
        '      cidr: 192.168.56.0/24',
        '  nodes:',
        '    - name: node1',
        '      subnet: rack9',
      ),
    );
    const r = await cli('validate', f);
    expectBadInput(r);
    expect(r.errLines).toEqual([`${f}:9:15: spec.nodes[0].subnet: unknown segment "rack9" (known: rack1)`]);
  });

  it('refuses a segment whose subnet overlaps another one', async () => {
    const f = file(
      yaml(
        ...HEAD,
        '    - {name: rack1, cidr: 192.168.56.0/24}',
        '    - {name: rack2, cidr: 192.168.56.128/25}',
        '  nodes:',
        '    - {name: node1, subnet: rack1}',
      ),
    );
    const r = await cli('validate', f);
    expectBadInput(r);
    expect(r.errLines).toEqual([
      `${f}:6:27: spec.underlay[1].cidr: 192.168.56.128/25 overlaps segment "rack1" (192.168.56.0/24)`,
    ]);
  });

  it('reports every shape problem of a file at once, one line each, in file order', async () => {
    const f = file(
      yaml(
        ...HEAD,
        '    - name: rack1',
        '      cidr: 10.0.0.0/33',
        '      colour: red',
        '  nodes:',
        '    - name: node1',
        '      subnet: rack1',
        '      ip: 10.0.0.300',
      ),
    );
    const r = await cli('validate', f);
    expectBadInput(r);
    expect(r.errLines.map((l) => l.split(': ').slice(0, 2).join(': '))).toEqual([
      `${f}:6:13: spec.underlay[0].cidr`,
      `${f}:7:7: spec.underlay[0].colour`,
      `${f}:11:11: spec.nodes[0].ip`,
    ]);
  });

  it('reports every cross-field problem at once: an overlap and two unknown segments', async () => {
    const f = file(
      yaml(
        ...HEAD,
        '    - {name: rack1, cidr: 192.168.56.0/24}',
        '    - {name: rack2, cidr: 192.168.56.128/25}',
        '  nodes:',
        '    - {name: node1, subnet: rack9}',
        '    - {name: node2, subnet: rack3}',
      ),
    );
    const r = await cli('validate', f);
    expectBadInput(r);
    expect(r.errLines).toEqual([
      `${f}:6:27: spec.underlay[1].cidr: 192.168.56.128/25 overlaps segment "rack1" (192.168.56.0/24)`,
      `${f}:8:29: spec.nodes[0].subnet: unknown segment "rack9" (known: rack1, rack2)`,
      `${f}:9:29: spec.nodes[1].subnet: unknown segment "rack3" (known: rack1, rack2)`,
    ]);
  });

  it('says a missing file cannot be read, at 1:1, without a stack trace', async () => {
    const f = join(dir, 'no-such-file.yaml');
    const r = await cli('validate', f);
    expectBadInput(r);
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(new RegExp(`^${reEscape(f)}:1:1: cannot read the file: ENOENT`));
  });

  it('run and show refuse a bad file the same way before simulating anything', async () => {
    const f = file(
      yaml(
        ...HEAD,
        '    - name: rack1',
        '      cidr: 192.168.56.0/24',
        '  nodes:',
        '    - name: node1',
        '      subnet: rack9',
      ),
    );
    const expected = [`${f}:9:15: spec.nodes[0].subnet: unknown segment "rack9" (known: rack1)`];
    for (const args of [
      ['run', f],
      ['run', f, '--json'],
      ['show', f, 'routes', '--node', 'node1'],
    ]) {
      const r = await cli(...args);
      expectBadInput(r);
      expect(r.errLines).toEqual(expected);
    }
  });
});

describe('podwire command line misuse: one `podwire: …` line on stderr, exit 2', () => {
  it('refuses an unknown command', async () => {
    const r = await cli('frobnicate', ROUTER_LAB);
    expectBadInput(r);
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(/^podwire: Unknown arguments?: frobnicate\b/);
  });

  it('suggests the command meant by a near miss', async () => {
    const r = await cli('rn', ROUTER_LAB);
    expectBadInput(r);
    expect(r.errLines).toEqual(['podwire: Did you mean run?']);
  });

  it('refuses a run without its FILE and does not go on to run anything', async () => {
    const r = await cli('run');
    expectBadInput(r);
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(/^podwire: /);
  });

  it('refuses show without --node or --pod (and does not print a host that was never named)', async () => {
    const r = await cli('show', ROUTER_LAB, 'routes');
    expectBadInput(r);
    expect(r.errLines).toEqual(['podwire: show needs exactly one of --node NAME and --pod NAME']);
  });

  it('refuses show with both --node and --pod', async () => {
    const r = await cli('show', ROUTER_LAB, 'routes', '--node', 'node1', '--pod', 'pa');
    expectBadInput(r);
    expect(r.errLines).toEqual(['podwire: show needs exactly one of --node NAME and --pod NAME']);
  });

  it('refuses a show subject that is not one of routes, neigh, links, fdb, ipam, iptables, ipvs, conntrack, on one line', async () => {
    const r = await cli('show', ROUTER_LAB, 'bogus', '--node', 'node1');
    expectBadInput(r);
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(
      /^podwire: Invalid values: .*"bogus".*"routes", "neigh", "links", "fdb", "ipam", "iptables", "ipvs", "conntrack"$/,
    );
  });

  it('refuses an unknown option', async () => {
    const r = await cli('run', ROUTER_LAB, '--colour');
    expectBadInput(r);
    expect(r.errLines).toEqual(['podwire: Unknown argument: colour']);
  });

  it('asks for a command when given none', async () => {
    const r = await cli();
    expectBadInput(r);
    expect(r.errLines).toEqual(['podwire: a command is required (run, validate, show, get, graph, schema)']);
  });

  it('refuses an --until that is not a duration', async () => {
    const r = await cli('run', ROUTER_LAB, '--until', 'soon');
    expectBadInput(r);
    expect(r.errLines).toEqual(['--until: expected a duration such as 10s, 250ms or 1500us, got "soon"']);
  });

  it('refuses a --seed that is neither a non-negative integer nor "random"', async () => {
    for (const seed of ['abc', '-1', '1.5']) {
      const r = await cli('run', ROUTER_LAB, '--seed', seed);
      expectBadInput(r);
      expect(r.errLines).toEqual([`--seed: expected a non-negative integer or "random", got "${seed}"`]);
    }
  });

  it('refuses show --node naming no node or router, and lists the ones there are', async () => {
    const r = await cli('show', ROUTER_LAB, 'routes', '--node', 'node9');
    expectBadInput(r);
    expect(r.errLines).toEqual([
      `--node: no node or router "node9" in ${ROUTER_LAB} (known: node1, node2, node3, router)`,
    ]);
  });

  it('refuses show --at that is not a duration and --get that is not an address', async () => {
    const at = await cli('show', ROUTER_LAB, 'neigh', '--node', 'node1', '--at', 'later');
    expectBadInput(at);
    expect(at.errLines).toEqual(['--at: expected a duration such as 10s, 250ms or 1500us, got "later"']);
    const get = await cli('show', ROUTER_LAB, 'routes', '--node', 'node1', '--get', '192.168.57');
    expectBadInput(get);
    expect(get.errLines).toEqual(['--get: expected an IPv4 address, got "192.168.57"']);
  });
});

describe('podwire --help', () => {
  it('prints the usage on stdout and returns 0 instead of exiting the process', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.outLines[0]).toBe('podwire <command> FILE [options]');
    expect(r.out).toMatch(/podwire run <file>/);
    expect(r.err).toBe('');
  });
});

function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
