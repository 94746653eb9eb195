/**
 * Helpers for the seed-topology tests (topologies/*.yaml): load and build a seed file, take snapshots of
 * the API store at chosen simulated times, print them with the kubectl printers and read the tables back
 * by column, and watch one node's kube-proxy rules (the addresses its KUBE-SVC chains DNAT to) together
 * with the pods' deletion marks, so a test can tell which requests were sent while a rule was stale.
 */
import { fileURLToPath } from 'node:url';
import type { RequestResult } from '../../src/apps/index.js';
import {
  type GetOptions,
  type GetResult,
  getDaemonSets,
  getDeployments,
  getEndpoints,
  getNodes,
  getPods,
  getReplicaSets,
} from '../../src/inspect/index.js';
import type {
  DaemonSet,
  Deployment,
  Endpoints,
  Node,
  Pod,
  ReplicaSet,
  Service,
} from '../../src/k8s/index.js';
import {
  buildCluster,
  type Cluster,
  loadTopologyFile,
  type RunReport,
  renderIssue,
  type Topology,
} from '../../src/topology/index.js';
import { formatIp4, inPrefix, parseCidr, parseIp4 } from '../../src/wire/index.js';

export const SECOND = 1_000_000_000;
export const MS = 1_000_000;

/** The path of a seed topology, `topologies/NAME.yaml`. */
export function seedPath(name: string): string {
  return fileURLToPath(new URL(`../../topologies/${name}.yaml`, import.meta.url));
}

/** Loads a seed topology, which must be valid. */
export function loadSeed(name: string): Topology {
  const path = seedPath(name);
  const r = loadTopologyFile(path);
  if (!r.ok) throw new Error(r.issues.map((i) => renderIssue(i, path)).join('\n'));
  return r.topology;
}

/** Builds a seed topology (with `seed` overriding the file's). */
export function buildSeed(name: string, seed?: number): Cluster {
  return buildCluster(loadSeed(name), seed === undefined ? {} : { seed });
}

/** The API objects at one simulated time. */
export interface Snapshot {
  readonly nowNs: number;
  readonly pods: readonly Pod[];
  readonly nodes: readonly Node[];
  readonly deployments: readonly Deployment[];
  readonly replicaSets: readonly ReplicaSet[];
  readonly daemonSets: readonly DaemonSet[];
  readonly endpoints: readonly Endpoints[];
  /** Services of every namespace (kube-dns is in kube-system). */
  readonly services: readonly Service[];
}

/** What the store holds now (objects are frozen, so the lists stay as they are). */
export function snapshot(cluster: Cluster): Snapshot {
  const store = cluster.controlPlane.store;
  return {
    nowNs: cluster.sim.now,
    pods: store.list<Pod>('Pod', { namespace: 'default' }).items,
    nodes: store.list<Node>('Node').items,
    deployments: store.list<Deployment>('Deployment', { namespace: 'default' }).items,
    replicaSets: store.list<ReplicaSet>('ReplicaSet', { namespace: 'default' }).items,
    daemonSets: store.list<DaemonSet>('DaemonSet', { namespace: 'default' }).items,
    endpoints: store.list<Endpoints>('Endpoints', { namespace: 'default' }).items,
    services: store.list<Service>('Service').items,
  };
}

/** Takes a snapshot at `atNs` of the coming run (call before `runScenario`). */
export function snapshotAt(cluster: Cluster, atNs: number): { readonly get: () => Snapshot } {
  let taken: Snapshot | undefined;
  cluster.sim.at(
    atNs,
    () => {
      taken = snapshot(cluster);
    },
    undefined,
  );
  return {
    get: () => {
      if (taken === undefined) throw new Error(`no snapshot at ${atNs} ns: the run stopped before`);
      return taken;
    },
  };
}

/** One kubectl table read back: its header and each row as column → cell. */
export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly Readonly<Record<string, string>>[];
}

/**
 * Reads a tabwriter table by the header's column starts (a cell may hold a single space, as `NOMINATED
 * NODE` does in the header).
 */
export function readTable(r: GetResult): Table {
  const lines = r.stdout.replace(/\n$/, '').split('\n');
  const headerLine = lines[0] ?? '';
  const header = headerLine.split(/ {2,}/);
  const starts: number[] = [];
  let from = 0;
  for (const h of header) {
    const at = headerLine.indexOf(h, from);
    starts.push(at);
    from = at + h.length;
  }
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    header.forEach((h, i) => {
      row[h] = line.slice(starts[i], starts[i + 1] ?? line.length).trim();
    });
    return row;
  });
  return { header, rows };
}

const PRINTERS = {
  pods: (s: Snapshot, o: GetOptions) => getPods(s.pods, o),
  nodes: (s: Snapshot, o: GetOptions) => getNodes(s.nodes, o),
  deployments: (s: Snapshot, o: GetOptions) => getDeployments(s.deployments, o),
  replicasets: (s: Snapshot, o: GetOptions) => getReplicaSets(s.replicaSets, o),
  daemonsets: (s: Snapshot, o: GetOptions) => getDaemonSets(s.daemonSets, o),
  endpoints: (s: Snapshot, o: GetOptions) => getEndpoints(s.endpoints, o),
} as const;

