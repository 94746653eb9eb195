/**
 * sim/ — the only owner of time and randomness. An integer-nanosecond clock, an event queue ordered by
 * (time, insertion order), cancellable timers, named seeded random streams, the run loop, and trace
 * points devices fire. Imports nothing from the rest of podwire.
 */
export type { Handler } from './queue.js';
export { Rng } from './rng.js';
export { type RunOptions, type RunOutcome, type RunResult, Sim, Timer } from './sim.js';
export { formatSeconds, MS, NS, parseDuration, SECOND, US } from './time.js';
export { TraceBus, type TraceKind, type TraceListener, type TracePoint } from './trace.js';
