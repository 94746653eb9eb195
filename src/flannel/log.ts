/** One line flanneld logged (klog without its header), with the simulated time it was logged at. */
export interface FlannelLogLine {
  readonly atNs: number;
  readonly node: string;
  readonly severity: 'I' | 'W' | 'E';
  readonly text: string;
}

/** A line's text, or what makes it when the line is read (info lines mostly go unread). */
export type FlannelLogText = string | (() => string);

/** Info lines a FlannelLog keeps by default. */
export const FLANNEL_LOG_INFO_KEPT = 10_000;

/**
 * Info lines written together — one per member of a node set, as a node joins — made only when read:
 * line `i` of the batch (`from <= i < count`) is logged by `node(i)` with `text(i)`.
 */
export interface FlannelLogBatch {
  readonly count: number;
  node(i: number): string;
  text(i: number): string;
}

/** A run of info lines in the ring: one line (`single`) or the lines `from..count-1` of a batch. */
interface InfoRun {
  readonly atNs: number;
  /** Write sequence of the run's line `0`. */
  readonly seq: number;
  readonly single: { readonly node: string; readonly text: FlannelLogText } | undefined;
  readonly batch: FlannelLogBatch | undefined;
  /** First line still kept (the older ones have rotated out). */
  from: number;
  readonly count: number;
}

/**
 * Where the flanneld instances write their log. Warnings and errors (what `problems` reports) are all
 * kept. Info lines — one per node pair as leases are added, so N² of them in an N-node cluster — are
 * kept like a size-rotated log file: only the last `infoKept` of them (10,000 by default), with their
 * text made when they are read; a batch of k lines costs one record, not k. `lines` shows the kept info
 * lines interleaved with every warning and error, in the order they were written.
 */
export class FlannelLog {
  private readonly problemLines: FlannelLogLine[] = [];
  /** Write sequence of each problem line, to interleave them with the info lines. */
  private readonly problemSeq: number[] = [];
  /** Runs of kept info lines, oldest first from `head`. */
  private runs: InfoRun[] = [];
  private head = 0;
  /** Info lines kept now. */
  private kept = 0;
  private seq = 0;
  /** Info lines that have rotated out so far. */
  infoDropped = 0;

  constructor(readonly infoKept: number = FLANNEL_LOG_INFO_KEPT) {}

  write(atNs: number, node: string, severity: FlannelLogLine['severity'], text: FlannelLogText): void {
    if (severity !== 'I') {
      this.problemLines.push({ atNs, node, severity, text: typeof text === 'string' ? text : text() });
      this.problemSeq.push(this.seq++);
      return;
    }
    this.keep({ atNs, seq: this.seq++, single: { node, text }, batch: undefined, from: 0, count: 1 });
  }

  /** Info lines `0..batch.count-1` of `batch`, all at `atNs`: as many `write`s, in one record. */
  writeBatch(atNs: number, batch: FlannelLogBatch): void {
    if (batch.count <= 0) return;
    const seq = this.seq;
    this.seq += batch.count;
    this.keep({ atNs, seq, single: undefined, batch, from: 0, count: batch.count });
  }

  /** Appends a run, then rotates the oldest lines out until `infoKept` remain. */
  private keep(run: InfoRun): void {
    this.runs.push(run);
    this.kept += run.count;
    const limit = Math.max(0, this.infoKept);
    while (this.kept > limit) {
      const oldest = this.runs[this.head] as InfoRun;
      const drop = Math.min(oldest.count - oldest.from, this.kept - limit);
      oldest.from += drop;
      this.kept -= drop;
      this.infoDropped += drop;
      if (oldest.from === oldest.count) this.head++;
    }
    // Drop the rotated-out runs from the array once they are half of it.
    if (this.head > 32 && this.head * 2 > this.runs.length) {
      this.runs = this.runs.slice(this.head);
      this.head = 0;
    }
  }

  /** The lines kept, in the order they were written: every warning and error, the last info lines. */
  get lines(): readonly FlannelLogLine[] {
    const out: FlannelLogLine[] = [];
    let p = 0;
    for (let k = this.head; k < this.runs.length; k++) {
      const run = this.runs[k] as InfoRun;
      for (let i = run.from; i < run.count; i++) {
        while (p < this.problemLines.length && (this.problemSeq[p] as number) < run.seq + i)
          out.push(this.problemLines[p++] as FlannelLogLine);
        out.push(infoLine(run, i));
      }
    }
    while (p < this.problemLines.length) out.push(this.problemLines[p++] as FlannelLogLine);
    return out;
  }

  /** Errors and warnings, the lines a user must see. */
  problems(): readonly FlannelLogLine[] {
    return [...this.problemLines];
  }
}

function infoLine(run: InfoRun, i: number): FlannelLogLine {
  const { atNs, single, batch } = run;
  if (single !== undefined) {
    const text = single.text;
    return { atNs, node: single.node, severity: 'I', text: typeof text === 'string' ? text : text() };
  }
  const b = batch as FlannelLogBatch;
  return { atNs, node: b.node(i), severity: 'I', text: b.text(i) };
}
