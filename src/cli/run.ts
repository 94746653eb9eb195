import { relative } from 'node:path';
import { attachCaptures, type CaptureHandle } from '../capture/index.js';
import { formatSeconds } from '../sim/index.js';
import { type CaptureSpec, type RunReport, runScenario } from '../topology/index.js';
import { build, durationFlag, loadOrFail, parseSeed } from './load.js';
import type { Output } from './output.js';

export interface RunArgs {
  readonly file: string;
  readonly seed?: string | number;
  readonly until?: string;
  readonly pcap?: string;
  readonly json?: boolean;
}

/** `podwire run`: plays the scenario, prints each step's output and the expectations; exit 0/1/3. */
export function runCommand(args: RunArgs, io: Output): number {
  const topology = loadOrFail(args.file);
  const seed = parseSeed(args.seed, io.err);
  const untilNs = durationFlag('until', args.until);
  const cluster = build(topology, seed);
  let captures: CaptureHandle | undefined;
  if (args.pcap !== undefined) {
    const spec = topology.scenario.capture;
    captures = attachCaptures(cluster.trace, { dir: args.pcap, select: selector(spec) });
  }
  let report: RunReport;
  try {
    report = runScenario(cluster, untilNs === undefined ? {} : { untilNs });
  } finally {
    captures?.close();
  }
  const human = args.json === true ? io.err : io.out;
  if (args.json === true) io.out(JSON.stringify(report, jsonReplacer, 2));
  else printReport(report, args.file, human);
  if (captures !== undefined) {
    const files = captures.files.map((f) => relative(process.cwd(), f));
    human(`captures: ${files.length === 0 ? '(no packets)' : files.join(' ')}`);
    const first = files[0];
    if (first !== undefined) human(`open with: tshark -r ${first} -d udp.port==8472,vxlan`);
  }
  if (report.outcome === 'event-limit') {
    io.err('podwire: aborted: event limit reached before the model went idle');
    return 3;
  }
  return report.expectations.every((e) => e.held) ? 0 : 1;
}

function selector(spec: CaptureSpec): (point: string) => boolean {
  if (spec.kind === 'all') return () => true;
  if (spec.kind === 'none') return () => false;
  const points = new Set(spec.points);
  return (p) => points.has(p);
}

function printReport(report: RunReport, file: string, print: (s: string) => void): void {
  print(`podwire run ${file} (seed ${report.seed})`);
  for (const p of report.podProblems) {
    // kubectl get pods shows the status; kubectl describe pod shows why, as a FailedCreatePodSandBox event.
    print(`pod ${p.pod} on ${p.node}: ${p.status}: ${p.message}`);
  }
  for (const s of report.steps) {
    print('');
    print(`[${formatSeconds(s.startNs)}] ${s.host === undefined ? '' : s.host}$ ${s.command}`);
    for (const l of s.lines) print(l.text);
  }
  if (report.flannel.length > 0) {
    // What `kubectl logs -n kube-flannel ds/kube-flannel-ds` shows at warning level and above.
    print('');
    print('flanneld logged:');
    for (const l of report.flannel) print(`  [${formatSeconds(l.atNs)}] ${l.node}: ${l.severity} ${l.text}`);
  }
  const ex = report.expectations;
  if (report.outcome === 'until') {
    print('');
    print(`timeline stopped at ${formatSeconds(report.endNs)}s by --until: expectations not checked`);
  }
  if (ex.length > 0) {
    print('');
    print('expectations:');
    for (const e of ex) {
      const mark = e.held ? 'ok  ' : 'FAIL';
      print(
        `  ${mark} ${e.expectation.kind} ${e.expectation.from.text} -> ${e.expectation.to.text} (${e.detail})`,
      );
    }
  }
  const held = ex.filter((e) => e.held).length;
  print('');
  print(
    `simulated ${formatSeconds(report.endNs)}s, ${report.events} events; ${ex.length} expectations: ${held} held, ${ex.length - held} failed`,
  );
}

/** JSON has no Map or typed arrays: write maps as objects and bytes as hex. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}
