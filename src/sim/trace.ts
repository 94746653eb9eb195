/**
 * Trace points: devices fire `rx`, `tx` and `drop` (with a reason) at named capture points such as
 * `node1/eth0` or `node1/pa/eth0`. Captures, `podwire trace` and tests subscribe; the model never prints
 * (ns-3 trace sources MacTx/MacRx/MacTxDrop; smoltcp phy/tracer.rs). The bus is generic over the frame
 * type so that sim/ stays free of wire/.
 */
export type TraceKind = 'rx' | 'tx' | 'drop';

/** A named place where frames can be observed; ids are dense and follow registration order. */
export interface TracePoint {
  readonly id: number;
  readonly name: string;
  /** A layer-3 device (a TUN): frames carry no link header, captures write bare IP (LINKTYPE_RAW). */
  readonly layer3: boolean;
}

export type TraceListener<F> = (
  kind: TraceKind,
  time: number,
  point: TracePoint,
  frame: F,
  reason: string | undefined,
) => void;

export class TraceBus<F> {
  private readonly points: TracePoint[] = [];
  private readonly byName = new Map<string, TracePoint>();
  private listeners: Array<TraceListener<F>> = [];
  private readonly pointListeners: Array<(p: TracePoint) => void> = [];
  /** True when anyone listens: devices test this before building anything for a trace. */
  active = false;

  /** Registers (or returns) the capture point with this name. */
  point(name: string, options?: { readonly layer3?: boolean }): TracePoint {
    const existing = this.byName.get(name);
    if (existing !== undefined) return existing;
    // No default `{}` for options: each device registers its points, and most pass none.
    const p: TracePoint = { id: this.points.length, name, layer3: options?.layer3 === true };
    this.points.push(p);
    this.byName.set(name, p);
    for (const l of this.pointListeners) l(p);
    return p;
  }

  /** All points registered so far, in registration order. */
  allPoints(): readonly TracePoint[] {
    return this.points;
  }

  /** Subscribes to every fired event; returns an unsubscribe function. */
  on(listener: TraceListener<F>): () => void {
    this.listeners = [...this.listeners, listener];
    this.active = true;
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
      this.active = this.listeners.length > 0;
    };
  }

  /** Subscribes to point registrations (a capture writer adds an interface block per point). */
  onPoint(listener: (p: TracePoint) => void): void {
    this.pointListeners.push(listener);
  }

  fire(kind: TraceKind, time: number, point: TracePoint, frame: F, reason?: string): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) (ls[i] as TraceListener<F>)(kind, time, point, frame, reason);
  }
}
