/**
 * Keeps the README true: every `$ npx podwire …` line in a ```console block is run through the CLI and
 * its output (stdout and stderr, in order) must equal the lines below it. A line `...` in the README
 * skips output up to the next line that matches.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { loadTopologyText } from '../src/topology/index.js';

interface Example {
  readonly argv: readonly string[];
  readonly expected: readonly string[];
}

function examples(markdown: string): Example[] {
  const out: Example[] = [];
  const blocks = markdown
    .split('```console\n')
    .slice(1)
    .map((b) => b.slice(0, b.indexOf('```')));
  for (const block of blocks) {
    let current: { argv: string[]; expected: string[] } | undefined;
    for (const line of block.replace(/\n$/, '').split('\n')) {
      if (line.startsWith('$ npx podwire ')) {
        current = { argv: line.slice('$ npx podwire '.length).split(' '), expected: [] };
        out.push(current);
      } else {
        current?.expected.push(line);
      }
    }
  }
  return out;
}

/** Matches output lines against expected ones, where `...` skips ahead to the next expected line. */
function matches(actual: readonly string[], expected: readonly string[]): boolean {
  let a = 0;
  for (let e = 0; e < expected.length; e++) {
    if (expected[e] === '...') {
      const next = expected[e + 1];
      if (next === undefined) return true;
      while (a < actual.length && actual[a] !== next) a++;
      continue;
    }
    if (actual[a] !== expected[e]) return false;
    a++;
  }
  return a === actual.length;
}

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README console examples', () => {
  it('has examples to check', () => {
    expect(examples(readme).length).toBeGreaterThan(5);
  });

  for (const ex of examples(readme)) {
    it(`podwire ${ex.argv.join(' ')} prints what the README shows`, async () => {
      const lines: string[] = [];
      const sink = (text: string) => lines.push(...text.replace(/\n$/, '').split('\n'));
      await main(ex.argv, { out: sink, err: sink });
      if (!matches(lines, ex.expected)) expect(lines).toEqual(ex.expected);
    });
  }
});

describe('README topology examples', () => {
  const yamlBlocks = readme
    .split('```yaml\n')
    .slice(1)
    .map((b) => b.slice(0, b.indexOf('```')));

  it('has a topology example', () => {
    expect(yamlBlocks.length).toBeGreaterThan(0);
  });

  for (const [i, text] of yamlBlocks.entries()) {
    it(`example ${i + 1} loads without an issue`, () => {
      const r = loadTopologyText(text, 'README.md');
      expect(r.ok ? [] : r.issues).toEqual([]);
    });
  }
});
