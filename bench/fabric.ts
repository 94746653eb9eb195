/**
 * The reference fabric benchmark: 16 nodes on one rack, 16 pods on each, flannel host-gw or vxlan.
 * Every pod runs a UDP echo server and sends 100 echoes of 64 bytes, one per millisecond, to the pod
 * with the same index on the next node (node16's go to node1); the pods start 1 ms / 256 apart so they
 * do not all send in the same nanosecond. The whole scenario is timed from a freshly built cluster (ARP
 * included), until the last reply is back; building it is not. A "hop" is one device of a node or pod
 * receiving a frame (rxPackets, as the router chain counts them): 8 per echo with host-gw, 10 with vxlan
 * (flannel.1 receives the inner frame too). ns-3 runs the host-gw scenario at ~0.13 M hops/s.
 */
import type { NetNs, SendOptions } from '../src/net/index.js';
import { MS } from '../src/sim/index.js';
import {
  type FabricDraw,
  fabricYaml,
  hostNs,
  loadGenerated,
  podIp,
  rxPacketsTotal,
} from '../src/testing/index.js';
import { buildCluster, type Cluster } from '../src/topology/index.js';
import { IPPROTO_UDP, type Ip4, udp } from '../src/wire/index.js';

/** The backends the reference scenario is run with. */
export type FabricBenchBackend = 'host-gw' | 'vxlan';

/** What one run of the scenario measured (the best window). */
export interface FabricBenchResult {
  readonly backend: FabricBenchBackend;
  readonly nodes: number;
  readonly podsPerNode: number;
  /** Round trips completed: pods × echoes per pod. */
  readonly echoes: number;
  readonly hops: number;
  readonly events: number;
  readonly seconds: number;
  readonly hopsPerSecond: number;
  readonly eventsPerSecond: number;
}

/** Options for {@link fabricBench}; the defaults are the reference scenario. */
export interface FabricBenchOptions {
  readonly nodes?: number;
  readonly podsPerNode?: number;
  readonly echoesPerPod?: number;
  readonly payloadBytes?: number;
  /** Fresh clusters run and timed (default 6); the fastest is reported (the first also warms the JIT). */
  readonly windows?: number;
}

const ECHO_PORT = 7;
const CLIENT_PORT = 40000;
const INTERVAL_NS = 1 * MS;

/** The reference fabric as a topology file: one rack, `nodes` nodes with `podsPerNode` pods each. */
export function fabricTopologyText(backend: FabricBenchBackend, nodes: number, podsPerNode: number): string {
  const names = Array.from({ length: nodes }, (_, i) => `node${i + 1}`);
  const draw: FabricDraw = {
    seed: 1,
    segments: [{ name: 'rack1', cidr: '192.168.56.0/24', mtu: 1500, latency: '50us', bandwidth: '10Gbps' }],
    nodes: names.map((name) => ({ name, subnet: 'rack1' })),
    backend,
    pods: names.flatMap((node, i) =>
      Array.from({ length: podsPerNode }, (_, k) => ({ name: `p${i + 1}-${k + 1}`, node })),
    ),
  };
  return fabricYaml(draw);
}

/** One pod's part: its echo server, and its client sending to its peer on the next node. */
interface Pod {
  readonly name: string;
  readonly ns: NetNs;
  readonly request: SendOptions;
  sent: number;
  received: number;
}

/**
 * A UDP echo server (RFC 862) on `port` of `ns`: the same payload back to the sender, ports swapped. A
 * reply is built once per sender (address and port) and sent again for every later datagram.
 */
function echoServer(ns: NetNs, ip: Ip4, port: number, payload: Uint8Array): void {
  const replies = new Map<number, SendOptions>();
  ns.sockets.bindUdp(port, (packet, d) => {
    const key = packet.src * 0x10000 + d.srcPort;
    let reply = replies.get(key);
    if (reply === undefined) {
      const datagram = udp({ src: ip, dst: packet.src, srcPort: port, dstPort: d.srcPort, payload });
      reply = { src: ip, dst: packet.src, protocol: IPPROTO_UDP, payload: datagram };
      replies.set(key, reply);
    }
    ns.send(reply);
  });
}

/** Runs the scenario on a fresh cluster: returns hops, events and wall seconds of `sim.run()`. */
function runOnce(
  cluster: Cluster,
  nodes: number,
  podsPerNode: number,
  echoes: number,
  payload: Uint8Array,
): { hops: number; events: number; seconds: number } {
  const { sim } = cluster;
  const pods: Pod[] = [];
  const total = nodes * podsPerNode;
  let outstanding = total * echoes;
  for (let i = 1; i <= nodes; i++)
    for (let k = 1; k <= podsPerNode; k++) {
      const name = `p${i}-${k}`;
      const ns = hostNs(cluster, `pod/${name}`);
      const ip = podIp(cluster, name);
      const peer = podIp(cluster, `p${(i % nodes) + 1}-${k}`);
      const datagram = udp({ src: ip, dst: peer, srcPort: CLIENT_PORT, dstPort: ECHO_PORT, payload });
      const pod: Pod = {
        name,
        ns,
        request: { src: ip, dst: peer, protocol: IPPROTO_UDP, payload: datagram },
        sent: 0,
        received: 0,
      };
      echoServer(ns, ip, ECHO_PORT, payload);
      ns.sockets.bindUdp(CLIENT_PORT, () => {
        pod.received++;
        if (--outstanding === 0) sim.stop();
      });
      pods.push(pod);
    }
  const send = (pod: Pod): void => {
    const r = pod.ns.send(pod.request);
    if (!r.ok) throw new Error(`fabric bench: ${pod.name} could not send: ${r.errno}`);
    if (++pod.sent < echoes) sim.after(INTERVAL_NS, send, pod);
  };
  pods.forEach((pod, j) => {
    sim.after(Math.floor((j * INTERVAL_NS) / total), send, pod);
  });
  const hopsBefore = rxPacketsTotal(cluster);
  const start = performance.now();
  const run = sim.run();
  const seconds = (performance.now() - start) / 1000;
  const lost = pods.reduce((n, p) => n + (echoes - p.received), 0);
  if (run.outcome !== 'stopped' || lost !== 0)
    throw new Error(`fabric bench: ${lost} echoes lost (run ended '${run.outcome}')`);
  return { hops: rxPacketsTotal(cluster) - hopsBefore, events: run.events, seconds };
}

/** Runs the reference fabric scenario `windows` times on fresh clusters and reports the fastest. */
export function fabricBench(
  backend: FabricBenchBackend,
  options: FabricBenchOptions = {},
): FabricBenchResult {
  const nodes = options.nodes ?? 16;
  const podsPerNode = options.podsPerNode ?? 16;
  const echoes = options.echoesPerPod ?? 100;
  const payload = new Uint8Array(options.payloadBytes ?? 64).fill(0x5a);
  const topology = loadGenerated(fabricTopologyText(backend, nodes, podsPerNode));
  let best: { hops: number; events: number; seconds: number } | undefined;
  for (let w = 0; w < (options.windows ?? 6); w++) {
    const r = runOnce(buildCluster(topology), nodes, podsPerNode, echoes, payload);
    if (best === undefined || r.seconds < best.seconds) best = r;
  }
  if (best === undefined) throw new RangeError('fabric bench: windows must be at least 1');
  return {
    backend,
    nodes,
    podsPerNode,
    echoes: nodes * podsPerNode * echoes,
    hops: best.hops,
    events: best.events,
    seconds: best.seconds,
    hopsPerSecond: best.hops / best.seconds,
    eventsPerSecond: best.events / best.seconds,
  };
}
