/**
 * The container runtime's part podwire models: what runs in a pod once its containers start. Every
 * declared container port gets the built-in responder (TCP answers naming the pod, UDP echoes); an image
 * with a program of its own (CoreDNS) runs that instead. SIGTERM ends them all at once — the built-in
 * servers exit on the signal, as most do, which is what makes the endpoint-propagation window visible.
 */

import { type Responder, startResponder } from '../../apps/index.js';
import type { NetNs } from '../../net/index.js';
import type { Pod } from '../api/index.js';

/** A running program: stops on SIGTERM. */
export interface Process {
  close(): void;
}

/** A program for an image: returns its processes, or undefined to fall back to the port responders. */
export type ImageProgram = (pod: Pod, netns: NetNs) => readonly Process[] | undefined;

export class ContainerRuntime {
  private readonly running = new Map<string, readonly Process[]>();
  private readonly programs: { readonly match: (image: string) => boolean; readonly run: ImageProgram }[] =
    [];

  /** Registers a program for images `match` accepts (checked in registration order). */
  register(match: (image: string) => boolean, run: ImageProgram): void {
    this.programs.push({ match, run });
  }

  /** Starts the pod's containers in its network namespace. */
  start(key: string, pod: Pod, netns: NetNs): void {
    const procs: Process[] = [];
    for (const c of pod.spec.containers) {
      const program = this.programs.find((p) => p.match(c.image));
      const own = program?.run(pod, netns);
      if (own !== undefined) {
        procs.push(...own);
        continue;
      }
      for (const p of c.ports ?? []) {
        const r: Responder | string = startResponder(netns, {
          pod: pod.metadata.name,
          port: p.containerPort,
          protocol: p.protocol === 'UDP' ? 'UDP' : 'TCP',
        });
        if (typeof r !== 'string') procs.push(r);
      }
    }
    this.running.set(key, procs);
  }

  /** SIGTERM: the pod's processes exit. */
  stop(key: string): void {
    for (const p of this.running.get(key) ?? []) p.close();
    this.running.delete(key);
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }
}
