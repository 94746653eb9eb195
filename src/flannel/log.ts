/** One line flanneld logged (klog without its header), with the simulated time it was logged at. */
export interface FlannelLogLine {
  readonly atNs: number;
  readonly node: string;
  readonly severity: 'I' | 'W' | 'E';
  readonly text: string;
}

/** Where a flanneld writes its log. */
export class FlannelLog {
  readonly lines: FlannelLogLine[] = [];

  write(atNs: number, node: string, severity: FlannelLogLine['severity'], text: string): void {
    this.lines.push({ atNs, node, severity, text });
  }

  /** Errors and warnings, the lines a user must see. */
  problems(): readonly FlannelLogLine[] {
    return this.lines.filter((l) => l.severity !== 'I');
  }
}
