/**
 * The simulator side of the router-lab comparison: builds test/kernel/router-lab.yaml in podwire, runs the
 * same commands in the same order and with the same pacing as `observeKernel`, and returns the same
 * normalised `RouterObservation`, normalised by the same helpers (router-lab.ts), so the comparison is a
 * deep equality.
 */
import { fileURLToPath } from 'node:url';
import { Ping, type PingOptions, Traceroute } from '../../src/apps/index.js';
import { ipLink, ipNeigh, ipRoute, ipRouteGet, routeJson } from '../../src/inspect/index.js';
import type { NetNs } from '../../src/net/index.js';
import { MS, SECOND } from '../../src/sim/index.js';
import { buildCluster, type Cluster, loadTopologyFile } from '../../src/topology/index.js';
import { formatIp4, formatMac, ip4 } from '../../src/wire/index.js';
import {
  type CommandOutput,
  commandOutput,
  type HostName,
  type JsonValue,
  MTU,
  NO_NEIGHBOUR,
  NO_NEIGHBOUR_SHORT_WAIT,
  type NormaliseContext,
  PATHS,
  type PingObservation,
  pingObservation,
  type RouterObservation,
  type TracerouteObservation,
  tracerouteObservation,
  UNROUTED,
} from './router-lab.js';

/** What one simulated command printed, shaped like the kernel harness's RunResult. */
interface Printed {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The kernel side waits this long between probes that make the router send ICMP errors (its rate limiter). */
const ROUTER_ICMP_SETTLE_NS = 2500 * MS;
/** Real commands take a little wall time between each other; the simulated shell waits 1 ms. */
const BETWEEN_COMMANDS_NS = 1 * MS;

export function simulateRouterLab(): RouterObservation {
  const file = fileURLToPath(new URL('./router-lab.yaml', import.meta.url));
  const loaded = loadTopologyFile(file);
  if (!loaded.ok) throw new Error(`router-lab.yaml does not load: ${JSON.stringify(loaded.issues)}`);
  const cluster = buildCluster(loaded.topology);
  const shell = new Shell(cluster);

  const routeGets = PATHS.map(({ from, to }) =>
    shell.cmd(from, `ip route get ${to}`, () => ipRouteGet(shell.ns(from), ip4(to))),
  );
  const elicitsRouterErrors = (from: HostName, to: string, tool: 'ping' | 'traceroute'): boolean =>
    to === UNROUTED || (tool === 'traceroute' && from === 'node1' && to !== '192.168.56.12');

  const pings = new Map<number, PingObservation>();
  for (const [i, { from, to }] of PATHS.entries()) {
    if (!elicitsRouterErrors(from, to, 'ping')) pings.set(i, shell.ping(from, to, { waitNs: SECOND }));
  }
  const pingNoNeighbourShortWait = shell.ping('node1', NO_NEIGHBOUR_SHORT_WAIT, { waitNs: SECOND });
  const pingNoNeighbour = shell.ping('node1', NO_NEIGHBOUR, { waitNs: 5 * SECOND });
  const neighSorted = [
    ...shell.cmd('node1', 'ip neigh show', () => ipNeigh(shell.ns('node1'))).stdout,
  ].sort();

  const traces = new Map<number, TracerouteObservation>();
  for (const [i, { from, to }] of PATHS.entries()) {
    if (elicitsRouterErrors(from, to, 'traceroute')) shell.pace(from);
    traces.set(i, shell.traceroute(from, to));
  }
  shell.pace('node1');
  const pingTtl1 = shell.ping('node1', '192.168.57.11', { ttl: 1, waitNs: 10 * SECOND });
  for (const [i, { from, to }] of PATHS.entries()) {
    if (elicitsRouterErrors(from, to, 'ping')) {
      shell.pace(from);
      pings.set(i, shell.ping(from, to, { waitNs: SECOND }));
    }
  }
  const pingDfFits = shell.ping('node1', '192.168.57.11', { waitNs: SECOND, size: MTU - 28, df: true });
  const pingDfTooBig = shell.ping('node1', '192.168.57.11', { waitNs: SECOND, size: MTU - 27, df: true });

  const node1 = shell.ns('node1');
  const json = (v: unknown): JsonValue => JSON.parse(JSON.stringify(v)) as JsonValue;
  const get = node1.routeOutput(ip4('192.168.57.11'));
  const routeGetJson = get.ok
    ? json([
        {
          dst: '192.168.57.11',
          ...(get.route.gateway !== undefined ? { gateway: formatIp4(get.route.gateway) } : {}),
          dev: get.dev.name,
          prefsrc: formatIp4(get.src),
          flags: [],
          uid: 0,
          cache: [],
        },
      ])
    : null;
  return {
    paths: PATHS.map(({ from, to }, i) => ({
      from,
      to,
      routeGet: routeGets[i] as CommandOutput,
      ping: pings.get(i) as PingObservation,
      traceroute: traces.get(i) as TracerouteObservation,
    })),
    pingTtl1,
    pingNoNeighbourShortWait,
    pingNoNeighbour,
    pingDfFits,
    pingDfTooBig,
    node1: {
      routes: shell.cmd('node1', 'ip route', () => ipRoute(node1)),
      localRoutes: shell.cmd('node1', 'ip route show table local', () => ipRoute(node1, 'local')),
      routesJson: json(node1.main.list().map((r) => routeJson(node1, r))),
      routeGetJson,
      link: shell.cmd('node1', 'ip -d link show eth0', () => ipLink(node1).split(/(?=^\d+: )/m)[1] ?? ''),
      neighSorted,
    },
  };
}

/** Runs commands one after another on simulated hosts, advancing simulated time like a shell session. */
class Shell {
  private readonly lastRouterError = new Map<HostName, number>();

