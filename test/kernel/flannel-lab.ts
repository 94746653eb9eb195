/**
 * The reference "flannel vxlan across two nodes" fabric, built with network namespaces, the real CNI
 * plugins and flannel's own device and table programming, and the observations the simulator must
 * reproduce (flannel-sim.ts builds the same fabric from flannel-lab.yaml).
 *
 *   pod1 eth0 10.244.0.2 ═ veth ─ [cni0 10.244.0.1/24]  n1  flannel.1 10.244.0.0/32 ┐
 *                                                          eth0 192.168.56.11/24 ═══ switch/rack1-n1 ┐
 *                                                                                            [bridge rack1]
 *                                                          eth0 192.168.56.12/24 ═══ switch/rack1-n2 ┘
 *   pod2 eth0 10.244.1.2 ═ veth ─ [cni0 10.244.1.1/24]  n2  flannel.1 10.244.1.0/32 ┘
 *
 * podCIDRs follow podwire's rule (the i-th declared node gets block i of 10.244.0.0/16): n1 10.244.0.0/24,
 * n2 10.244.1.0/24. Each node gets, in flanneld's order (reference flannel.md §3): `flannel.1` (vxlan id 1,
 * local = node IP, dev eth0, nolearning, dstport 8472, MTU 1450, `10.244.N.0/32`, up); then one pod
 * through the real bridge + host-local plugins with the delegate config the flannel CNI plugin builds
 * from subnet.env (cni-lab.ts); ip_forward=1; then, for the other node, the neighbour entry, the FDB
 * entry and the onlink route flannel's EventAdded handler programs, in that order.
 *
 * Everything lives in this lab's namespaces (`pw<pid>x<n>-{n1,n2,pod1,pod2,switch}`); the plugins' state
 * and the capture live in a temporary directory removed again by observeFlannelKernel().
 *
 * `FlannelObservation` is plain, normalised data: MACs → `<mac:NS/IF>`, IPv6 link-locals →
 * `<ll6:NS/IF>`, ifindexes → `<ifindex:NS/IF>`, round-trip times → `<rtt>`, a multi-packet ping's total
 * time → `<ms>`, a route exception's lifetime → `<sec>`, ICMP ids → `<id>`, capture frame numbers →
 * `<frame>`, queue counts → `<ncpu>`. Values the kernel draws at random and a simulator cannot reproduce
 * (UDP source ports from the flow hash, outer IP IDs) are kept only as properties (in range, equal,
 * non-zero).
 *
 * Run directly (as root) it prints the markdown transcript OBSERVED-flannel.md was made from:
 *
 *   npx tsx test/kernel/flannel-lab.ts > /tmp/observed-flannel.md
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { flannelDelegate, goJson, linkLocalOf, parseSubnetEnv } from './cni-lab.js';
import { CNI_BIN_DIR, cniAvailable, type Lab, type RunResult, startCapture, withLab } from './netns.js';
import {
  type CommandOutput,
  commandOutput,
  type NormaliseContext,
  normaliseLine,
  outputLines,
  type PingObservation,
  pingObservation,
  type TracerouteObservation,
  type Transcript,
  tracerouteObservation,
} from './router-lab.js';
import { markdownTranscript } from './transcript.js';

// ---------------------------------------------------------------------------------------------------
// The fabric

export interface FlannelNodeSpec {
  readonly name: 'n1' | 'n2';
  readonly ip: string;
  /** node.spec.podCIDR, the flannel lease. */
  readonly podCidr: string;
  /** flannel.1's /32: the lease's network address. */
  readonly vtepIp: string;
  /** cni0's address, FLANNEL_SUBNET's IP. */
  readonly gateway: string;
  readonly pod: 'pod1' | 'pod2';
  /** What host-local hands the node's first pod. */
  readonly podIp: string;
}

export const NODES: readonly [FlannelNodeSpec, FlannelNodeSpec] = [
  {
    name: 'n1',
    ip: '192.168.56.11',
    podCidr: '10.244.0.0/24',
    vtepIp: '10.244.0.0',
    gateway: '10.244.0.1',
    pod: 'pod1',
    podIp: '10.244.0.2',
  },
  {
    name: 'n2',
    ip: '192.168.56.12',
    podCidr: '10.244.1.0/24',
    vtepIp: '10.244.1.0',
    gateway: '10.244.1.1',
    pod: 'pod2',
    podIp: '10.244.1.2',
  },
];

export const SWITCH = 'switch';
export const SEGMENT = 'rack1';
export const NODE_PREFIX_LENGTH = 24;
export const CLUSTER_CIDR = '10.244.0.0/16';
export const UNDERLAY_MTU = 1500;
/** flannel.1, cni0 and the pods' eth0: the underlay MTU less VXLAN's 50 bytes. */
export const FLANNEL_MTU = 1450;
export const VNI = 1;
/** The kernel's default VXLAN port (flannel leaves Port at 0). */
export const VXLAN_PORT = 8472;
/**
 * udp_flow_src_port() with `srcport 0 0` draws from net.ipv4.ip_local_port_range (32768 60999) as
 * `min + hash * (max - min) >> 32`, so the largest port it can give is 60998.
 */
export const SRC_PORT_RANGE: readonly [number, number] = [32768, 60998];

