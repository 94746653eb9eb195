/**
 * What properties observe of a running cluster: every trace event with the frame's exact bytes, and the
 * total of the devices' receive counters (one per frame per link a frame crossed).
 */
import type { TraceKind } from '../sim/index.js';
import type { Cluster } from '../topology/index.js';
import { emitEthernet } from '../wire/index.js';

/** One trace event: when, where, what happened, and the frame as it is on the wire. */
export interface SeenFrame {
  readonly kind: TraceKind;
  readonly time: number;
  readonly point: string;
  readonly reason: string | undefined;
  readonly bytes: Uint8Array;
}

/** A recording of a cluster's trace bus; `stop()` unsubscribes. */
export interface FrameLog {
  readonly frames: readonly SeenFrame[];
  stop(): void;
}

/** Records every trace event of the cluster from now on, emitting each frame to bytes at once. */
export function recordFrames(cluster: Cluster): FrameLog {
  const frames: SeenFrame[] = [];
  const stop = cluster.trace.on((kind, time, point, frame, reason) => {
    frames.push({ kind, time, point: point.name, reason, bytes: emitEthernet(frame) });
  });
  return { frames, stop };
}

/** A recorded event as one comparable line: `time kind point [reason] hex`. */
export function frameLine(f: SeenFrame): string {
  const hex = Array.from(f.bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${f.time} ${f.kind} ${f.point}${f.reason === undefined ? '' : ` (${f.reason})`} ${hex}`;
}

/** Frames received by every device of every host so far (the sum of `stats.rxPackets`). */
export function rxPacketsTotal(cluster: Cluster): number {
  let total = 0;
  for (const hosts of [cluster.nodes, cluster.routers])
    for (const host of hosts.values()) for (const dev of host.ns.devices()) total += dev.stats.rxPackets;
  return total;
}
