import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTER_LAB, yaml } from './helpers.js';

// The installed command: bin/podwire.js runs the compiled CLI in dist/, so these tests build it first
// (`npm run build`, tsc) and then run the bin as a user would, in its own process.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'podwire.js');
const dir = mkdtempSync(join(tmpdir(), 'podwire-cli-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function podwire(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the packaged podwire command (bin/podwire.js over dist/)', () => {
  beforeAll(() => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  }, 120_000);

  it('validates a good file: one ok line on stdout, exit 0', () => {
    const r = podwire('validate', 'test/kernel/router-lab.yaml');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^test\/kernel\/router-lab\.yaml: ok — 3 node\(s\) on 2 segment\(s\)/);
    expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });

  it('exits 2 on a bad file with the problem line on stderr and no stack trace', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(
      f,
      yaml(
        'apiVersion: podwire/v1',
        'kind: Cluster',
        'spec:',
        '  underlay:',
        '    - {name: rack1, cidr: 192.168.56.0/24}',
        '  nodes:',
        '    - {name: node1, subnet: rack9}',
      ),
    );
    const r = podwire('validate', f);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${f}:7:29: spec.nodes[0].subnet: unknown segment "rack9" (known: rack1)\n`);
  });

  it('exits 2 on a command-line mistake with one podwire: line and no stack trace', () => {
    const r = podwire('show', ROUTER_LAB, 'routes', '--colour');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('podwire: Unknown argument: colour\n');
  });

  it('runs the router lab to exit 0, with the same stdout in a new process for the same seed', () => {
    const a = podwire('run', 'test/kernel/router-lab.yaml', '--seed', '3');
    const b = podwire('run', 'test/kernel/router-lab.yaml', '--seed', '3');
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/6 expectations: 6 held, 0 failed\n$/);
    expect(b.stdout).toBe(a.stdout);
  });
});