/** `kubectl get RESOURCE [-o wide]` of a snapshot, read back as a table. */
export function kubectl(s: Snapshot, resource: keyof typeof PRINTERS, wide = false): Table {
  const r = PRINTERS[resource](s, { output: wide ? 'wide' : 'table', allNamespaces: false, nowNs: s.nowNs });
  return readTable(r);
}

/** The row of `name`, which must be there. */
export function row(t: Table, name: string): Readonly<Record<string, string>> {
  const r = t.rows.find((x) => x['NAME'] === name);
  if (r === undefined) throw new Error(`no row ${name} in ${t.rows.map((x) => x['NAME']).join(', ')}`);
  return r;
}

/** Whether dotted `ip` lies in the node's `spec.podCIDR`. */
export function inPodCidr(node: Node, ip: string): boolean {
  const cidr = parseCidr(node.spec.podCIDR ?? '');
  const addr = parseIp4(ip);
  return cidr !== undefined && addr !== undefined && inPrefix(addr, cidr.ip, cidr.len);
}

export function podsWithPrefix(s: Snapshot, prefix: string): readonly Pod[] {
  return s.pods.filter((p) => p.metadata.name.startsWith(prefix));
}

/** The requests of the report's steps with this action (http, tcp, udp), in step order. */
export function requestsOf(report: RunReport, action: string): readonly RequestResult[] {
  return report.steps.filter((s) => s.step.action === action).flatMap((s) => s.requests ?? []);
}

/** Calls `fn` every `stepNs` from `fromNs` to `toNs` of the coming run, as daemon events. */
export function every(cluster: Cluster, fromNs: number, toNs: number, stepNs: number, fn: () => void): void {
  const tick = (): void => {
    fn();
    if (cluster.sim.now + stepNs <= toNs) cluster.sim.daemon(stepNs, tick, undefined);
  };
  cluster.sim.at(fromNs, tick, undefined);
}

/** One change of what a node's kube-proxy rules send to: from `atNs`, DNAT targets `addrs` (dotted). */
export interface RuleChange {
  readonly atNs: number;
  readonly addrs: ReadonlySet<string>;
}

/**
 * Polls every `stepNs` from `fromNs` to `toNs`: the endpoint addresses node `node`'s KUBE-SVC-* chains
 * reach (through KUBE-SEP-* chains' DNAT) for target port `port`, and for every pod of the default
 * namespace its IP and the first poll that saw it marked for deletion. Daemon events, so the run still
 * ends when the cluster goes idle.
 */
export class RuleWatch {
  readonly changes: RuleChange[] = [];
  /** Pod IP (dotted) → pod name, for every pod seen with an address. */
  readonly podOfIp = new Map<string, string>();
  /** Pod name → first poll time it carried a deletionTimestamp. */
  readonly deletedAt = new Map<string, number>();

  constructor(
    private readonly cluster: Cluster,
    private readonly node: string,
    private readonly port: number,
    fromNs: number,
    toNs: number,
    stepNs = MS,
  ) {
    every(cluster, fromNs, toNs, stepNs, () => this.poll());
  }

  private poll(): void {
    const now = this.cluster.sim.now;
    const addrs = this.targets();
    const last = this.changes.at(-1);
    if (last === undefined || !sameSet(last.addrs, addrs)) this.changes.push({ atNs: now, addrs });
    for (const p of this.cluster.controlPlane.store.list<Pod>('Pod', { namespace: 'default' }).items) {
      const ip = p.status?.podIP;
      if (ip !== undefined && ip !== '') this.podOfIp.set(ip, p.metadata.name);
      if (p.metadata.deletionTimestamp !== undefined && !this.deletedAt.has(p.metadata.name))
        this.deletedAt.set(p.metadata.name, now);
    }
  }

  private targets(): Set<string> {
    const nf = this.cluster.nodes.get(this.node)?.netfilter;
    const nat = nf?.tables().find((t) => t.name === 'nat');
    const out = new Set<string>();
    if (nat === undefined) return out;
    for (const [name, chain] of nat.chains) {
      if (!name.startsWith('KUBE-SVC-')) continue;
      for (const rule of chain.rules) {
        const t = rule.target;
        if (t === undefined || t.kind !== 'jump' || !t.chain.startsWith('KUBE-SEP-')) continue;
        for (const r of nat.chains.get(t.chain)?.rules ?? [])
          if (r.target?.kind === 'DNAT' && r.target.toPort === this.port) out.add(formatIp4(r.target.toAddr));
      }
    }
    return out;
  }

  /** The addresses the rules sent to at `atNs` (as of the last poll at or before it). */
  at(atNs: number): ReadonlySet<string> {
    let current: ReadonlySet<string> = new Set();
    for (const c of this.changes) {
      if (c.atNs > atNs) break;
      current = c.addrs;
    }
    return current;
  }

  /** The first poll from which the rules no longer send to `ip` (undefined: never dropped, or never held). */
  droppedAt(ip: string): number | undefined {
    let seen = false;
    for (const c of this.changes) {
      if (c.addrs.has(ip)) seen = true;
      else if (seen) return c.atNs;
    }
    return undefined;
  }

  /** The first poll whose rules send to `ip`. */
  addedAt(ip: string): number | undefined {
    return this.changes.find((c) => c.addrs.has(ip))?.atNs;
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
