import type { Argv, CommandModule } from 'yargs';
import { renderTrace, traceFlow } from '../inspect/index.js';
import { type Cluster, parseRef, type Ref, resolveFrom, resolveTo } from '../topology/index.js';
import { InputError, inspection } from './load.js';
import type { Output } from './output.js';

export interface TraceArgs {
  readonly file: string;
  /** A reference: `pod/NAME`, `node/NAME`, `router/NAME` or an address one of them holds. */
  readonly from: string;
  /** A reference or any address; with `--proto udp` optionally `:PORT`. */
  readonly to: string;
  readonly at?: string;
  readonly proto?: 'icmp' | 'udp';
  readonly seed?: string | number;
  readonly json?: boolean;
}

/**
 * `podwire trace FILE --from REF --to REF[:PORT] [--at T] [--proto icmp|udp] [--json]`: plays the
 * scenario up to `--at` (or to its end), then sends one packet and prints every step it and its answer
 * took. Exit 0 when the packet reached its destination, 1 when it did not, 2 for bad input.
 */
export function traceCommand(args: TraceArgs, io: Output): number {
  const proto = args.proto ?? 'icmp';
  const fromRef = refArg('from', args.from);
  const { text: toText, port } = splitPort(args.to, proto);
  const toRef = refArg('to', toText);
  const { cluster, play } = inspection(args, io);
  play();
  const origin = resolveFrom(cluster, fromRef);
  if (origin === undefined) throw new InputError([`--from: ${unknown(cluster, fromRef, args.file)}`]);
  const dst = resolveTo(cluster, toRef, origin.ns);
  if (dst === undefined) throw new InputError([`--to: ${unknown(cluster, toRef, args.file)}`]);
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
    describe: 'follow one packet (ping -c 1, or one UDP datagram) and its answer hop by hop',
    builder: (y: Argv) =>
      y
        .positional('file', { type: 'string', demandOption: true })
        .option('from', { type: 'string', demandOption: true, describe: 'sender: pod/NAME, node/NAME, …' })
        .option('to', {
          type: 'string',
          demandOption: true,
          describe: 'destination: a reference or an IP[:PORT]',
        })
        .option('at', {
          type: 'string',
          describe: 'send at this simulated time (default: after the scenario)',
        })
        .option('proto', { choices: ['icmp', 'udp'] as const, default: 'icmp' as const })
        .option('seed', { type: 'string' })
        .option('json', { type: 'boolean', default: false, describe: 'the trace as one JSON document' }),
    handler: (a) =>
      run(() =>
        traceCommand(
          {
            file: String(a.file),
            from: String(a.from),
            to: String(a.to),
            proto: a.proto === 'udp' ? 'udp' : 'icmp',
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
  throw new InputError([
    `--${flag}: "${text}" is not a reference: expected node/NAME, router/NAME, pod/NAME, pod/NAMESPACE/NAME or an IPv4 address`,
  ]);
}

/** `REF:PORT` → the reference and the UDP port; a port needs `--proto udp`. */
function splitPort(text: string, proto: 'icmp' | 'udp'): { text: string; port?: number } {
  const m = /^(.*):(\d+)$/.exec(text);
  if (m === null) return { text };
  const port = Number(m[2]);
  if (proto !== 'udp') throw new InputError([`--to: a port (${text}) needs --proto udp`]);
  if (port < 1 || port > 65535) throw new InputError([`--to: port ${m[2]} is not in 1-65535`]);
  return { text: m[1] ?? '', port };
}

/** Why a reference names nothing in the cluster, with what it could have named. */
function unknown(cluster: Cluster, ref: Ref, file: string): string {
  if (ref.kind === 'pod') {
    const pod = cluster.pods.get(`${ref.namespace}/${ref.name}`);
    if (pod !== undefined) return `${ref.text} has no address (${pod.status.reason ?? pod.status.phase})`;
    const known = [...cluster.pods.keys()].map((k) => k.replace(/^default\//, '')).join(', ');
    return `no pod "${ref.text.slice(4)}" in ${file} (known: ${known || 'none'})`;
  }
  if (ref.kind === 'ip') return `no pod, node or router in ${file} has the address ${ref.text}`;
  const hosts = ref.kind === 'node' ? cluster.nodes : cluster.routers;
  return `no ${ref.kind} "${ref.name}" in ${file} (known: ${[...hosts.keys()].join(', ') || 'none'})`;
}