/** The (pinged) pod on n2. */
export const POD2_IP = NODES[1].podIp;
/** ping payload sizes: 1422 + 28 = 1450 fits flannel.1; 1423 (1451 bytes) does not. */
export const DF_FITS = FLANNEL_MTU - 28;
export const DF_TOO_BIG = FLANNEL_MTU - 27;
/** The pod1 eth0 MTU of the last experiment: big enough that n1 has to refuse the packet, not pod1. */
export const POD1_BIG_MTU = UNDERLAY_MTU;

/** Capture on n1/eth0 around `ping -c 2` pod1 → pod2 (the ping starts 300 ms in and lasts ~1 s). */
export const CAPTURE_SECONDS = 3;
export const CAPTURE_SETTLE_MS = 300;
/**
 * The state commands run this long after the capture started. n1's neighbour entry for pod1 is created
 * STALE by pod1's ARP request for its gateway and goes DELAY when n1 first uses it (the echo reply);
 * 5 s later (delay_first_probe_time) n1 probes it and it becomes REACHABLE for at least 15 s. Reading
 * the tables at 6.5 s gives REACHABLE on both sides, whatever the wall time the lab's commands took.
 */
export const STATE_READ_AT_MS = 6500;

/** `/run/flannel/subnet.env` of a node, as flanneld writes it (flannel.md §2). */
export function subnetEnvText(node: FlannelNodeSpec): string {
  return [
    `FLANNEL_NETWORK=${CLUSTER_CIDR}`,
    `FLANNEL_SUBNET=${node.gateway}/24`,
    `FLANNEL_MTU=${FLANNEL_MTU}`,
    'FLANNEL_IPMASQ=true',
    '',
  ].join('\n');
}

/** The stock conflist's flannel entry, as the runtime hands it to the flannel CNI plugin (cni-lab.ts). */
const NETCONF = {
  cniVersion: '0.3.1',
  name: 'cbr0',
  type: 'flannel',
  delegate: { hairpinMode: true, isDefaultGateway: true },
} as const;

// ---------------------------------------------------------------------------------------------------
// The observation

/** The state commands run on each node after the traffic. */
export interface NodeState {
  /** `ip route show` */
  readonly routes: CommandOutput;
  /** `ip neigh show dev flannel.1` */
  readonly neighFlannel: CommandOutput;
  /** `bridge fdb show dev flannel.1` */
  readonly fdbFlannel: CommandOutput;
  /** `ip -d link show flannel.1` */
  readonly link: CommandOutput;
  /** `ip addr show flannel.1` */
  readonly addr: CommandOutput;
  /** `ip route get <the other node's pod>` */
  readonly routeGet: CommandOutput;
}

/** The outer headers of one VXLAN frame, decoded from its bytes. */
export interface OuterHeaders {
  readonly srcMac: string;
  readonly dstMac: string;
  readonly src: string;
  readonly dst: string;
  readonly tos: number;
  readonly ttl: number;
  readonly df: boolean;
  readonly mf: boolean;
  readonly totalLength: number;
  readonly protocol: number;
  /** The outer IP ID is drawn by the kernel (a per-destination hashed counter); only "not zero" is kept. */
  readonly idNonZero: boolean;
  /** Whether the IPv4 header checksum verifies. */
  readonly headerChecksumOk: boolean;
}

/**
 * How the UDP checksum field relates to the datagram: `correct` (verifies), `partial` (the folded
 * pseudo-header sum, not complemented — what CHECKSUM_PARTIAL leaves in the field for the NIC to finish;
 * a capture on a veth shows it), `zero` (no checksum), `wrong` (none of these).
 */
export type UdpChecksumKind = 'correct' | 'partial' | 'zero' | 'wrong';

export interface VxlanFrame {
  readonly kind: 'vxlan';
  readonly length: number;
  readonly outer: OuterHeaders;
  readonly udp: {
    /** The source port comes from the inner flow's hash; only its range is comparable. */
    readonly srcPortInRange: boolean;
    readonly dstPort: number;
    readonly length: number;
    readonly checksumNonZero: boolean;
    readonly checksum: UdpChecksumKind;
    /** `udp.checksum.status` as tshark -o udp.check_checksum:TRUE reports it: Good, Bad, … */
    readonly tsharkChecksumStatus: string;
  };
  readonly vxlan: {
    /** The flags byte: 0x08 (I bit). */
    readonly flags: number;
    /** tshark's `vxlan.flags` (the 16-bit flags field). */
    readonly tsharkFlags: string;
    readonly reservedZero: boolean;
    readonly vni: number;
  };
  readonly inner: {
    readonly srcMac: string;
    readonly dstMac: string;
    readonly src: string;
    readonly dst: string;
    readonly ttl: number;
    readonly df: boolean;
    readonly protocol: number;
    /** ICMP type (8 echo request, 0 echo reply), or null. */
    readonly icmpType: number | null;
  };
}

export interface ArpFrame {
  readonly kind: 'arp';
  readonly length: number;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly op: 'request' | 'reply';
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
}

export interface OtherFrame {
  readonly kind: 'other';
  readonly length: number;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly ethertype: string;
}

export type DecodedFrame = VxlanFrame | ArpFrame | OtherFrame;

