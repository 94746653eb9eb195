/**
 * Captures as a trace-bus subscriber (ns-3 trace-helper.h; smoltcp phy/pcap_writer.rs): `rx` frames are
 * written as inbound, `tx` as outbound (tcpdump -Q in|out), drops are not on the wire and are skipped.
 * Files, and each capture point's IDB, are created on a point's first packet, so a file holds exactly
 * the interfaces that carried traffic, in first-packet order — deterministic for a given run.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TraceBus, TraceKind, TracePoint } from '../sim/index.js';
import { type EthernetFrame, emitEthernet, emitIpv4, ethernetLen } from '../wire/index.js';
import { EPB_INBOUND, EPB_OUTBOUND, LINKTYPE_RAW } from './pcapng.js';
import { FileSink } from './sink.js';
import { PcapngWriter } from './writer.js';

/** Options for {@link attachCaptures}. */
export interface CaptureOptions {
  /** Directory the files go to; created when missing. */
  readonly dir: string;
  /** Which capture points to record; all by default. */
  readonly select?: (pointName: string) => boolean;
  /** File (relative to `dir`) a point is written to; default `<first path component>.pcapng`. */
  readonly fileFor?: (pointName: string) => string;
}

/** A running capture. */
export interface CaptureHandle {
  /** Paths of the files created so far, in creation order. */
  readonly files: readonly string[];
  /** Unsubscribes and closes every file. Idempotent. */
  close(): void;
}

/** Default file of a capture point: `node1/eth0` and `node1/pa/eth0` → `node1.pcapng`. */
export function defaultCaptureFile(pointName: string): string {
  const slash = pointName.indexOf('/');
  return `${slash < 0 ? pointName : pointName.slice(0, slash)}.pcapng`;
}

/** Emits a frame record straight into the writer's block buffer (no per-packet byte array). */
function emitInto(out: Uint8Array, at: number, frame: EthernetFrame): void {
  emitEthernet(frame, out, at);
}

/** A layer-3 point's frame without its (absent) link header: the bare IP packet. */
function emitRawInto(out: Uint8Array, at: number, frame: EthernetFrame): void {
  const p = frame.payload;
  if (p.kind === 'ipv4') emitIpv4(p, out, at);
}

/** Where one capture point's packets go. */
interface Route {
  readonly writer: PcapngWriter;
  readonly iface: number;
  readonly layer3: boolean;
}

/** Subscribes to `trace` and writes every selected point's rx/tx frames to pcapng files under `dir`. */
export function attachCaptures(trace: TraceBus<EthernetFrame>, options: CaptureOptions): CaptureHandle {
  const select = options.select ?? (() => true);
  const fileFor = options.fileFor ?? defaultCaptureFile;
  mkdirSync(options.dir, { recursive: true });
  const files: string[] = [];
  const writers = new Map<string, PcapngWriter>();
  // By point id: undefined = not seen yet, null = not selected.
  const routes: Array<Route | null | undefined> = [];

  const routeFor = (point: TracePoint): Route | null => {
    if (!select(point.name)) return null;
    const path = resolve(options.dir, fileFor(point.name));
    let writer = writers.get(path);
    if (writer === undefined) {
      writer = new PcapngWriter(new FileSink(path));
      writers.set(path, writer);
      files.push(path);
    }
    const iface = point.layer3
      ? writer.addInterface(point.name, LINKTYPE_RAW)
      : writer.addInterface(point.name);
    return { writer, iface, layer3: point.layer3 };
  };

  const listener = (kind: TraceKind, time: number, point: TracePoint, frame: EthernetFrame): void => {
    if (kind === 'drop') return;
    let route = routes[point.id];
    if (route === undefined) {
      route = routeFor(point);
      routes[point.id] = route;
    }
    if (route === null) return;
    const flags = kind === 'rx' ? EPB_INBOUND : EPB_OUTBOUND;
    if (route.layer3)
      route.writer.writeWith(route.iface, time, ethernetLen(frame) - 14, flags, emitRawInto, frame);
    else route.writer.writeWith(route.iface, time, ethernetLen(frame), flags, emitInto, frame);
  };

  const off = trace.on(listener);
  let closed = false;
  return {
    files,
    close(): void {
      if (closed) return;
      closed = true;
      off();
      for (const w of writers.values()) w.close();
    },
  };
}
