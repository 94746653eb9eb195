import {
  type GetOptions,
  type GetResult,
  getDaemonSets,
  getDeployments,
  getEndpointSlices,
  getEndpoints,
  getNodes,
  getPods,
  getReplicaSets,
  getServices,
  getStatefulSets,
} from '../inspect/index.js';
import type { KubeObject } from '../k8s/index.js';
import { inspection } from './load.js';
import type { Output } from './output.js';

/** The resources `podwire get` prints, by their plural name. */
const PRINTERS = {
  pods: ['Pod', getPods],
  nodes: ['Node', getNodes],
  services: ['Service', getServices],
  endpoints: ['Endpoints', getEndpoints],
  endpointslices: ['EndpointSlice', getEndpointSlices],
  deployments: ['Deployment', getDeployments],
  replicasets: ['ReplicaSet', getReplicaSets],
  daemonsets: ['DaemonSet', getDaemonSets],
  statefulsets: ['StatefulSet', getStatefulSets],
} as const satisfies Record<string, readonly [string, (objects: never[], o: GetOptions) => GetResult]>;

export type GetResource = keyof typeof PRINTERS;

export interface GetArgs {
  readonly file: string;
  readonly resource?: GetResource;
  readonly name?: string;
  readonly namespace?: string;
  readonly output?: 'wide' | 'json' | 'yaml' | 'name';
  readonly allNamespaces: boolean;
  readonly at?: string;
  readonly seed?: string | number;
}

/**
 * `podwire get FILE RESOURCE [NAME] [-o wide|json|yaml|name] [-A] [-n NS] [--at T]`: the API objects as
 * kubectl prints them, read from the API store after the scenario (or at `--at`).
 */
export function getCommand(args: GetArgs, io: Output): number {
  const { cluster, play } = inspection(args, io);
  play();
  const [kind, print] = PRINTERS[args.resource ?? 'pods'];
  const objects = cluster.controlPlane.store.list<KubeObject>(kind).items;
  const r = (print as (objects: readonly KubeObject[], o: GetOptions) => GetResult)(objects, {
    output: args.output === undefined ? 'table' : args.output,
    allNamespaces: args.allNamespaces,
    namespace: args.namespace ?? 'default',
    nowNs: cluster.sim.now,
    ...(args.name !== undefined ? { name: args.name } : {}),
  });
  if (r.stderr !== '') io.err(r.stderr.replace(/\n$/, ''));
  if (r.stdout !== '') io.out(r.stdout.replace(/\n$/, ''));
  return r.stdout === '' && r.stderr.startsWith('Error') ? 1 : 0;
}