export interface CaptureObservation {
  /** As run in n1: `tshark -i eth0 -w <tmp>/n1-eth0.pcapng -a duration:3`. */
  readonly command: string;
  /**
   * tshark's one-line view of every non-multicast frame (multicast = IPv6 router solicitations and MLD
   * of interfaces coming up, which depend on timing and which podwire does not send), decoded with
   * `-d udp.port==8472,vxlan -o udp.check_checksum:TRUE`: `LEN SRC → DST PROTOCOL INFO`.
   */
  readonly summary: readonly string[];
  /** The same frames decoded from their bytes. */
  readonly frames: readonly DecodedFrame[];
  /** Properties of the hash-chosen UDP source ports (their values cannot be compared). */
  readonly ports: {
    readonly allInRange: boolean;
    /** Every echo request used one source port (same flow, same hash). */
    readonly requestsShareOnePort: boolean;
    /** Every echo reply used one source port. */
    readonly repliesShareOnePort: boolean;
    /** Request and reply used the same port (n1 and n2 hash the flow alike). */
    readonly requestEqualsReply: boolean;
  };
  /** The outer IP IDs of the VXLAN frames were all different. */
  readonly outerIdsDistinct: boolean;
}

export interface FlannelObservation {
  /** pod1: `ping -c 2 10.244.1.2`, run during the capture. */
  readonly ping: PingObservation;
  readonly capture: CaptureObservation;
  /** pod1: `traceroute -n 10.244.1.2` */
  readonly traceroute: TracerouteObservation;
  /**
   * pod1: `traceroute -n -q 1 -w 1 10.244.1.2` right after the first. pod2 answers port-unreachable
   * from a per-peer token bucket (icmp_ratelimit 1000 ms, burst 6) that the first traceroute emptied, so
   * the 14 probes with TTL 3–16 go unanswered; the first answer comes for TTL 19, sent after the 1 s wait.
   */
  readonly tracerouteAgain: TracerouteObservation;
  readonly n1: NodeState & {
    /** `ip route show table local` */
    readonly localRoutes: CommandOutput;
    /** `ip neigh show` lines, sorted (the kernel prints hash-bucket order). */
    readonly neighSorted: readonly string[];
  };
  readonly n2: NodeState;
  /** Pings with DF set of 1450 and 1451 bytes, from pod1 and from n1 itself. */
  readonly df: {
    /** pod1: `ping -c 1 -W 1 -M do -s 1423 10.244.1.2` — pod1's own eth0 (MTU 1450) refuses it. */
    readonly podTooBig: PingObservation;
    /** pod1: `… -s 1422 …` */
    readonly podFits: PingObservation;
    /** n1: `… -s 1423 …` — eth0 has MTU 1500 but the route goes via flannel.1 (1450). */
    readonly nodeTooBig: PingObservation;
    /** n1: `… -s 1422 …` */
    readonly nodeFits: PingObservation;
  };
  /**
   * pod1's eth0 set to MTU 1500 (`ip link set eth0 mtu 1500` in pod1): now n1 receives the 1451-byte
   * packet and must refuse to forward it into flannel.1 — ICMP frag needed from cni0's address.
   */
  readonly fragNeeded: {
    readonly setMtu: CommandOutput;
    /** `ping -c 1 -W 1 -M do -s 1423 10.244.1.2` → `From 10.244.0.1 … Frag needed and DF set (mtu = 1450)` */
    readonly ping: PingObservation;
    /** pod1: `ip route get 10.244.1.2` → the learned PMTU (`cache expires <sec>sec mtu 1450`). */
    readonly routeGet: CommandOutput;
    /** The route exception's remaining lifetime was in [590, 600] s (ip_rt_mtu_expires is 600 s). */
    readonly expiresInRange: boolean;
    /** The same ping again: now pod1 refuses it itself (local error, mtu=1450). */
    readonly again: PingObservation;
  };
}

// ---------------------------------------------------------------------------------------------------
// Normalisation (shared by both sides)

/** An Ethernet-like link of the fabric and who owns it. */
export interface LinkOwner {
  readonly ns: string;
  readonly ifname: string;
  readonly mac: string;
}

const LL6_RE = /\bfe80::[0-9a-f:]*[0-9a-f]/g;
const ICMP_ID_RE = /\bid=0x[0-9a-f]{4}\b/g;
const FRAME_REF_RE = /\((request|reply) in \d+\)/g;
const PING_TIME_RE = /(packets transmitted, .*, time )([1-9]\d*)ms$/;
const EXPIRES_RE = /\bexpires (\d+)sec\b/;

/**
 * Normalises output of either side: MAC owners, IPv6 link-locals derived from them, and everything
 * normaliseLine() handles. Host veths (`veth…`) are left out of the owners: their names are random in
 * the kernel and no observation prints their MACs.
 */
export class FlannelNormaliser {
  private readonly macs = new Map<string, string>();
  private readonly ll6 = new Map<string, string>();

  constructor(
    links: readonly LinkOwner[],
    private readonly nsPrefix: string,
  ) {
    for (const l of links) {
      if (l.ifname.startsWith('veth') || l.mac === '00:00:00:00:00:00') continue;
      const owner = `${l.ns}/${l.ifname}`;
      if (!this.macs.has(l.mac)) this.macs.set(l.mac, owner);
      const ll = linkLocalOf(l.mac);
      if (!this.ll6.has(ll)) this.ll6.set(ll, owner);
    }
  }

