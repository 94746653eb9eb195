/**
 * Helpers for the command-line tests: run `main()` in-process with a recording Output, write topology
 * files into a temporary directory, read the kernel transcript of test/kernel/OBSERVED.md, and mask the
 * round-trip times that no two runs (real or simulated) share.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { Output } from '../../src/cli/output.js';

/** The router-lab fabric: two segments joined by a router, with the probes the kernel lab ran. */
export const ROUTER_LAB: string = fileURLToPath(new URL('../kernel/router-lab.yaml', import.meta.url));

/** The kernel transcript the simulator is measured against. */
export const OBSERVED_MD: string = fileURLToPath(new URL('../kernel/OBSERVED.md', import.meta.url));

/** What one `main()` call printed and returned; `out`/`err` hold the text of every write, joined. */
export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** stdout split into lines (without the final empty string after the last newline). */
  readonly outLines: readonly string[];
  /** stderr split into lines. */
  readonly errLines: readonly string[];
}

/** An Output that keeps every write, each ended with a newline as `processOutput` ends it. */
export function recordingOutput(): Output & {
  readonly outText: () => string;
  readonly errText: () => string;
} {
  const out: string[] = [];
  const err: string[] = [];
  const line = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);
  return {
    out: (s) => {
      out.push(line(s));
    },
    err: (s) => {
      err.push(line(s));
    },
    outText: () => out.join(''),
    errText: () => err.join(''),
  };
}

function lines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

/** Runs `podwire ARGS` in this process and records what it printed. */
export async function cli(...args: string[]): Promise<CliResult> {
  const io = recordingOutput();
  const code = await main(args, io);
  const out = io.outText();
  const err = io.errText();
  return { code, out, err, outLines: lines(out), errLines: lines(err) };
}

/** Joins lines into a YAML text, so a test can count lines and columns from its own source. */
export function yaml(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/**
 * The kernel's stdout (and stderr) for one command of OBSERVED.md's transcript, found by its exact header
 * `HOST$ COMMAND`. Each block there is: the header line `HOST$ COMMAND    # exit N`, stdout verbatim, then
 * optionally `--- stderr ---` and stderr.
 */
export function observed(
  header: string,
  file: string | URL = OBSERVED_MD,
): { stdout: string[]; stderr: string[]; exit: number } {
  const text = readFileSync(file, 'utf8');
  const blocks = text.split(/^```\n/m);
  for (const block of blocks) {
    const [first, ...rest] = block.split('\n');
    const m = /^(.*?) {4}# exit (\d+)$/.exec(first ?? '');
    if (m === null || m[1] !== header) continue;
    // The block text ends with the newline before the closing fence; that newline ends the last line.
    const body = rest.slice(0, -1);
    const cut = body.indexOf('--- stderr ---');
    return {
      stdout: cut < 0 ? body : body.slice(0, cut),
      stderr: cut < 0 ? [] : body.slice(cut + 1),
      exit: Number(m[2]),
    };
  }
  throw new Error(`OBSERVED.md has no transcript block "${header}"`);
}

/** Replaces round-trip times (ping's `time=`, its rtt summary, traceroute's per-hop times) with `<rtt>`. */
export function maskRtt(line: string): string {
  return line
    .replace(/time=\d+(\.\d+)? ms/, 'time=<rtt> ms')
    .replace(
      /^rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms$/,
      'rtt min/avg/max/mdev = <rtt>/<rtt>/<rtt>/<rtt> ms',
    )
    .replace(/^(\s?\d+ {2}\S+ {2})\d+\.\d{3} ms/, '$1<rtt> ms');
}

/**
 * The output of one step of a `podwire run` report, found by its `HOST$ COMMAND` (the `[T]` time prefix
 * is ignored): the lines after the step's header up to the next step or the expectations, without the
 * one blank line the report puts between steps.
 */
export function stepOutput(reportLines: readonly string[], hostCommand: string): string[] {
  const start = reportLines.findIndex((l) => l.replace(/^\[[\d.]+\] /, '') === hostCommand);
  if (start < 0) throw new Error(`the report has no step "${hostCommand}":\n${reportLines.join('\n')}`);
  const rest = reportLines.slice(start + 1);
  const end = rest.findIndex((l) =>
    /^(\[[\d.]+\] \S+\$ |expectations:$|simulated |timeline stopped )/.test(l),
  );
  const block = end < 0 ? rest : rest.slice(0, end);
  return block.at(-1) === '' ? block.slice(0, -1) : block;
}
