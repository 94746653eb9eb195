import type { EthernetFrame } from '../../wire/index.js';

/**
 * A growable ring of frames in flight on one link direction. Links deliver in order, so each scheduled
 * delivery event just takes the oldest frame: no per-frame closure or record on the hot path.
 */
export class FrameFifo {
  private frames: Array<EthernetFrame | undefined> = new Array(16);
  private lengths = new Int32Array(16);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(frame: EthernetFrame, length: number): void {
    if (this.count === this.frames.length) this.grow();
    const i = (this.head + this.count) & (this.frames.length - 1);
    this.frames[i] = frame;
    this.lengths[i] = length;
    this.count++;
  }

  /** Length of the oldest frame; call before `shift()`. */
  peekLength(): number {
    return this.lengths[this.head] as number;
  }

  /** Removes and returns the oldest frame. The caller guarantees the FIFO is not empty. */
  shift(): EthernetFrame {
    const i = this.head;
    const frame = this.frames[i];
    if (frame === undefined) throw new Error('FrameFifo.shift on an empty FIFO');
    this.frames[i] = undefined;
    this.head = (i + 1) & (this.frames.length - 1);
    this.count--;
    return frame;
  }

  private grow(): void {
    const n = this.frames.length * 2;
    const frames: Array<EthernetFrame | undefined> = new Array(n);
    const lengths = new Int32Array(n);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & (this.frames.length - 1);
      frames[k] = this.frames[i];
      lengths[k] = this.lengths[i] as number;
    }
    this.frames = frames;
    this.lengths = lengths;
    this.head = 0;
  }
}