  constructor(private readonly cluster: Cluster) {}

  ns(name: HostName): NetNs {
    const h = this.cluster.nodes.get(name) ?? this.cluster.routers.get(name);
    if (h === undefined) throw new Error(`no host ${name}`);
    return h.ns;
  }

  /** Waits until the router's rate limiter has had the kernel side's settle time since the last error probe. */
  pace(from: HostName): void {
    const last = this.lastRouterError.get(from);
    if (last !== undefined) this.advanceTo(last + ROUTER_ICMP_SETTLE_NS);
    this.lastRouterError.set(from, Number.NaN); // stamped when the probe ends, below
  }

  cmd(ns: HostName, command: string, print: () => string): CommandOutput {
    const out = print();
    this.step();
    return commandOutput(command, { status: 0, stdout: out, stderr: '' }, this.context(ns));
  }

  ping(
    from: HostName,
    to: string,
    o: { waitNs: number; ttl?: number; size?: number; df?: boolean },
  ): PingObservation {
    const opts: PingOptions = {
      dst: ip4(to),
      count: 1,
      intervalNs: SECOND,
      size: o.size ?? 56,
      ttl: o.ttl ?? 64,
      pmtudisc: o.df === true ? 'do' : 'want',
      lingerNs: o.waitNs,
    };
    let command = 'ping -c 1';
    if (o.ttl !== undefined) command += ` -t ${o.ttl}`;
    else command += ` -W ${o.waitNs / SECOND}`;
    if (o.df === true) command += ` -M do -s ${opts.size}`;
    command += ` ${to}`;
    let done = false;
    const app = new Ping(this.ns(from), opts, () => {
      done = true;
      this.cluster.sim.stop();
    });
    app.start();
    if (!done) this.cluster.sim.run();
    const r = app.result();
    const status = r.failed ? 2 : r.received > 0 ? 0 : 1;
    this.stampRouterError(from);
    this.step();
    return pingObservation(command, this.printed(status, r.lines), this.context(from));
  }

  traceroute(from: HostName, to: string): TracerouteObservation {
    let done = false;
    const app = new Traceroute(
      this.ns(from),
      { dst: ip4(to), queries: 1, maxHops: 30, proto: 'udp', waitNs: SECOND },
      () => {
        done = true;
        this.cluster.sim.stop();
      },
    );
    app.start();
    if (!done) this.cluster.sim.run();
    this.stampRouterError(from);
    this.step();
    return tracerouteObservation(
      `traceroute -n -q 1 -w 1 ${to}`,
      this.printed(0, app.result().lines),
      this.context(from),
    );
  }

  private printed(status: number, lines: ReadonlyArray<{ text: string; stderr?: true }>): Printed {
    const join = (ls: ReadonlyArray<{ text: string }>) => ls.map((l) => `${l.text}\n`).join('');
    return {
      status,
      stdout: join(lines.filter((l) => l.stderr !== true)),
      stderr: join(lines.filter((l) => l.stderr === true)),
    };
  }

  private stampRouterError(from: HostName): void {
    if (Number.isNaN(this.lastRouterError.get(from))) this.lastRouterError.set(from, this.cluster.sim.now);
  }

  private step(): void {
    this.advanceTo(this.cluster.sim.now + BETWEEN_COMMANDS_NS);
  }

  private advanceTo(time: number): void {
    if (time > this.cluster.sim.now) this.cluster.sim.run({ until: time });
  }

  private context(ns: HostName): NormaliseContext {
    const owners = new Map<string, string>();
    for (const h of [...this.cluster.routers.values(), ...this.cluster.nodes.values()]) {
      for (const d of h.ns.devices())
        if (d.kind !== 'loopback') owners.set(formatMac(d.mac), `${h.name}/${d.name}`);
    }
    return { ns, macOwner: (mac) => owners.get(mac), linkPeer: () => undefined, nsPrefix: '' };
  }
}
