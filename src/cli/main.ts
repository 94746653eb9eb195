import { pathToFileURL } from 'node:url';
import yargs from 'yargs';
import { topologyJsonSchema } from '../topology/index.js';
import { getCommand } from './get.js';
import { graphCommand } from './graph.js';
import { InputError } from './load.js';
import { type Output, processOutput } from './output.js';
import { runCommand } from './run.js';
import { type ShowWhat, showCommand } from './show.js';
import { traceCommandModule } from './trace.js';
import { validateCommand } from './validate.js';

/** kubectl's short names for the resources `get` knows. */
const RESOURCE_ALIASES = {
  pods: 'pods',
  pod: 'pods',
  po: 'pods',
  nodes: 'nodes',
  node: 'nodes',
  no: 'nodes',
  services: 'services',
  service: 'services',
  svc: 'services',
  endpoints: 'endpoints',
  ep: 'endpoints',
  endpointslices: 'endpointslices',
  deployments: 'deployments',
  deployment: 'deployments',
  deploy: 'deployments',
  replicasets: 'replicasets',
  rs: 'replicasets',
  daemonsets: 'daemonsets',
  ds: 'daemonsets',
  statefulsets: 'statefulsets',
  sts: 'statefulsets',
} as const;

/**
 * The `podwire` command. Exit codes: 0 all expectations held, 1 an expectation failed, 2 bad input,
 * 3 aborted (event limit). Returns the exit code instead of exiting, so tests can call it.
 */
export async function main(argv: readonly string[], io: Output = processOutput): Promise<number> {
  let code = 0;
  const guard = (fn: () => number) => {
    try {
      code = fn();
    } catch (e: unknown) {
      if (!(e instanceof InputError)) throw e;
      for (const line of e.lines) io.err(line);
      code = 2;
    }
  };
  const parser = yargs()
    .scriptName('podwire')
    .usage('$0 <command> FILE [options]')
    .strict()
    .recommendCommands()
    .demandCommand(1, 'a command is required (run, validate, show, get, graph, schema)')
    .command(
      'run <file>',
      'play the topology file: build the fabric, run the scenario, check the expectations',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'topology YAML file' })
          .option('seed', {
            type: 'string',
            describe: 'seed (number) or "random"; default: the file\'s seed',
          })
          .option('until', {
            type: 'string',
            describe: 'stop the timeline at this simulated time (10s, 250ms)',
          })
          .option('pcap', { type: 'string', describe: 'write pcapng captures into this directory' })
          .option('json', { type: 'boolean', default: false, describe: 'one JSON report on stdout' }),
      (a) =>
        guard(() =>
          runCommand(
            {
              file: a.file,
              json: a.json,
              ...(a.seed !== undefined ? { seed: a.seed } : {}),
              ...(a.until !== undefined ? { until: a.until } : {}),
              ...(a.pcap !== undefined ? { pcap: a.pcap } : {}),
            },
            io,
          ),
        ),
    )
    .command(
      'validate <file>',
      'check a topology file; one line per problem (file:line:col path: message), exit 2 if any',
      (y) => y.positional('file', { type: 'string', demandOption: true }),
      (a) => guard(() => validateCommand(a.file, io)),
    )
    .command(
      'show <file> <what>',
      "print a host's state as the kernel tools print it, after the scenario (or at --at)",
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true })
          .positional('what', {
            choices: ['routes', 'neigh', 'links', 'fdb', 'ipam', 'iptables', 'ipvs', 'conntrack'] as const,
            demandOption: true,
          })
          .option('node', { type: 'string', describe: 'node or router name' })
          .option('pod', { type: 'string', describe: 'pod name (NAME or NAMESPACE/NAME) instead of --node' })
          .option('at', { type: 'string', describe: 'simulated time to stop at (e.g. 2s)' })
          .option('seed', { type: 'string' })
          .option('table', { choices: ['main', 'local'] as const, describe: 'routes: which table' })
          .option('get', { type: 'string', describe: 'routes: print `ip route get ADDR` instead' })
          .option('json', { type: 'boolean', default: false, describe: 'the `ip -j` JSON form' }),
      (a) =>
        guard(() =>
          showCommand(
            {
              file: a.file,
              what: a.what as ShowWhat,
              json: a.json,
              ...(a.node !== undefined ? { node: a.node } : {}),
              ...(a.pod !== undefined ? { pod: a.pod } : {}),
              ...(a.at !== undefined ? { at: a.at } : {}),
              ...(a.seed !== undefined ? { seed: a.seed } : {}),
              ...(a.table !== undefined ? { table: a.table } : {}),
              ...(a.get !== undefined ? { get: a.get } : {}),
            },
            io,
          ),
        ),
    )
    .command(
      'get <file> <resource> [name]',
      'print objects as kubectl get prints them, after the scenario (or at --at)',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true })
          .positional('resource', {
            choices: Object.keys(RESOURCE_ALIASES) as (keyof typeof RESOURCE_ALIASES)[],
            demandOption: true,
          })
          .positional('name', { type: 'string', describe: 'one object by name' })
          .option('output', {
            alias: 'o',
            choices: ['wide', 'json', 'yaml', 'name'] as const,
            describe: 'output format',
          })
          .option('namespace', { alias: 'n', type: 'string', describe: 'namespace (default: default)' })
          .option('all-namespaces', { alias: 'A', type: 'boolean', default: false })
          .option('at', { type: 'string', describe: 'simulated time to stop at (e.g. 2s)' })
          .option('seed', { type: 'string' }),
      (a) =>
        guard(() =>
          getCommand(
            {
              file: a.file,
              resource: RESOURCE_ALIASES[a.resource],
              allNamespaces: a['all-namespaces'],
              ...(a.name !== undefined ? { name: a.name } : {}),
              ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
              ...(a.output !== undefined ? { output: a.output } : {}),
              ...(a.at !== undefined ? { at: a.at } : {}),
              ...(a.seed !== undefined ? { seed: a.seed } : {}),
            },
            io,
          ),
        ),
    )
    .command(
      'graph <file>',
      'draw the fabric (racks, routers, nodes, pods, flannel tunnels) as Graphviz DOT or Mermaid',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true })
          .option('format', { choices: ['dot', 'mermaid'] as const, default: 'dot' as const }),
      (a) => guard(() => graphCommand({ file: a.file, format: a.format }, io)),
    )
    .command(traceCommandModule(guard, io))
    .command(
      'schema',
      'print the JSON Schema of the topology file (for editors)',
      (y) => y,
      () => {
        io.out(JSON.stringify(topologyJsonSchema(), null, 2));
        code = 0;
      },
    )
    .fail((msg, err) => {
      if (err !== undefined && err !== null) throw err;
      // Throw rather than print: yargs would otherwise go on and run the command without its arguments.
      throw new InputError([`podwire: ${oneLine(msg)}`]);
    })
    .help()
    .version(false)
    .wrap(100);
  try {
    // With a callback yargs neither prints (help goes to `io`) nor calls process.exit.
    await parser.parseAsync([...argv], {}, (_err, _args, output) => {
      if (output !== '') io.out(output);
    });
  } catch (e: unknown) {
    if (!(e instanceof InputError)) throw e;
    for (const line of e.lines) io.err(line);
    return 2;
  }
  return code;
}

/** yargs words some failures over several lines ("Invalid values:\n  Argument: …"); one problem, one line. */
function oneLine(msg: string): string {
  return msg
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
}

// Run when executed directly (`tsx src/cli/main.ts …`); bin/podwire.js imports main() from dist/.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
