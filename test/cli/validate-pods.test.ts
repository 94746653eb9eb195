import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, yaml } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwire-cli-pods-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A cluster of one node (lines 1–6) and a Pod manifest as `kubectl run --dry-run=client -o yaml` writes it. */
function topology(nodeLine: string): string {
  return yaml(
    'apiVersion: podwire/v1',
    'kind: Cluster',
    'spec:',
    '  underlay: [{name: rack1, cidr: 192.168.56.0/24}]',
    '  nodes: [{name: node1, subnet: rack1}]',
    '---',
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  creationTimestamp: null',
    '  labels: {run: web}',
    '  name: web',
    'spec:',
    '  containers:',
    '  - {image: nginx, name: web, resources: {}}',
    nodeLine,
    'status: {}',
  );
}

describe('podwire validate with Pod documents', () => {
  it('counts the pods in the ok line', async () => {
    const f = join(dir, 'ok.yaml');
    writeFileSync(f, topology('  nodeName: node1'));
    const r = await cli('validate', f);
    expect(r.code).toBe(0);
    expect(r.outLines).toEqual([
      `${f}: ok — 1 node(s) on 1 segment(s), 1 pod(s); scenario: 0 step(s), 0 expectation(s); seed 1`,
    ]);
  });

  it('accepts a pod without spec.nodeName: the scheduler places it', async () => {
    const f = join(dir, 'no-node.yaml');
    writeFileSync(f, topology('  restartPolicy: Always'));
    const r = await cli('validate', f);
    expect(r.code).toBe(0);
    expect(r.errLines).toEqual([]);
  });
});
