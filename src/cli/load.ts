import { parseDuration } from '../sim/index.js';
import {
  buildCluster,
  type Cluster,
  loadTopologyFile,
  renderIssue,
  runScenario,
  type Topology,
} from '../topology/index.js';

import type { Output } from './output.js';

/** Bad input: the lines to print and exit code 2. */
export class InputError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

/** Loads and validates a topology file, or throws `InputError` with one line per issue. */
export function loadOrFail(file: string): Topology {
  const r = loadTopologyFile(file);
  if (!r.ok) throw new InputError(r.issues.map((i) => renderIssue(i, file)));
  return r.topology;
}

/** `--seed N|random`: a number overrides the file's seed; `random` draws one and says which. */
export function parseSeed(value: unknown, stderr: (s: string) => void): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'random') {
    // The CLI is the one place allowed wall-clock randomness: the drawn seed is printed for replay.
    const seed = Math.floor(Math.random() * 0x7fffffff);
    stderr(`podwire: --seed random drew seed ${seed}`);
    return seed;
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InputError([`--seed: expected a non-negative integer or "random", got "${String(value)}"`]);
  return n;
}

/** Builds the live cluster of a validated topology. */
export function build(topology: Topology, seed: number | undefined): Cluster {
  return buildCluster(topology, seed === undefined ? {} : { seed });
}

/** A `--until`/`--at` value in ns, or bad input naming the flag. */
export function durationFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ns = parseDuration(value);
  if (ns === undefined) {
    throw new InputError([`--${flag}: expected a duration such as 10s, 250ms or 1500us, got "${value}"`]);
  }
  return ns;
}

/**
 * For `show` and `get`: the cluster FILE builds with `--seed`, and `play()`, which runs the scenario's
 * steps up to `--at` (or until idle) without the expectation probes, so the state is what the steps left.
 */
export function inspection(
  args: { readonly file: string; readonly seed?: string | number; readonly at?: string },
  io: Output,
): { readonly cluster: Cluster; readonly play: () => void } {
  const topology = loadOrFail(args.file);
  const seed = parseSeed(args.seed, io.err);
  const atNs = durationFlag('at', args.at);
  const cluster = build(topology, seed);
  const play = (): void => {
    runScenario(cluster, { expectations: false, ...(atNs === undefined ? {} : { untilNs: atNs }) });
  };
  return { cluster, play };
}
