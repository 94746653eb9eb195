/**
 * `kubectl drain NODE` (pkg/cmd/drain RunDrain + pkg/drain Helper) on simulated time: cordon, filter the
 * node's pods (drain-filters.ts), evict each one — the Eviction API is a delete with the drain's
 * --grace-period or else the pod's own (PodDisruptionBudgets are not modelled, so no 429 retries) — and
 * poll every second (waitForDelete, immediate first poll) until each pod is gone, printing
 * `pod/<name> evicted`; then `node/<name> drained`. Refusals and a --timeout print kubectl's stderr.
 *
 * kubectl evicts the pods from concurrent goroutines; here every `evicting pod` line is printed first,
 * in list order, at the drain's start time.
 */

import type { ControlPlaneContext, Pod } from '../api/index.js';
import { podDeleteGraceSeconds } from '../node-lifecycle/index.js';
import { setUnschedulable } from './cordon.js';
import { type DrainFlags, podsForDeletion } from './drain-filters.js';
import { aggregateMessage } from './output.js';

const SECOND = 1_000_000_000;

export interface DrainOptions extends DrainFlags {
  /** --grace-period; negative or absent: each pod's terminationGracePeriodSeconds. */
  readonly gracePeriodSeconds?: number;
  /** --timeout in ns; 0 or absent waits forever. */
  readonly timeoutNs?: number;
}

export interface KubectlLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  /** Simulated time the line was printed, ns. */
  readonly at: number;
}

export interface DrainRun {
  /** Undefined while the command runs; then kubectl's exit code. */
  readonly exitCode: number | undefined;
}

interface Waiting {
  readonly pod: Pod;
  done: boolean;
}

export function drain(
  ctx: ControlPlaneContext,
  node: string,
  options: DrainOptions,
  out: (line: KubectlLine) => void,
): DrainRun {
  const run: { exitCode: number | undefined } = { exitCode: undefined };
  const say = (stream: KubectlLine['stream'], text: string): void => out({ stream, text, at: ctx.sim.now });
  const exit = (code: number): void => {
    run.exitCode = code;
  };
  const cordoned = setUnschedulable(ctx.store, node, true);
  for (const l of cordoned.stdout) say('stdout', l);
  for (const l of cordoned.stderr) say('stderr', l);
  if (cordoned.stderr.length > 0) {
    exit(1);
    return run;
  }
  const failNode = (message: string, fatal: readonly string[]): void => {
    say('stderr', `error: unable to drain node "${node}" due to error: ${message}, continuing command...`);
    say('stderr', 'There are pending nodes to be drained:');
    say('stderr', ` ${node}`);
    // CheckErr unwraps RunDrain's aggregate of one node; the inner one is an aggregate too, so
    // MultipleErrors prints each of its errors on a line of its own, without `error: `.
    for (const l of fatal) say('stderr', l);
    exit(1);
  };

  const list = podsForDeletion(ctx.store, node, options);
  if (list.errors.length > 0) {
    failNode(aggregateMessage(list.errors), list.errors);
    return run;
  }
  if (list.warnings !== '') say('stderr', `Warning: ${list.warnings}`);

  const waiting: Waiting[] = [];
  for (const pod of list.pods) {
    say('stdout', `evicting pod ${pod.metadata.namespace}/${pod.metadata.name}`);
    const stored = ctx.store.tryGet<Pod>('Pod', pod.metadata.namespace, pod.metadata.name);
    if (stored === undefined) continue; // NotFound on evict: done, nothing printed
    const requested = (options.gracePeriodSeconds ?? -1) >= 0 ? options.gracePeriodSeconds : undefined;
    ctx.store.delete('Pod', pod.metadata.namespace, pod.metadata.name, {
      gracePeriodSeconds: podDeleteGraceSeconds(stored, requested),
    });
    waiting.push({ pod: stored, done: false });
  }
  const finish = (): void => {
    if (run.exitCode !== undefined || waiting.some((w) => !w.done)) return;
    say('stdout', `node/${node} drained`);
    exit(0);
  };
  const poll = (w: Waiting): void => {
    if (w.done || run.exitCode !== undefined) return;
    const now = ctx.store.tryGet<Pod>('Pod', w.pod.metadata.namespace, w.pod.metadata.name);
    if (now === undefined || now.metadata.uid !== w.pod.metadata.uid) {
      w.done = true;
      say('stdout', `pod/${w.pod.metadata.name} evicted`);
      finish();
      return;
    }
    ctx.sim.after(SECOND, poll, w);
  };
  for (const w of waiting) poll(w);
  finish();

  const timeout = options.timeoutNs ?? 0;
  if (timeout > 0 && run.exitCode === undefined) {
    ctx.sim.after(
      timeout,
      () => {
        if (run.exitCode !== undefined) return;
        // The poll's context expires: waitForDelete returns ctx.Err().
        const errs = waiting
          .filter((w) => !w.done)
          .map(
            (w) =>
              `error when waiting for pod "${w.pod.metadata.name}" in namespace "${w.pod.metadata.namespace}" to terminate: context deadline exceeded`,
          );
        const message = aggregateMessage(errs);
        const pending = podsForDeletion(ctx.store, node, options).pods;
        if (pending.length > 0) {
          say('stderr', `There are pending pods in node "${node}" when an error occurred: ${message}`);
          for (const p of pending) say('stderr', `pod/${p.metadata.name}`);
        }
        failNode(message, errs);
        for (const w of waiting) w.done = true;
      },
      undefined,
    );
  }
  return run;
}
