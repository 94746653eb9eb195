/**
 * The README's "Property tests against your own clusters", run for real. Between the markers is the
 * README's code block with its imports pointed at src/ (the README imports 'podwire' and
 * 'podwire/testing'); the tests below the second marker check that the README still shows exactly that
 * code, and exactly what fast-check prints for the false property's shrunk counterexample.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
// --- README example: begin ---
import fc from 'fast-check';
import { it } from 'vitest';
import { buildCluster } from '../../src/index.js';
import {
  arbFabricDraw,
  type FabricDraw,
  fabricYaml,
  loadGenerated,
  pingOnce,
  podIp,
  podProbePairs,
} from '../../src/testing/index.js';

/** The most routing hops any pod-to-pod ping of the fabric crossed: 64 minus the reply's TTL. */
function mostRoutingHops(draw: FabricDraw): number {
  const topology = loadGenerated(fabricYaml(draw));
  const cluster = buildCluster(topology);
  const hops = podProbePairs(topology).map(([from, to]) => {
    const reply = pingOnce(cluster, `pod/${from}`, podIp(cluster, to));
    return reply.received === 1 ? 64 - (reply.ttls[0] ?? 0) : Number.POSITIVE_INFINITY;
  });
  return Math.max(0, ...hops);
}

it('no pod-to-pod path crosses more than two routing hops with vxlan, host-gw or DirectRouting', () => {
  const kernelBackends = arbFabricDraw({
    maxNodes: 8,
    backends: ['vxlan', 'host-gw', 'vxlan-directrouting'],
  });
  fc.assert(
    fc.property(kernelBackends, (draw) => mostRoutingHops(draw) <= 2),
    { numRuns: 30 },
  );
});

// Deliberately false: the udp backend's flanneld proxies route too, so a path between nodes crosses four.
const anyBackend = fc.property(arbFabricDraw({ maxNodes: 8 }), (draw) => mostRoutingHops(draw) <= 2);
// --- README example: end ---

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const self = readFileSync(new URL(import.meta.url), 'utf8');

/** The body of the first ```LANG block after the section heading. */
function block(lang: string): string {
  const section = readme.slice(readme.indexOf('## Property tests against your own clusters'));
  const start = section.indexOf(`\`\`\`${lang}\n`) + lang.length + 4;
  return section.slice(start, section.indexOf('```', start));
}

/** Import lines in sorted order, then the rest: the README's order is the user's, biome sorts ours. */
function normalised(code: string): string {
  const statements = code.split(/(?<=;)\n/);
  const imports = statements.filter((s) => s.startsWith('import ')).sort();
  const rest = statements.filter((s) => !s.startsWith('import '));
  return [...imports, ...rest].join('\n');
}

it('README: the section shows exactly the code this file runs', () => {
  const ours = self.slice(
    self.indexOf('// --- README example: begin ---\n') + 33,
    self.indexOf('// --- README example: end ---'),
  );
  const theirs = block('ts')
    .replace("from 'podwire/testing'", "from '../../src/testing/index.js'")
    .replace("from 'podwire'", "from '../../src/index.js'");
  assert.equal(normalised(theirs), normalised(ours));
});

it('README: the section shows what fast-check prints for the false property, shrunk to the smallest fabric', () => {
  let printed = '';
  try {
    fc.assert(anyBackend, { seed: 7 });
  } catch (e) {
    printed = e instanceof Error ? e.message : String(e);
  }
  assert.equal(printed, block('text').trimEnd());
});
