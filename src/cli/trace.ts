import type { Argv, CommandModule } from 'yargs';
import { renderTrace, type TraceProto, traceFlow } from '../inspect/index.js';
import { type Cluster, parseRef, type Ref, resolveFrom, resolveTo } from '../topology/index.js';
import { InputError, inspection } from './load.js';
import type { Output } from './output.js';

export interface TraceArgs {
  readonly file: string;
  /** A reference: `pod/NAME`, `node/NAME`, `router/NAME`, `host/NAME` or an address one of them holds. */
  readonly from: string;
  /**
   * A reference (`svc/NAME` too) or any address; with `--proto udp|tcp` `:PORT` — a number, or for pods
   * and Services a port name; a Service with one port needs none.
   */
  readonly to: string;
  readonly at?: string;
  readonly proto?: TraceProto;
  readonly seed?: string | number;
  readonly json?: boolean;
}

/**
 * `podwire trace FILE --from REF --to REF[:PORT] [--at T] [--proto icmp|udp|tcp] [--json]`: plays the
 * scenario up to `--at` (or to its end), then sends one packet and prints every step it and its answer
 * took. Exit 0 when the packet reached its destination, 1 when it did not, 2 for bad input.
 */
export function traceCommand(args: TraceArgs, io: Output): number {
  const proto = args.proto ?? 'icmp';
  const fromRef = refArg('from', args.from);
  const toRef = refArg('to', args.to);
  if (fromRef.port !== undefined) throw new InputError([`--from: a sender has no port (${args.from})`]);
  if (toRef.port !== undefined && proto === 'icmp')
    throw new InputError([`--to: a port (${args.to}) needs --proto udp or tcp`]);
  const { cluster, play } = inspection(args, io);
  play();
  const origin = resolveFrom(cluster, fromRef);
  if (origin === undefined) throw new InputError([`--from: ${unknown(cluster, fromRef, args.file)}`]);
  const dst = resolveTo(cluster, toRef, origin.ns);
  if (dst === undefined) throw new InputError([`--to: ${unknown(cluster, toRef, args.file)}`]);
  const port = proto === 'icmp' ? undefined : portOf(cluster, toRef, proto);
  const report = traceFlow(cluster, {
    from: args.from,
    to: args.to,
    origin: origin.ns,
    dst,
    proto,
    ...(port !== undefined ? { port } : {}),
  });
  io.out(args.json === true ? JSON.stringify(report) : renderTrace(report).replace(/\n$/, ''));
  return report.packets[0]?.fate.kind === 'delivered' ? 0 : 1;
}

/** The yargs command (`main.ts` registers it with one line); `run` maps thrown input errors to exit 2. */
export function traceCommandModule(run: (fn: () => number) => void, io: Output): CommandModule {
  return {
    command: 'trace <file>',
    describe: 'follow one packet (ping -c 1, one UDP datagram, or a TCP SYN) and its answer hop by hop',
    builder: (y: Argv) =>
      y
        .positional('file', { type: 'string', demandOption: true })
        .option('from', {
          type: 'string',
          demandOption: true,
          describe: 'sender: pod/NAME, node/NAME, host/NAME, …',
        })
        .option('to', {
          type: 'string',
          demandOption: true,
          describe:
            'destination: pod/NAME[:PORT], svc/NAME[:PORT], node/NAME[:PORT], host/NAME, an IP[:PORT]',
        })
        .option('at', {
          type: 'string',
          describe: 'send at this simulated time (default: after the scenario)',
        })
        .option('proto', { choices: ['icmp', 'udp', 'tcp'] as const, default: 'icmp' as const })
        .option('seed', { type: 'string' })
        .option('json', { type: 'boolean', default: false, describe: 'the trace as one JSON document' }),
    handler: (a) =>
      run(() =>
        traceCommand(
          {
            file: String(a.file),
            from: String(a.from),
            to: String(a.to),
            proto: a.proto === 'udp' || a.proto === 'tcp' ? a.proto : 'icmp',
            json: a.json === true,
            ...(typeof a.at === 'string' ? { at: a.at } : {}),
            ...(typeof a.seed === 'string' ? { seed: a.seed } : {}),
          },
          io,
        ),
      ),
  };
}

