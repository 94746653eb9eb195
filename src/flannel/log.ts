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
 * Where the flanneld instances write their log. Warnings and errors (what `problems` reports) are all
 * kept. Info lines — one per node pair as leases are added, so N² of them in an N-node cluster — are
 * kept like a size-rotated log file: only the last `infoKept` of them (10,000 by default), with their
 * text made when they are read. `lines` shows the kept info lines interleaved with every warning and
 * error, in the order they were written.
 */
export class FlannelLog {
  private readonly problemLines: FlannelLogLine[] = [];
  /** Write sequence of each problem line, to interleave them with the info lines. */
  private readonly problemSeq: number[] = [];
  /** Ring of the last info lines, one array per field; `infoNext` is the oldest slot once full. */
  private readonly infoAt: number[] = [];
  private readonly infoNode: string[] = [];
  private readonly infoText: FlannelLogText[] = [];
  private readonly infoSeq: number[] = [];
  private infoNext = 0;
  private seq = 0;
  /** Info lines that have rotated out so far. */
  infoDropped = 0;

  constructor(readonly infoKept: number = FLANNEL_LOG_INFO_KEPT) {}

  write(atNs: number, node: string, severity: FlannelLogLine['severity'], text: FlannelLogText): void {
    const seq = this.seq++;
    if (severity !== 'I') {
      this.problemLines.push({ atNs, node, severity, text: typeof text === 'string' ? text : text() });
      this.problemSeq.push(seq);
      return;
    }
    if (this.infoKept <= 0) {
      this.infoDropped++;
      return;
    }
    let at = this.infoAt.length;
    if (at >= this.infoKept) {
      at = this.infoNext;
      this.infoNext = (at + 1) % this.infoKept;
      this.infoDropped++;
    }
    this.infoAt[at] = atNs;
    this.infoNode[at] = node;
    this.infoText[at] = text;
    this.infoSeq[at] = seq;
  }

  /** The lines kept, in the order they were written: every warning and error, the last info lines. */
  get lines(): readonly FlannelLogLine[] {
    const out: FlannelLogLine[] = [];
    const n = this.infoAt.length;
    let p = 0;
    for (let k = 0; k < n; k++) {
      const at = (this.infoNext + k) % n;
      const seq = this.infoSeq[at] as number;
      while (p < this.problemLines.length && (this.problemSeq[p] as number) < seq)
        out.push(this.problemLines[p++] as FlannelLogLine);
      const text = this.infoText[at] as FlannelLogText;
      out.push({
        atNs: this.infoAt[at] as number,
        node: this.infoNode[at] as string,
        severity: 'I',
        text: typeof text === 'string' ? text : text(),
      });
    }
    while (p < this.problemLines.length) out.push(this.problemLines[p++] as FlannelLogLine);
    return out;
  }

  /** Errors and warnings, the lines a user must see. */
  problems(): readonly FlannelLogLine[] {
    return [...this.problemLines];
  }
}