  context(ns: string): NormaliseContext {
    return { ns, macOwner: (mac) => this.macs.get(mac), linkPeer: () => undefined, nsPrefix: this.nsPrefix };
  }

  mac(mac: string): string {
    const owner = this.macs.get(mac);
    return owner === undefined ? mac : `<mac:${owner}>`;
  }

  line(ns: string, text: string): string {
    let out = normaliseLine(text, this.context(ns));
    out = out.replace(LL6_RE, (addr) => {
      const owner = this.ll6.get(addr);
      return owner === undefined ? addr : `<ll6:${owner}>`;
    });
    out = out.replace(ICMP_ID_RE, 'id=<id>');
    out = out.replace(FRAME_REF_RE, '($1 in <frame>)');
    out = out.replace(PING_TIME_RE, '$1<ms>ms');
    out = out.replace(EXPIRES_RE, 'expires <sec>sec');
    return out;
  }

  command(ns: string, command: string, result: RunResult): CommandOutput {
    const out = commandOutput(command, result, this.context(ns));
    return {
      ...out,
      stdout: outputLines(result.stdout).map((l) => this.line(ns, l)),
      stderr: outputLines(result.stderr).map((l) => this.line(ns, l)),
    };
  }

  ping(ns: string, command: string, result: RunResult): PingObservation {
    const base = pingObservation(command, result, this.context(ns));
    const out = this.command(ns, command, result);
    return { ...base, stdout: out.stdout, stderr: out.stderr };
  }

  traceroute(ns: string, command: string, result: RunResult): TracerouteObservation {
    const base = tracerouteObservation(command, result, this.context(ns));
    const out = this.command(ns, command, result);
    const [header = '', ...hops] = out.stdout;
    return { ...base, stdout: out.stdout, stderr: out.stderr, header, hops };
  }
}

/** The remaining lifetime in `cache expires 598sec mtu 1450`, or undefined. */
export function expiresSeconds(lines: readonly string[]): number | undefined {
  for (const l of lines) {
    const m = EXPIRES_RE.exec(l);
    if (m !== null) return Number(m[1]);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Frames: reading and writing captures, decoding bytes (shared by both sides)

/** A captured frame: bytes and timestamp (ns since the epoch, or since the simulation started). */
export interface RawFrame {
  readonly timeNs: bigint;
  readonly bytes: Uint8Array;
}

/** The Ethernet frames of a pcapng file (EPBs of linktype-1 interfaces; ns or µs resolution ignored). */
export function readPcapng(buf: Uint8Array): RawFrame[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const frames: RawFrame[] = [];
  let at = 0;
  let little = true;
  while (at + 12 <= buf.length) {
    const type = view.getUint32(at, little);
    if (type === 0x0a0d0d0a) little = view.getUint32(at + 8, true) === 0x1a2b3c4d;
    const len = view.getUint32(at + 4, little);
    if (len < 12 || at + len > buf.length) break;
    if (type === 6) {
      const hi = BigInt(view.getUint32(at + 12, little));
      const lo = BigInt(view.getUint32(at + 16, little));
      const capLen = view.getUint32(at + 20, little);
      frames.push({ timeNs: (hi << 32n) | lo, bytes: buf.slice(at + 28, at + 28 + capLen) });
    }
    at += len;
  }
  return frames;
}

/** A classic pcap file (ns resolution, linktype Ethernet) holding `frames`: what the sim side hands tshark. */
export function writePcap(frames: readonly RawFrame[]): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.bytes.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xa1b23c4d, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 262144, true);
  view.setUint32(20, 1, true);
  let at = 24;
  for (const f of frames) {
    view.setUint32(at, Number(f.timeNs / 1_000_000_000n), true);
    view.setUint32(at + 4, Number(f.timeNs % 1_000_000_000n), true);
    view.setUint32(at + 8, f.bytes.length, true);
    view.setUint32(at + 12, f.bytes.length, true);
    out.set(f.bytes, at + 16);
    at += 16 + f.bytes.length;
  }
  return out;
}

