/**
 * The simulator side of the flannel vxlan comparison (flannel-lab.ts): builds test/kernel/flannel-lab.yaml
 * with `buildCluster` (which programs flannel.1 and every node for every peer), runs the same commands in
 * the same order and with the same pacing as `observeFlannelKernel`, and returns the same normalised
 * `FlannelObservation`, so flannel.kernel.test.ts compares the two by deep equality.
 *
 * The capture on n1/eth0 is the trace bus recorded with `recordFrames`; its bytes are written to a pcap
 * file and decoded by the same tshark command and the same byte decoder as the kernel's capture.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ping, Traceroute } from '../../src/apps/index.js';
import {
  bridgeFdbShow,
  ipAddr,
  ipLink,
  ipNeigh,
  ipRoute,
  ipRouteGet,
  neighJson,
} from '../../src/inspect/index.js';
import type { NetNs } from '../../src/net/index.js';
import { MS, SECOND } from '../../src/sim/index.js';
import { recordFrames } from '../../src/testing/index.js';
import { buildCluster, type Cluster, loadTopologyFile } from '../../src/topology/index.js';
import { formatMac, ip4 } from '../../src/wire/index.js';
import {
  CAPTURE_SECONDS,
  CAPTURE_SETTLE_MS,
  captureObservation,
  DF_FITS,
  DF_TOO_BIG,
  expiresSeconds,
  type FlannelNodeSpec,
  FlannelNormaliser,
  type FlannelObservation,
  type LinkOwner,
  NODES,
  type NodeState,
  POD1_BIG_MTU,
  POD2_IP,
  parseTsharkFields,
  type RawFrame,
  STATE_READ_AT_MS,
  tsharkRead,
  writePcap,
} from './flannel-lab.js';
import type { RunResult } from './netns.js';
import {
  type CommandOutput,
  outputLines,
  type PingObservation,
  type TracerouteObservation,
} from './router-lab.js';

/** Real commands take a little wall time between each other; the simulated shell waits 1 ms. */
const BETWEEN_COMMANDS_NS = 1 * MS;

