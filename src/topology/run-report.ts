/** What the scenario's steps and expectations report (shared by run.ts and run-connect.ts). */

import type { AppLine, PingResult, RequestResult, TracerouteResult } from '../apps/index.js';
import type { Expectation, Step } from './types.js';

/** What one scenario step did: the command as typed on the host, and what it printed. */
export interface StepReport {
  readonly step: Step;
  readonly host: string | undefined;
  readonly command: string;
  readonly startNs: number;
  readonly lines: readonly AppLine[];
  readonly ping?: PingResult;
  readonly traceroute?: TracerouteResult;
  /** http/tcp/udp steps: one record per finished request. */
  readonly requests?: readonly RequestResult[];
}

/** An expectation and whether it held, with the probe's evidence. */
export interface ExpectationReport {
  readonly expectation: Expectation;
  readonly held: boolean;
  readonly detail: string;
}