function macAt(b: Uint8Array, at: number): string {
  return Array.from(b.subarray(at, at + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

function ipAt(b: Uint8Array, at: number): string {
  return Array.from(b.subarray(at, at + 4)).join('.');
}

function u16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

/** The ones'-complement sum of 16-bit big-endian words, folded to 16 bits (not complemented). */
function onesSum(chunks: readonly Uint8Array[]): number {
  let sum = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.length; i += 2) sum += ((c[i] ?? 0) << 8) | (c[i + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Multicast (group bit) but not broadcast: the frames left out of the comparison. */
export function isMulticastFrame(bytes: Uint8Array): boolean {
  return ((bytes[0] ?? 0) & 1) === 1 && macAt(bytes, 0) !== 'ff:ff:ff:ff:ff:ff';
}

/**
 * Decodes one captured frame: an ARP frame, a VXLAN frame (IPv4/UDP to VXLAN_PORT) with its outer and
 * inner headers, or anything else by its Ethernet header. MACs go through `mac` (the normaliser).
 */
export function decodeFrame(
  bytes: Uint8Array,
  mac: (m: string) => string,
  tsharkFields?: TsharkFrame,
): DecodedFrame {
  const ethertype = u16(bytes, 12);
  const length = bytes.length;
  const srcMac = mac(macAt(bytes, 6));
  const dstMac = mac(macAt(bytes, 0));
  if (ethertype === 0x0806 && length >= 42) {
    return {
      kind: 'arp',
      length,
      srcMac,
      dstMac,
      op: u16(bytes, 20) === 1 ? 'request' : 'reply',
      senderMac: mac(macAt(bytes, 22)),
      senderIp: ipAt(bytes, 28),
      targetMac: mac(macAt(bytes, 32)),
      targetIp: ipAt(bytes, 38),
    };
  }
  const other: OtherFrame = {
    kind: 'other',
    length,
    srcMac,
    dstMac,
    ethertype: `0x${ethertype.toString(16).padStart(4, '0')}`,
  };
  if (ethertype !== 0x0800) return other;
  const ip = 14;
  const ihl = ((bytes[ip] ?? 0) & 0x0f) * 4;
  if ((bytes[ip + 9] ?? 0) !== 17) return other;
  const l4 = ip + ihl;
  const dstPort = u16(bytes, l4 + 2);
  if (dstPort !== VXLAN_PORT) return other;
  const totalLength = u16(bytes, ip + 2);
  const flagsFrag = u16(bytes, ip + 6);
  const udpLength = u16(bytes, l4 + 4);
  const udpChecksum = u16(bytes, l4 + 6);
  const pseudo = new Uint8Array(12);
  pseudo.set(bytes.subarray(ip + 12, ip + 20), 0);
  pseudo[9] = 17;
  pseudo[10] = udpLength >> 8;
  pseudo[11] = udpLength & 0xff;
  const datagram = bytes.subarray(l4, l4 + udpLength);
  let checksum: UdpChecksumKind;
  if (udpChecksum === 0) checksum = 'zero';
  else if (onesSum([pseudo, datagram]) === 0xffff) checksum = 'correct';
  else if (udpChecksum === onesSum([pseudo])) checksum = 'partial';
  else checksum = 'wrong';
  const vx = l4 + 8;
  const inner = vx + 8;
  const innerIp = inner + 14;
  const innerIhl = ((bytes[innerIp] ?? 0) & 0x0f) * 4;
  const innerProto = bytes[innerIp + 9] ?? 0;
  const srcPort = u16(bytes, l4);
  return {
    kind: 'vxlan',
    length,
    outer: {
      srcMac,
      dstMac,
      src: ipAt(bytes, ip + 12),
      dst: ipAt(bytes, ip + 16),
      tos: bytes[ip + 1] ?? 0,
      ttl: bytes[ip + 8] ?? 0,
      df: (flagsFrag & 0x4000) !== 0,
      mf: (flagsFrag & 0x2000) !== 0,
      totalLength,
      protocol: bytes[ip + 9] ?? 0,
      idNonZero: u16(bytes, ip + 4) !== 0,
      headerChecksumOk: onesSum([bytes.subarray(ip, ip + ihl)]) === 0xffff,
    },
    udp: {
      srcPortInRange: srcPort >= SRC_PORT_RANGE[0] && srcPort <= SRC_PORT_RANGE[1],
      dstPort,
      length: udpLength,
      checksumNonZero: udpChecksum !== 0,
      checksum,
      tsharkChecksumStatus: tsharkFields?.udpChecksumStatus ?? '',
    },
    vxlan: {
      flags: bytes[vx] ?? 0,
      tsharkFlags: tsharkFields?.vxlanFlags ?? '',
      reservedZero: (bytes[vx + 1] ?? 0) === 0 && u16(bytes, vx + 2) === 0 && (bytes[vx + 7] ?? 0) === 0,
      vni: ((bytes[vx + 4] ?? 0) << 16) | u16(bytes, vx + 5),
    },
    inner: {
      srcMac: mac(macAt(bytes, inner + 6)),
      dstMac: mac(macAt(bytes, inner)),
      src: ipAt(bytes, innerIp + 12),
      dst: ipAt(bytes, innerIp + 16),
      ttl: bytes[innerIp + 8] ?? 0,
      df: (u16(bytes, innerIp + 6) & 0x4000) !== 0,
      protocol: innerProto,
      icmpType: innerProto === 1 ? (bytes[innerIp + innerIhl] ?? null) : null,
    },
  };
}

/** Raw source port and outer IP ID of a VXLAN frame (for the properties; never compared by value). */
function vxlanIds(bytes: Uint8Array): { srcPort: number; ipId: number } {
  const ihl = ((bytes[14] ?? 0) & 0x0f) * 4;
  return { srcPort: u16(bytes, 14 + ihl), ipId: u16(bytes, 18) };
}

/** What tshark says about one frame. */
export interface TsharkFrame {
  /** `LEN SRC → DST PROTOCOL INFO`, not yet normalised. */
  readonly summary: string;
  readonly udpChecksumStatus: string;
  readonly vxlanFlags: string;
}

/** The tshark arguments both sides decode a capture file with. */
export function tsharkReadArgs(file: string): string[] {
  return [
    'tshark',
    '-r',
    file,
    '-d',
    `udp.port==${VXLAN_PORT},vxlan`,
    '-o',
    'udp.check_checksum:TRUE',
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=f',
    '-e',
    'frame.len',
    '-e',
    'eth.src',
    '-e',
    'eth.dst',
    '-e',
    '_ws.col.Protocol',
    '-e',
    '_ws.col.Info',
    '-e',
    'udp.checksum.status',
    '-e',
    'vxlan.flags',
  ];
}

/** Runs tshark on a capture file outside any lab namespace (reading a file touches no network). */
export function tsharkRead(file: string): RunResult {
  const res = spawnSync('tshark', tsharkReadArgs(file).slice(1), {
    encoding: 'utf8',
    stdio: 'pipe',
    timeout: 30_000,
  });
  if (res.error !== undefined) throw res.error;
  return { stdout: res.stdout, stderr: res.stderr, status: res.status ?? -1 };
}

/** Wireshark's checksum status values (epan/proto.h PROTO_CHECKSUM_E_*). */
const CHECKSUM_STATUS = ['Bad', 'Good', 'Unverified', 'Not present', 'Illegal'];

/** Parses `tsharkReadArgs` output: one TsharkFrame per line. */
export function parseTsharkFields(stdout: string): TsharkFrame[] {
  return outputLines(stdout).map((l) => {
    const [len = '', src = '', dst = '', proto = '', info = '', status = '', flags = ''] = l.split('\t');
    return {
      summary: `${len} ${src} → ${dst} ${proto} ${info}`,
      udpChecksumStatus: status === '' ? '' : (CHECKSUM_STATUS[Number(status)] ?? status),
      vxlanFlags: flags,
    };
  });
}

/**
 * The capture observation from the frames of a capture and tshark's view of the same frames (same
 * order, same count). Multicast frames are dropped first.
 */
export function captureObservation(
  command: string,
  frames: readonly RawFrame[],
  tshark: readonly TsharkFrame[],
  norm: FlannelNormaliser,
  ns: string,
): CaptureObservation {
  if (frames.length !== tshark.length) {
    throw new Error(`capture: ${frames.length} frames but tshark printed ${tshark.length} lines`);
  }
  const kept = frames.map((f, i) => ({ f, t: tshark[i]! })).filter(({ f }) => !isMulticastFrame(f.bytes));
  const decoded = kept.map(({ f, t }) => decodeFrame(f.bytes, (m) => norm.mac(m), t));
  const vx = kept.filter((_, i) => decoded[i]!.kind === 'vxlan');
  const typeOf = (i: number): number | null => {
    const d = decoded.filter((x) => x.kind === 'vxlan')[i];
    return d?.kind === 'vxlan' ? d.inner.icmpType : null;
  };
  const ids = vx.map(({ f }) => vxlanIds(f.bytes));
  const reqPorts = new Set(ids.filter((_, i) => typeOf(i) === 8).map((x) => x.srcPort));
  const repPorts = new Set(ids.filter((_, i) => typeOf(i) === 0).map((x) => x.srcPort));
  const inRange = (p: number): boolean => p >= SRC_PORT_RANGE[0] && p <= SRC_PORT_RANGE[1];
  return {
    command,
    summary: kept.map(({ t }) => norm.line(ns, t.summary)),
    frames: decoded,
    ports: {
      allInRange: ids.length > 0 && ids.every((x) => inRange(x.srcPort)),
      requestsShareOnePort: reqPorts.size === 1,
      repliesShareOnePort: repPorts.size === 1,
      requestEqualsReply: reqPorts.size === 1 && repPorts.size === 1 && [...reqPorts][0] === [...repPorts][0],
    },
    outerIdsDistinct: new Set(ids.map((x) => x.ipId)).size === ids.length,
  };
}

// ---------------------------------------------------------------------------------------------------
// Kernel side

interface IpJsonLink {
  readonly ifname: string;
  readonly address?: string;
  readonly link_type?: string;
}

/** Every Ethernet-like link of the lab's namespaces. */
function kernelLinks(lab: Lab): LinkOwner[] {
  const links: LinkOwner[] = [];
  for (const ns of lab.namespaces) {
    for (const l of JSON.parse(lab.ip(ns, ['-j', 'link', 'show'])) as IpJsonLink[]) {
      if (l.link_type === 'ether' && l.address !== undefined)
        links.push({ ns, ifname: l.ifname, mac: l.address });
    }
  }
  return links;
}

/**
 * Builds the two nodes in `lab` as flanneld, the runtime and the CNI plugins would, recording every
 * command. `tmp` holds host-local's state (subnet.env is only parsed, from subnetEnvText). Throws on the
 * first failing command.
 */
export function buildFlannelLab(lab: Lab, tmp: string, transcript?: Transcript): void {
  const sh = (
    ns: string,
    argv: readonly string[],
    opts: { input?: string; env?: Record<string, string> } = {},
  ) => {
    const result = lab.run(ns, argv, opts);
    const shown =
      opts.env === undefined
        ? argv.join(' ')
        : `${Object.entries(opts.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')} ${argv.join(' ')}`;
    const stdin = opts.input === undefined ? '' : ` <<< '${opts.input}'`;
    transcript?.(ns, `${shown}${stdin}`.replaceAll(tmp, '<tmp>').replaceAll(lab.prefix, ''), result);
    if (result.status !== 0) throw new Error(`${ns}: ${argv.join(' ')} failed: ${result.stderr.trim()}`);
    return result;
  };

  // Nodes and pods first, the switch last (MAC placeholders prefer the first owner seen).
  for (const n of NODES) lab.addNs(n.name);
  for (const n of NODES) lab.addNs(n.pod);
  lab.addNs(SWITCH);
  lab.bridge(SWITCH, SEGMENT);
  for (const n of NODES) {
    const port = `${SEGMENT}-${n.name}`;
    lab.veth(n.name, 'eth0', SWITCH, port, { mtu: UNDERLAY_MTU });
    lab.attach(SWITCH, port, SEGMENT);
    sh(n.name, ['ip', 'addr', 'add', `${n.ip}/${NODE_PREFIX_LENGTH}`, 'dev', 'eth0']);
  }

  // flanneld: the VXLAN device (newVXLANDevice: LinkAdd with MTU, then the address, then up).
  for (const n of NODES) {
    sh(n.name, [
      'ip',
      'link',
      'add',
      'flannel.1',
      'mtu',
      String(FLANNEL_MTU),
      'type',
      'vxlan',
      'id',
      String(VNI),
      'local',
      n.ip,
      'dev',
      'eth0',
      'nolearning',
      'dstport',
      String(VXLAN_PORT),
    ]);
    sh(n.name, ['ip', 'addr', 'add', `${n.vtepIp}/32`, 'dev', 'flannel.1']);
    sh(n.name, ['ip', 'link', 'set', 'flannel.1', 'up']);
  }

  // The runtime: one pod per node through flannel's delegate to the real bridge + host-local plugins.
  for (const n of NODES) {
    const env = parseSubnetEnv(subnetEnvText(n));
    const delegate = goJson(flannelDelegate(NETCONF, env, { dataDir: join(tmp, `ipam-${n.name}`) }));
    const plugin = join(CNI_BIN_DIR, 'bridge');
    sh(n.name, [plugin], {
      input: delegate,
      env: {
        CNI_COMMAND: 'ADD',
        CNI_CONTAINERID: `cid-${n.pod}`,
        CNI_NETNS: `/run/netns/${lab.nsName(n.pod)}`,
        CNI_IFNAME: 'eth0',
        CNI_PATH: CNI_BIN_DIR,
      },
    });
    sh(n.name, ['sysctl', '-w', 'net.ipv4.ip_forward=1']);
  }

  // flanneld's EventAdded for the other node: neighbour, FDB, route (vxlan_network.go handleSubnetEvents).
  const vtepMac = (ns: string): string => {
    const [link] = JSON.parse(lab.ip(ns, ['-j', 'link', 'show', 'flannel.1'])) as IpJsonLink[];
    if (link?.address === undefined) throw new Error(`${ns}: flannel.1 has no MAC`);
    return link.address;
  };
  for (const [self, peer] of [
    [NODES[0], NODES[1]],
    [NODES[1], NODES[0]],
  ] as const) {
    const mac = vtepMac(peer.name);
    sh(self.name, ['ip', 'neigh', 'add', peer.vtepIp, 'lladdr', mac, 'dev', 'flannel.1', 'nud', 'permanent']);
    sh(self.name, ['bridge', 'fdb', 'append', mac, 'dev', 'flannel.1', 'dst', peer.ip, 'self', 'permanent']);
    sh(self.name, ['ip', 'route', 'add', peer.podCidr, 'via', peer.vtepIp, 'dev', 'flannel.1', 'onlink']);
  }
}

/**
 * Builds the flannel lab in `lab` and observes it. Takes about 9 s (the state is read 6.5 s in). Removes its temporary directory
 * before returning or throwing; the caller cleans up `lab` (namespaces, processes).
 */
export async function observeFlannelKernel(lab: Lab, transcript?: Transcript): Promise<FlannelObservation> {
  const tmp = mkdtempSync(join(tmpdir(), 'podwire-flannel-'));
  try {
    return await observe(lab, tmp, transcript);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function observe(lab: Lab, tmp: string, transcript?: Transcript): Promise<FlannelObservation> {
  buildFlannelLab(lab, tmp, transcript);
  const norm = new FlannelNormaliser(kernelLinks(lab), lab.prefix);
  const raw = (ns: string, argv: readonly string[]): [string, RunResult] => {
    const command = argv.join(' ');
    const result = lab.run(ns, argv);
    transcript?.(ns, command.replaceAll(tmp, '<tmp>'), {
      ...result,
      stderr: result.stderr.replaceAll(tmp, '<tmp>'),
    });
    return [command, result];
  };
  const cmd = (ns: string, argv: readonly string[]): CommandOutput => norm.command(ns, ...raw(ns, argv));
  const ping = (ns: string, argv: readonly string[]): PingObservation => norm.ping(ns, ...raw(ns, argv));
  const [n1, n2] = NODES;

  // Capture on n1/eth0 during the first traffic: pod1 pings pod2 twice.
  const pcap = join(tmp, 'n1-eth0.pcapng');
  const captureArgv = ['tshark', '-i', 'eth0', '-w', pcap, '-a', `duration:${CAPTURE_SECONDS}`];
  const capture = await startCapture(lab, n1.name, captureArgv, CAPTURE_SECONDS, CAPTURE_SETTLE_MS);
  const captureStartedAt = Date.now() - CAPTURE_SETTLE_MS;
  const firstPing = ping(n1.pod, ['ping', '-c', '2', POD2_IP]);
  const { exitCode, stderr } = await capture.done();
  transcript?.(n1.name, `${captureArgv.join(' ')} &`.replaceAll(tmp, '<tmp>'), {
    status: exitCode ?? -1,
    stdout: '',
    stderr: stderr.replaceAll(tmp, '<tmp>'),
  });
  if (exitCode !== 0) throw new Error(`tshark failed (${String(exitCode)}): ${stderr.trim()}`);
  const [, decoded] = raw(n1.name, tsharkReadArgs(pcap));
  const captured = readPcapng(readFileSync(pcap));
  if (transcript !== undefined) {
    // For OBSERVED-flannel.md only: tshark's verbose view of the first VXLAN frame, and its bytes.
    const first = captured.findIndex((f) => decodeFrame(f.bytes, (m) => m).kind === 'vxlan');
    raw(n1.name, [
      'tshark',
      '-r',
      pcap,
      '-d',
      `udp.port==${VXLAN_PORT},vxlan`,
      '-o',
      'udp.check_checksum:TRUE',
      '-Y',
      `frame.number==${first + 1}`,
      '-V',
      '-x',
    ]);
  }
  const captureObs = captureObservation(
    norm.line(n1.name, captureArgv.join(' ').replaceAll(tmp, '<tmp>')),
    captured,
    parseTsharkFields(decoded.stdout),
    norm,
    n1.name,
  );

  const traceroute = norm.traceroute(n1.pod, ...raw(n1.pod, ['traceroute', '-n', POD2_IP]));
  const tracerouteAgain = norm.traceroute(
    n1.pod,
    ...raw(n1.pod, ['traceroute', '-n', '-q', '1', '-w', '1', POD2_IP]),
  );

  const wait = captureStartedAt + STATE_READ_AT_MS - Date.now();
  if (wait > 0) await sleep(wait);

  const nodeState = (n: FlannelNodeSpec, peerPod: string): NodeState => ({
    routes: cmd(n.name, ['ip', 'route', 'show']),
    neighFlannel: cmd(n.name, ['ip', 'neigh', 'show', 'dev', 'flannel.1']),
    fdbFlannel: cmd(n.name, ['bridge', 'fdb', 'show', 'dev', 'flannel.1']),
    link: cmd(n.name, ['ip', '-d', 'link', 'show', 'flannel.1']),
    addr: cmd(n.name, ['ip', 'addr', 'show', 'flannel.1']),
    routeGet: cmd(n.name, ['ip', 'route', 'get', peerPod]),
  });
  const n1State = {
    ...nodeState(n1, n2.podIp),
    localRoutes: cmd(n1.name, ['ip', 'route', 'show', 'table', 'local']),
    neighSorted: [...cmd(n1.name, ['ip', 'neigh', 'show']).stdout].sort(),
  };
  const n2State = nodeState(n2, n1.podIp);

  const dfPing = (ns: string, size: number): PingObservation =>
    ping(ns, ['ping', '-c', '1', '-W', '1', '-M', 'do', '-s', String(size), POD2_IP]);
  const df = {
    podTooBig: dfPing(n1.pod, DF_TOO_BIG),
    podFits: dfPing(n1.pod, DF_FITS),
    nodeTooBig: dfPing(n1.name, DF_TOO_BIG),
    nodeFits: dfPing(n1.name, DF_FITS),
  };

  const setMtu = cmd(n1.pod, ['ip', 'link', 'set', 'eth0', 'mtu', String(POD1_BIG_MTU)]);
  const fragPing = dfPing(n1.pod, DF_TOO_BIG);
  const [routeGetCommand, routeGetResult] = raw(n1.pod, ['ip', 'route', 'get', POD2_IP]);
  const expires = expiresSeconds(outputLines(routeGetResult.stdout));
  const fragNeeded = {
    setMtu,
    ping: fragPing,
    routeGet: norm.command(n1.pod, routeGetCommand, routeGetResult),
    expiresInRange: expires !== undefined && expires >= 590 && expires <= 600,
    again: dfPing(n1.pod, DF_TOO_BIG),
  };

  return {
    ping: firstPing,
    capture: captureObs,
    traceroute,
    tracerouteAgain,
    n1: n1State,
    n2: n2State,
    df,
    fragNeeded,
  };
}

// ---------------------------------------------------------------------------------------------------
// Run directly: print the transcript for OBSERVED-flannel.md.

async function main(): Promise<void> {
  const avail = cniAvailable();
  if (!avail.ok) {
    console.error(`flannel observation skipped: ${avail.reason}`);
    process.exit(1);
  }
  const transcript = markdownTranscript();
  const observation = await withLab((lab) => observeFlannelKernel(lab, transcript.record));
  transcript.print(observation);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