export function simulateFlannelLab(): FlannelObservation {
  const file = fileURLToPath(new URL('./flannel-lab.yaml', import.meta.url));
  const loaded = loadTopologyFile(file);
  if (!loaded.ok) throw new Error(`flannel-lab.yaml does not load: ${JSON.stringify(loaded.issues)}`);
  const cluster = buildCluster(loaded.topology);
  const sim = cluster.sim;
  const [n1, n2] = NODES;
  const namespaces = hostNamespaces(cluster);
  const nsOf = (name: string): NetNs => {
    const ns = namespaces.get(name);
    if (ns === undefined) throw new Error(`no namespace ${name} in the simulated cluster`);
    return ns;
  };
  const norm = new FlannelNormaliser(linkOwners(namespaces), '');

  const step = (ns = BETWEEN_COMMANDS_NS): void => {
    sim.run({ until: sim.now + ns });
  };
  const ok = (stdout: string): RunResult => ({ status: 0, stdout, stderr: '' });
  const cmd = (ns: string, command: string, print: () => RunResult): CommandOutput => {
    const out = norm.command(ns, command, print());
    step();
    return out;
  };

  const ping = (
    from: string,
    o: { count: number; size?: number; df?: boolean; waitNs?: number },
  ): PingObservation => {
    let command = `ping -c ${o.count}`;
    if (o.waitNs !== undefined) command += ` -W ${o.waitNs / SECOND}`;
    if (o.df === true) command += ` -M do -s ${o.size ?? 56}`;
    command += ` ${POD2_IP}`;
    let done = false;
    const app = new Ping(
      nsOf(from),
      {
        dst: ip4(POD2_IP),
        count: o.count,
        intervalNs: SECOND,
        size: o.size ?? 56,
        ttl: 64,
        pmtudisc: o.df === true ? 'do' : 'want',
        lingerNs: o.waitNs ?? 10 * SECOND,
      },
      () => {
        done = true;
        sim.stop();
      },
    );
    app.start();
    if (!done) sim.run();
    const r = app.result();
    const status = r.failed ? 2 : r.received > 0 ? 0 : 1;
    step();
    return norm.ping(from, command, printed(status, r.lines));
  };

  // Capture on n1/eth0 (tshark: every frame sent or received there) during the first ping.
  const log = recordFrames(cluster);
  const captureStart = sim.now;
  step(CAPTURE_SETTLE_MS * MS);
  const firstPing = ping(n1.pod, { count: 2 });
  sim.run({ until: captureStart + CAPTURE_SECONDS * SECOND });
  log.stop();
  const point = `${n1.name}/eth0`;
  const frames: RawFrame[] = log.frames
    .filter((f) => f.point === point && f.kind !== 'drop')
    .map((f) => ({ timeNs: BigInt(f.time), bytes: f.bytes }));
  const tmp = mkdtempSync(join(tmpdir(), 'podwire-flannel-sim-'));
  let tshark: RunResult;
  try {
    const pcap = join(tmp, 'n1-eth0.pcap');
    writeFileSync(pcap, writePcap(frames));
    tshark = tsharkRead(pcap);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (tshark.status !== 0) throw new Error(`tshark failed on the simulated capture: ${tshark.stderr.trim()}`);
  const capture = captureObservation(
    `tshark -i eth0 -w <tmp>/n1-eth0.pcapng -a duration:${CAPTURE_SECONDS}`,
    frames,
    parseTsharkFields(tshark.stdout),
    norm,
    n1.name,
  );

  const trace = (queries: number, waitNs: number): TracerouteObservation => {
    let done = false;
    const app = new Traceroute(
      nsOf(n1.pod),
      { dst: ip4(POD2_IP), queries, maxHops: 30, proto: 'udp', waitNs },
      () => {
        done = true;
        sim.stop();
      },
    );
    app.start();
    if (!done) sim.run();
    step();
    const options = queries === 3 && waitNs === 5 * SECOND ? '' : ` -q ${queries} -w ${waitNs / SECOND}`;
    return norm.traceroute(n1.pod, `traceroute -n${options} ${POD2_IP}`, printed(0, app.result().lines));
  };
  const traceroute = trace(3, 5 * SECOND);
  const tracerouteAgain = trace(1, SECOND);
  if (sim.now < captureStart + STATE_READ_AT_MS * MS)
    sim.run({ until: captureStart + STATE_READ_AT_MS * MS });

  const deviceBlock = (ns: NetNs, name: string): string =>
    ipLink(ns)
      .split(/(?=^\d+: )/m)
      .find((b) => b.startsWith(`${ns.deviceByName(name)?.ifindex ?? -1}: ${name}`)) ?? '';
  /** `ip neigh show dev DEV`: the `dev` field is left out, as iproute2 does with the filter. */
  const neighDev = (ns: NetNs, dev: string): string =>
    neighJson(ns)
      .filter((n) => n.dev === dev)
      .map((n) => `${n.dst} ${n.lladdr !== undefined ? `lladdr ${n.lladdr} ` : ''}${n.state.join(' ')} \n`)
      .join('');
  const nodeState = (n: FlannelNodeSpec, peerPod: string): NodeState => {
    const ns = nsOf(n.name);
    return {
      routes: cmd(n.name, 'ip route show', () => ok(ipRoute(ns))),
      neighFlannel: cmd(n.name, 'ip neigh show dev flannel.1', () => ok(neighDev(ns, 'flannel.1'))),
      fdbFlannel: cmd(n.name, 'bridge fdb show dev flannel.1', () =>
        ok(bridgeFdbShow(ns, { dev: 'flannel.1' })),
      ),
      link: cmd(n.name, 'ip -d link show flannel.1', () => ok(deviceBlock(ns, 'flannel.1'))),
      addr: cmd(n.name, 'ip addr show flannel.1', () => ok(ipAddr(ns, { dev: 'flannel.1' }))),
      routeGet: cmd(n.name, `ip route get ${peerPod}`, () => ok(ipRouteGet(ns, ip4(peerPod)))),
    };
  };
  const n1ns = nsOf(n1.name);
  const n1State = {
    ...nodeState(n1, n2.podIp),
    localRoutes: cmd(n1.name, 'ip route show table local', () => ok(ipRoute(n1ns, 'local'))),
    neighSorted: [...cmd(n1.name, 'ip neigh show', () => ok(ipNeigh(n1ns))).stdout].sort(),
  };
  const n2State = nodeState(n2, n1.podIp);

  const dfPing = (from: string, size: number): PingObservation =>
    ping(from, { count: 1, size, df: true, waitNs: SECOND });
  const df = {
    podTooBig: dfPing(n1.pod, DF_TOO_BIG),
    podFits: dfPing(n1.pod, DF_FITS),
    nodeTooBig: dfPing(n1.name, DF_TOO_BIG),
    nodeFits: dfPing(n1.name, DF_FITS),
  };

  const pod1 = nsOf(n1.pod);
  const setMtu = cmd(n1.pod, `ip link set eth0 mtu ${POD1_BIG_MTU}`, () => {
    const eth0 = pod1.deviceByName('eth0');
    if (eth0 === undefined) return { status: 1, stdout: '', stderr: 'Cannot find device "eth0"\n' };
    eth0.mtu = POD1_BIG_MTU;
    return ok('');
  });
  const fragPing = dfPing(n1.pod, DF_TOO_BIG);
  const routeGetText = ipRouteGet(pod1, ip4(POD2_IP));
  const expires = expiresSeconds(outputLines(routeGetText));
  const routeGet = cmd(n1.pod, `ip route get ${POD2_IP}`, () => ok(routeGetText));
  const fragNeeded = {
    setMtu,
    ping: fragPing,
    routeGet,
    expiresInRange: expires !== undefined && expires >= 590 && expires <= 600,
    again: dfPing(n1.pod, DF_TOO_BIG),
  };

  return {
    ping: firstPing,
    capture,
    traceroute,
    tracerouteAgain,
    n1: n1State,
    n2: n2State,
    df,
    fragNeeded,
  };
}

/** The lab's namespace names → the simulated namespaces: nodes by name, pods by pod name. */
function hostNamespaces(cluster: Cluster): Map<string, NetNs> {
  const out = new Map<string, NetNs>();
  for (const n of NODES) {
    const node = cluster.nodes.get(n.name);
    if (node === undefined) throw new Error(`no node ${n.name}`);
    out.set(n.name, node.ns);
    const pod = cluster.pods.get(`default/${n.pod}`);
    if (pod === undefined) throw new Error(`no pod ${n.pod}`);
    out.set(n.pod, pod.netns);
  }
  return out;
}

function linkOwners(namespaces: ReadonlyMap<string, NetNs>): LinkOwner[] {
  const links: LinkOwner[] = [];
  for (const [name, ns] of namespaces) {
    for (const d of ns.devices()) {
      if (d.kind !== 'loopback') links.push({ ns: name, ifname: d.name, mac: formatMac(d.mac) });
    }
  }
  return links;
}

function printed(status: number, lines: ReadonlyArray<{ text: string; stderr?: true }>): RunResult {
  const join = (ls: ReadonlyArray<{ text: string }>) => ls.map((l) => `${l.text}\n`).join('');
  return {
    status,
    stdout: join(lines.filter((l) => l.stderr !== true)),
    stderr: join(lines.filter((l) => l.stderr === true)),
  };
}
