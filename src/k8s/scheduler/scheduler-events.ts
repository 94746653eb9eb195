/** What kube-scheduler reports as Events: Scheduled when it binds a pod, FailedScheduling when none fits. */

export interface SchedulerEvent {
  readonly atNs: number;
  /** namespace/name */
  readonly pod: string;
  readonly reason: 'Scheduled' | 'FailedScheduling';
  readonly message: string;
}

/**
 * A Scheduled event, its message written when read: one is kept per pod for the whole run (150,000 at
 * the scale benchmark's largest size), and almost none is ever read.
 */
export class ScheduledEvent implements SchedulerEvent {
  readonly reason = 'Scheduled';
  constructor(
    readonly atNs: number,
    readonly pod: string,
    private readonly node: string,
  ) {}

  get message(): string {
    return `Successfully assigned ${this.pod} to ${this.node}`;
  }
}