function refArg(flag: 'from' | 'to', text: string): Ref {
  const r = parseRef(text);
  if (r.ok) return r.ref;
  const d = r.detail;
  if (d.code === 'invalid_format' && d.format !== 'reference')
    throw new InputError([
      `--${flag}: "${d.received}" in ${text} is not a port: expected 1-65535 or a port name`,
    ]);
  throw new InputError([
    `--${flag}: "${text}" is not a reference: expected node/NAME, router/NAME, host/NAME, pod/NAME, pod/NAMESPACE/NAME, svc/NAME or an IPv4 address, each with :PORT for udp and tcp`,
  ]);
}

/**
 * The UDP/TCP port `ref` names: its number; a pod's container port or a Service's port by name; the
 * only port of a Service given without one. UDP alone may go without: traceroute's first port.
 */
function portOf(cluster: Cluster, ref: Ref, proto: 'udp' | 'tcp'): number | undefined {
  if (typeof ref.port === 'number') return ref.port;
  if (ref.kind === 'svc') {
    const svc = cluster.topology.services.find((s) => s.name === ref.name && s.namespace === ref.namespace);
    const ports = svc?.ports ?? [];
    const named =
      ref.port === undefined
        ? ports.length === 1
          ? ports[0]
          : undefined
        : ports.find((p) => p.name === ref.port);
    if (named !== undefined) return named.port;
    const known = ports.map((p) => `${p.name === '' ? '' : `${p.name} `}${p.port}/${p.protocol}`).join(', ');
    const what = ref.port === undefined ? 'give one of its ports' : `it has no port "${ref.port}"`;
    throw new InputError([`--to: ${ref.text}: ${what} (${known || 'none'})`]);
  }
  if (ref.kind === 'pod' && typeof ref.port === 'string') {
    const pod = cluster.topology.pods.find((p) => p.name === ref.name && p.namespace === ref.namespace);
    const ports = pod?.containers.flatMap((c) => c.ports) ?? [];
    const named = ports.find((p) => p.name === ref.port);
    if (named !== undefined) return named.containerPort;
    const known = ports.map((p) => `${p.name ?? ''} ${p.containerPort}/${p.protocol}`.trim()).join(', ');
    throw new InputError([`--to: ${ref.text}: the pod has no port "${ref.port}" (${known || 'none'})`]);
  }
  if (proto === 'tcp') throw new InputError([`--to: --proto tcp needs a port (${ref.text}:PORT)`]);
  return undefined;
}

/** Why a reference names nothing in the cluster, with what it could have named. */
function unknown(cluster: Cluster, ref: Ref, file: string): string {
  if (ref.kind === 'pod') {
    const pod = cluster.pods.get(`${ref.namespace}/${ref.name}`);
    if (pod !== undefined) return `${ref.text} has no address (${pod.status.reason ?? pod.status.phase})`;
    const known = [...cluster.pods.keys()].map((k) => k.replace(/^default\//, '')).join(', ');
    return `no pod "${ref.namespace === 'default' ? ref.name : `${ref.namespace}/${ref.name}`}" in ${file} (known: ${known || 'none'})`;
  }
  if (ref.kind === 'svc') {
    const key = `${ref.namespace}/${ref.name}`;
    if (cluster.services.services.has(key)) return `Service ${ref.name} has no ClusterIP (headless)`;
    const known = [...cluster.services.services.keys()].map((k) => k.replace(/^default\//, '')).join(', ');
    return `no Service "${ref.namespace === 'default' ? ref.name : key}" in ${file} (known: ${known || 'none'})`;
  }
  if (ref.kind === 'ip') return `no pod, node, router or host in ${file} has the address ${ref.text}`;
  if (ref.kind === 'dns')
    return `"${ref.text}" is a DNS name: trace follows one packet to an address (svc/NAME, pod/NAME, node/NAME or an IP)`;
  if (ref.kind === 'deploy' || ref.kind === 'sts') return `${ref.text} has no ready pod in ${file}`;
  const hosts = ref.kind === 'node' ? cluster.nodes : ref.kind === 'router' ? cluster.routers : cluster.hosts;
  return `no ${ref.kind} "${ref.name}" in ${file} (known: ${[...hosts.keys()].join(', ') || 'none'})`;
}
