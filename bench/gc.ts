/**
 * A full garbage collection on demand, for benchmarks that measure heap growth or must not time a
 * collection of an earlier step's garbage. `global.gc` exists only under --expose-gc; the flag is
 * switched on at run time and the function taken from a fresh context, so `npm run bench` needs no flag.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** Runs a full, blocking collection. */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** The V8 heap in use after a full collection, MB. */
export function heapUsedMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1e6;
}
