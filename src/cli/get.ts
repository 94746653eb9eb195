import { kubectlGetPods, type PodRow } from '../inspect/index.js';
import { formatIp4 } from '../topology/index.js';
import { inspection } from './load.js';
import type { Output } from './output.js';

export interface GetArgs {
  readonly file: string;
  readonly output?: 'wide' | 'json';
  readonly allNamespaces: boolean;
  readonly at?: string;
  readonly seed?: string | number;
}

/** `podwire get FILE pods [-o wide|json] [-A] [--at T]`: the pods as kubectl lists them. */
export function getCommand(args: GetArgs, io: Output): number {
  const { cluster, play } = inspection(args, io);
  play();
  const now = cluster.sim.now;
  const rows: PodRow[] = [...cluster.pods.values()].map((p) => {
    const running = p.status.phase === 'Running';
    const n = p.desc.containers.length;
    return {
      name: p.desc.name,
      namespace: p.desc.namespace,
      ready: `${running ? n : 0}/${n}`,
      status: p.status.reason ?? p.status.phase,
      restarts: 0,
      ageNs: now - p.createdAt,
      ...(p.status.podIP !== undefined ? { ip: formatIp4(p.status.podIP) } : {}),
      node: p.node,
    };
  });
  if (args.output === 'json') {
    // Not kubectl's full Pod objects: the table's facts, plus why a pod is stuck (its sandbox event).
    const items = [...cluster.pods.values()].map((p, i) => ({
      ...rows[i],
      ...(p.status.message !== undefined ? { message: p.status.message } : {}),
    }));
    io.out(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 4));
    return 0;
  }
  const text = kubectlGetPods(rows, { wide: args.output === 'wide', allNamespaces: args.allNamespaces });
  // kubectl says "No resources found …" on stderr.
  if (text.startsWith('No resources found')) io.err(text);
  else io.out(text);
  return 0;
}
