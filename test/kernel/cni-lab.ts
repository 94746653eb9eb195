/**
 * The reference "one node, two pods on cni0" fabric, built with network namespaces and the real CNI
 * plugins (Debian's containernetworking-plugins: bridge + host-local), and the observations the simulator
 * must reproduce.
 *
 *   switch ── rack1-node1 ═══ eth0 192.168.56.11/24 ┐
 *                                                   │ node1 (a namespace; ip_forward set by the bridge plugin)
 *              pa eth0 10.244.1.2 ═══ veth ─┐       │
 *              pb eth0 10.244.1.3 ═══ veth ─┴─ [cni0 10.244.1.1/24]
 *
 * The flannel CNI plugin is not packaged, so this file emulates it exactly (flannel-io/cni-plugin
 * flannel.go, flannel_linux.go; cni.md §2): it reads a subnet.env, builds the delegate config, saves it
 * as `<scratch>/<containerID>` (mode 0600) and runs the bridge plugin with those bytes on stdin; DEL replays
 * the saved config and removes it, and a missing file is success without running the bridge plugin.
 * Every path the plugins write (host-local's dataDir, flannel's scratch dir, subnet.env, the capture) is
 * in a temporary directory that observeCniKernel() removes again; the plugins run inside node1
 * (`ip netns exec node1 …`), so cni0, the host veth ends and `ip_forward` all live in that namespace.
 *
 * `CniObservation` is plain, normalised data: MACs → `<mac:NS/IF>` (`<mac:mcast-sn:NS/IF>` for the
 * solicited-node multicast MAC of that interface's link-local address), IPv6 link-local addresses →
 * `<ll6:NS/IF>` (the EUI-64 address derived from that interface's MAC), host veth names → `<veth:pa>`,
 * ifindexes → `<ifindex:NS/IF>`, round-trip times → `<rtt>`, bridge timers → `<timer>`, ICMP ids →
 * `<id>`, the temporary directory → `<tmp>`, namespace prefixes removed, veth queue counts → `<ncpu>`.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CNI_BIN_DIR, type Lab, type RunResult, startCapture } from './netns.js';
import {
  type CommandOutput,
  type JsonValue,
  type NormaliseContext,
  normaliseLine,
  outputLines,
  type PingObservation,
  pingObservation,
  type Transcript,
} from './router-lab.js';

// ---------------------------------------------------------------------------------------------------
// The fabric

export const NODE = 'node1';
export const SWITCH = 'switch';
export const NODE_IP = '192.168.56.11';
export const NODE_PREFIX_LENGTH = 24;
/** The pods of the main network, in ADD order; `pc` is added after `pa` is deleted. */
export const PODS = ['pa', 'pb', 'pc'] as const;
export type PodName = (typeof PODS)[number];
export const GATEWAY = '10.244.1.1';
export const POD_MTU = 1450;
export const POD_IFNAME = 'eth0';

/** `/run/flannel/subnet.env` as flanneld writes it for node1 (flannel.md §2). */
export const SUBNET_ENV = [
  'FLANNEL_NETWORK=10.244.0.0/16',
  'FLANNEL_SUBNET=10.244.1.1/24',
  'FLANNEL_MTU=1450',
  'FLANNEL_IPMASQ=true',
  '',
].join('\n');

/**
 * The flannel plugin's config as the runtime hands it over: the first plugin of kube-flannel's
 * 10-flannel.conflist with `name` and `cniVersion` injected by libcni (cni.md §1). `ipam.dataDir` is the
 * one addition: flannel copies a top-level `ipam` into the delegate, which keeps host-local's state out of
 * /var/lib/cni (observeCniKernel fills in the temporary directory).
 */
export const FLANNEL_NETCONF = {
  cniVersion: '0.3.1',
  name: 'cbr0',
  type: 'flannel',
  delegate: { hairpinMode: true, isDefaultGateway: true },
} as const;

/** The exhaustion experiment: a network of its own, on a node of its own, with a /29 lease. */
export const TINY_NODE = 'nodet';
export const TINY_PODS = ['t1', 't2', 't3', 't4', 't5', 't6'] as const;
export const TINY_SUBNET_ENV = [
  'FLANNEL_NETWORK=10.244.0.0/16',
  'FLANNEL_SUBNET=10.244.3.1/29',
  'FLANNEL_MTU=1450',
  'FLANNEL_IPMASQ=true',
  '',
].join('\n');
export const TINY_NETCONF = { ...FLANNEL_NETCONF, name: 'tiny' } as const;

/** The container ID the runtime passes for a pod (CNI_CONTAINERID); host-local writes it into its files. */
export function containerId(pod: string): string {
  return `cid-${pod}`;
}

/** Length of the capture on cni0 around the first ping pa → pb. */
export const CAPTURE_SECONDS = 3;
/** Pause between tshark reporting that it captures and the ping. */
const CAPTURE_SETTLE_MS = 300;

// ---------------------------------------------------------------------------------------------------
// The flannel plugin's delegate config (pure; usable by the simulator side)

export interface SubnetEnv {
  /** FLANNEL_NETWORK as a network (`10.244.0.0/16`). */
  readonly network: string;
  /** FLANNEL_SUBNET as a network: Go's net.ParseCIDR turns `10.244.1.1/24` into `10.244.1.0/24`. */
  readonly subnet: string;
  readonly mtu: number;
  readonly ipmasq: boolean;
}

function networkOf(cidr: string): string {
  const [ip = '', len = ''] = cidr.split('/');
  const prefix = Number(len);
  const octets = ip.split('.').map(Number);
  if (octets.length !== 4 || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw new Error(`not an IPv4 CIDR: ${cidr}`);
  }
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const net = Math.floor(value / size) * size;
  return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.')}/${prefix}`;
}

/** Parses subnet.env like flannel's loadFlannelSubnetEnv (IPv4 keys only). */
export function parseSubnetEnv(text: string): SubnetEnv {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const get = (key: string): string => {
    const v = values.get(key);
    if (v === undefined) throw new Error(`subnet.env is missing ${key}`);
    return v;
  };
  return {
    network: networkOf(get('FLANNEL_NETWORK')),
    subnet: networkOf(get('FLANNEL_SUBNET')),
    mtu: Number(get('FLANNEL_MTU')),
    ipmasq: get('FLANNEL_IPMASQ') === 'true',
  };
}

type JsonObject = { readonly [key: string]: JsonValue };

/**
 * The delegate config flannel's doCmdAdd builds: `name`; `type` bridge, `ipMasq` !FLANNEL_IPMASQ, `mtu`
 * FLANNEL_MTU, `isGateway` true — each only where the conflist's `delegate` lacks the key; `cniVersion`
 * copied; `ipam` = the netconf's top-level `ipam` with `type` host-local (if absent), `ranges`
 * [[{subnet}]] and `routes` = its routes + {dst: FLANNEL_NETWORK}.
 */
export function flannelDelegate(
  netconf: { readonly name: string; readonly cniVersion?: string; readonly delegate?: JsonObject },
  env: SubnetEnv,
  ipam: JsonObject = {},
): JsonObject {
  const d: Record<string, JsonValue> = { ...(netconf.delegate ?? {}) };
  d['name'] = netconf.name;
  if (!('type' in d)) d['type'] = 'bridge';
  if (!('ipMasq' in d)) d['ipMasq'] = !env.ipmasq;
  if (!('mtu' in d)) d['mtu'] = env.mtu;
  if (d['type'] === 'bridge' && !('isGateway' in d)) d['isGateway'] = true;
  if (netconf.cniVersion !== undefined && netconf.cniVersion !== '') d['cniVersion'] = netconf.cniVersion;
  const routes = Array.isArray(ipam['routes']) ? [...(ipam['routes'] as readonly JsonValue[])] : [];
  d['ipam'] = {
    ...ipam,
    type: ipam['type'] ?? 'host-local',
    ranges: [[{ subnet: env.subnet }]],
    routes: [...routes, { dst: env.network }],
  };
  return d;
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const obj = value as JsonObject;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, sortKeys(obj[k]!)]),
    );
  }
  return value;
}

/**
 * JSON bytes as Go's encoding/json writes a map[string]interface{}: keys sorted (byte order), no spaces,
 * `<`, `>` and `&` escaped as \u003c, \u003e, \u0026.
 */
export function goJson(value: JsonValue): string {
  return JSON.stringify(sortKeys(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

// ---------------------------------------------------------------------------------------------------
// The observation

/** One plugin invocation. */
export interface CniCall {
  /**
   * How it ran: `CNI_COMMAND=ADD CNI_CONTAINERID=cid-pa CNI_NETNS=/run/netns/pa CNI_IFNAME=eth0
   * CNI_PATH=/usr/lib/cni /usr/lib/cni/bridge < <tmp>/flannel/cid-pa`, or `flannel DEL cid-pa: no saved
   * delegate config` when the (emulated) flannel layer answered without running the bridge plugin.
   */
  readonly command: string;
  readonly exitCode: number;
  /** stdout lines, normalised (the plugins pretty-print with a 4-space indent and no final newline). */
  readonly stdout: readonly string[];
  /** stdout parsed as JSON after normalisation; null when stdout is empty. */
  readonly json: JsonValue | null;
  readonly stderr: readonly string[];
}

/** One file of a plugin's state directory. */
export interface DataDirEntry {
  readonly name: string;
  /** Permission bits in octal, `0644`. */
  readonly mode: string;
  /** Exact content (host-local writes `cid-pa\r\neth0`, no final newline), normalised. */
  readonly content: string;
}

/** One frame of the capture on cni0, as tshark decodes it. */
export interface CaptureFrame {
  readonly length: number;
  /** Source MAC, normalised (`<mac:pa/eth0>`). */
  readonly src: string;
  /** Destination MAC, normalised (`ff:ff:ff:ff:ff:ff`, `<mac:pb/eth0>`, `33:33:00:00:00:16`). */
  readonly dst: string;
  /** `0x0806` ARP, `0x0800` IPv4, `0x86dd` IPv6. */
  readonly ethertype: string;
  /** tshark's Info column, normalised. */
  readonly info: string;
}

export interface CaptureObservation {
  /** As run in node1: `tshark -i cni0 -w <tmp>/cni0.pcapng -a duration:3`. */
  readonly command: string;
  /** The frames of the ping: everything but multicast (ARP request and reply, echo request and reply), in order. */
  readonly frames: readonly CaptureFrame[];
  /**
   * The multicast frames (MLDv2 reports, IGMP reports of cni0, router solicitations of recently started
   * interfaces), as sorted unique `SRC > DST ETHERTYPE INFO` lines. Which of them fall into the window
   * depends on timing, so comparisons leave them out.
   */
  readonly multicast: readonly string[];
}

export interface PodState {
  /** `ip addr` */
  readonly addr: CommandOutput;
  /** `ip route` */
  readonly routes: CommandOutput;
  /** `ip -d link show eth0` */
  readonly link: CommandOutput;
  /** `ip neigh` lines after the pings, sorted (kernel hash order varies). */
  readonly neighSorted: readonly string[];
}

export interface CniObservation {
  /** The subnet.env the emulated flannel plugin read. */
  readonly subnetEnv: string;
  /** The exact bytes flannel hands to the bridge plugin on stdin (and saves for DEL). */
  readonly delegate: string;
  /** ADD of pa, then pb (fresh node: cni0 is created by the first). */
  readonly add: { readonly pa: CniCall; readonly pb: CniCall };
  /** Capture on cni0 in node1 while pa pings pb for the first time. */
  readonly capture: CaptureObservation;
  /** `ping -c 1 -W 1 DST`, in this order: pa→pb (during the capture), pa→gateway, pa→node IP, node1→pa. */
  readonly pings: {
    readonly paToPb: PingObservation;
    readonly paToGateway: PingObservation;
    readonly paToNode: PingObservation;
    readonly nodeToPa: PingObservation;
  };
  /** node1 after the pings. */
  readonly node1: {
    readonly addr: CommandOutput;
    readonly routes: CommandOutput;
    readonly localRoutes: CommandOutput;
    readonly neighSorted: readonly string[];
    /** `bridge fdb show`, sorted (learned entries are listed newest first, which depends on timing). */
    readonly fdbSorted: readonly string[];
    /** `bridge fdb show br cni0`, sorted. */
    readonly fdbBridgeSorted: readonly string[];
    /** `ip -d link show cni0` */
    readonly cni0Link: CommandOutput;
    /** `ip -d link show <veth>` of each pod's host end. */
    readonly vethLinks: { readonly pa: CommandOutput; readonly pb: CommandOutput };
    /** `sysctl net.ipv4.ip_forward` */
    readonly ipForward: CommandOutput;
  };
  readonly pods: { readonly pa: PodState; readonly pb: PodState };
  /** host-local's `<dataDir>/cbr0` and flannel's scratch dir. */
  readonly state: {
    readonly afterAdds: readonly DataDirEntry[];
    readonly flannelScratchAfterAdds: readonly DataDirEntry[];
    readonly afterDelPa: readonly DataDirEntry[];
    readonly afterAddPc: readonly DataDirEntry[];
  };
  /** DEL pa; DEL pa again (flannel's saved config is gone); the bridge plugin's DEL for pa run again directly. */
  readonly del: { readonly pa: CniCall; readonly paAgain: CniCall; readonly paBridgeAgain: CniCall };
  /** ADD pc after DEL pa: host-local continues after last_reserved_ip (.4), it does not reuse .2. */
  readonly addPc: CniCall;
  /** The `tiny` /29 network on its own node: ADD t1…t6, the sixth fails. */
  readonly exhaustion: {
    readonly adds: readonly CniCall[];
    /** Right after the failed ADD: `ip link show type veth` in the node, `ip addr show eth0` in t6, host-local's state. */
    readonly afterFailure: {
      readonly nodeVeths: CommandOutput;
      readonly podLink: CommandOutput;
      readonly state: readonly DataDirEntry[];
    };
    /** DEL t6 (the runtime's cleanup of the failed sandbox), then the same two commands. */
    readonly del: CniCall;
    readonly afterDel: { readonly nodeVeths: CommandOutput; readonly podLink: CommandOutput };
  };
}

// ---------------------------------------------------------------------------------------------------
// Normalisation

/** The EUI-64 IPv6 link-local address of a MAC, as iproute2 prints it (RFC 5952 compression). */
export function linkLocalOf(mac: string): string {
  const b = mac.split(':').map((h) => Number.parseInt(h, 16));
  const groups = [
    0xfe80,
    0,
    0,
    0,
    ((b[0]! ^ 0x02) << 8) | b[1]!,
    (b[2]! << 8) | 0xff,
    (0xfe << 8) | b[3]!,
    (b[4]! << 8) | b[5]!,
  ];
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The solicited-node multicast MAC of a MAC's EUI-64 link-local address: 33:33:ff + its last 3 bytes. */
export function solicitedNodeMacOf(mac: string): string {
  return `33:33:ff:${mac.split(':').slice(3).join(':')}`;
}

const VETH_RE = /\bveth[0-9a-f]{8}\b/g;
/** iproute2 prints bridge ids as PRIO.MAC without zero padding: `8000.9e:48:1e:3:b4:bf`. */
const BRIDGE_ID_RE = /\b([0-9a-f]{4})\.([0-9a-f]{1,2}(?::[0-9a-f]{1,2}){5})\b/g;
const LL6_RE = /\bfe80::[0-9a-f:]*[0-9a-f]/g;
const TIMER_RE = /(_timer) +\d+\.\d+/g;
const ICMP_ID_RE = /\bid=0x[0-9a-f]{4}\b/g;
/** tshark's `(request in 6)` / `(reply in 7)` count every frame of the capture, multicast included. */
const FRAME_REF_RE = /\((request|reply) in \d+\)/g;

interface IpJsonLink {
  readonly ifname: string;
  readonly address?: string;
  readonly link_type?: string;
}

/** Where the normaliser reads links from: the kernel `Lab`, or the simulator's `ip -j link` (cni-sim.ts). */
export interface LinkSource {
  /** The namespace-name prefix to remove ('' in the simulator). */
  readonly prefix: string;
  /** `ip -n NS ARGS…` output; only `-j link show` is asked for. */
  ip(ns: string, args: readonly string[]): string;
}

/**
 * Normalises output from a kernel lab whose veth names and MACs appear as pods come and go: call
 * learnLinks() after every change, name host veths with nameVeth().
 */
export class CniNormaliser {
  private readonly macs = new Map<string, string>();
  private readonly linkLocals = new Map<string, string>();
  private readonly veths = new Map<string, string>();
  private readonly peers = new Map<string, string>();

  constructor(
    private readonly lab: LinkSource,
    private readonly tmp: string,
  ) {}

  /** Records the MACs of a namespace's Ethernet links (the first owner seen keeps a MAC). */
  learnLinks(ns: string): void {
    const links = JSON.parse(this.lab.ip(ns, ['-j', 'link', 'show'])) as IpJsonLink[];
    for (const link of links) {
      if (link.link_type !== 'ether' || link.address === undefined) continue;
      const owner = `${ns}/${link.ifname}`;
      if (!this.macs.has(link.address)) this.macs.set(link.address, owner);
      const sn = solicitedNodeMacOf(link.address);
      if (!this.macs.has(sn)) this.macs.set(sn, `mcast-sn:${owner}`);
      const ll = linkLocalOf(link.address);
      if (!this.linkLocals.has(ll)) this.linkLocals.set(ll, owner);
    }
  }

  /** Names a host veth after its pod and records the pair (`node1/vethXXXXXXXX` ↔ `pa/eth0`). */
  nameVeth(realName: string, node: string, pod: string): void {
    this.veths.set(realName, `<veth:${pod}>`);
    this.peers.set(`${node}/${realName}`, `${pod}/${POD_IFNAME}`);
    this.peers.set(`${pod}/${POD_IFNAME}`, `${node}/${realName}`);
  }

  /** A veth pair made by the lab itself (node1/eth0 ↔ switch/rack1-node1). */
  addPeer(a: string, b: string): void {
    this.peers.set(a, b);
    this.peers.set(b, a);
  }

  /** The `<veth:pod>` name of a host veth. */
  vethName(realName: string): string {
    return this.veths.get(realName) ?? realName;
  }

  line(ns: string, text: string): string {
    const ctx: NormaliseContext = {
      ns,
      macOwner: (mac) => this.macs.get(mac),
      linkPeer: (peerNs, ifname) => this.peers.get(`${peerNs}/${ifname}`),
      nsPrefix: this.lab.prefix,
    };
    let out = text.split(this.tmp).join('<tmp>');
    out = out.replace(BRIDGE_ID_RE, (whole, prio: string, unpadded: string) => {
      const mac = unpadded
        .split(':')
        .map((b) => b.padStart(2, '0'))
        .join(':');
      const owner = this.macs.get(mac);
      return owner === undefined ? whole : `${prio}.<mac:${owner}>`;
    });
    out = normaliseLine(out, ctx);
    out = out.replace(VETH_RE, (name) => this.veths.get(name) ?? name);
    out = out.replace(LL6_RE, (addr) => {
      const owner = this.linkLocals.get(addr);
      return owner === undefined ? addr : `<ll6:${owner.replace(VETH_RE, (n) => this.veths.get(n) ?? n)}>`;
    });
    out = out.replace(TIMER_RE, '$1 <timer>');
    out = out.replace(ICMP_ID_RE, 'id=<id>');
    out = out.replace(FRAME_REF_RE, '($1 in <frame>)');
    return out;
  }

  lines(ns: string, text: string): string[] {
    return outputLines(text).map((l) => this.line(ns, l));
  }

  command(ns: string, command: string, result: RunResult): CommandOutput {
    return {
      command: this.line(ns, command),
      exitCode: result.status,
      stdout: this.lines(ns, result.stdout),
      stderr: this.lines(ns, result.stderr),
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// Kernel side

/** Builds node1 (eth0 cabled to a switch namespace) and the pod namespaces. Throws on the first failure. */
export function buildCniLab(lab: Lab): void {
  for (const ns of [NODE, ...PODS, SWITCH]) lab.addNs(ns);
  lab.bridge(SWITCH, 'rack1');
  lab.veth(NODE, 'eth0', SWITCH, 'rack1-node1', { mtu: 1500 });
  lab.attach(SWITCH, 'rack1-node1', 'rack1');
  lab.addr(NODE, 'eth0', `${NODE_IP}/${NODE_PREFIX_LENGTH}`);
}

/** The emulated flannel CNI plugin of one node: ADD/DEL through the real bridge plugin. */
class FlannelPlugin {
  constructor(
    private readonly lab: Lab,
    private readonly node: string,
    private readonly netconf: {
      readonly name: string;
      readonly cniVersion: string;
      readonly delegate: JsonObject;
    },
    private readonly subnetFile: string,
    private readonly scratchDir: string,
    private readonly ipamDataDir: string,
    private readonly transcript: (ns: string, command: string, result: RunResult) => void,
  ) {}

  /** The delegate bytes for the current subnet.env. */
  delegateBytes(): string {
    const env = parseSubnetEnv(readFileSync(this.subnetFile, 'utf8'));
    return goJson(flannelDelegate(this.netconf, env, { dataDir: this.ipamDataDir }));
  }

  add(pod: string): { command: string; result: RunResult } {
    const bytes = this.delegateBytes();
    mkdirSync(this.scratchDir, { recursive: true, mode: 0o700 });
    const saved = join(this.scratchDir, containerId(pod));
    writeFileSync(saved, bytes, { mode: 0o600 });
    return this.bridge('ADD', pod, bytes, saved);
  }

  del(pod: string): { command: string; result: RunResult } {
    const saved = join(this.scratchDir, containerId(pod));
    let bytes: string;
    try {
      bytes = readFileSync(saved, 'utf8');
    } catch {
      const command = `flannel DEL ${containerId(pod)}: no saved delegate config, bridge not run`;
      const result: RunResult = { status: 0, stdout: '', stderr: '' };
      this.transcript(this.node, command, result);
      return { command, result };
    }
    const out = this.bridge('DEL', pod, bytes, saved);
    if (out.result.status === 0) rmSync(saved, { force: true });
    return out;
  }

  /** Runs the bridge plugin inside the node, as flannel's invoke.DelegateAdd/DelegateDel does. */
  bridge(
    op: 'ADD' | 'DEL',
    pod: string,
    stdin: string,
    stdinFile: string,
  ): { command: string; result: RunResult } {
    const env = {
      CNI_COMMAND: op,
      CNI_CONTAINERID: containerId(pod),
      CNI_NETNS: `/run/netns/${this.lab.nsName(pod)}`,
      CNI_IFNAME: POD_IFNAME,
      CNI_PATH: CNI_BIN_DIR,
    };
    const plugin = join(CNI_BIN_DIR, 'bridge');
    const vars = Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const command = `${vars} ${plugin} < ${stdinFile}`;
    const result = this.lab.run(this.node, [plugin], { input: stdin, env });
    this.transcript(this.node, command, result);
    return { command, result };
  }
}

function readState(dir: string, norm: CniNormaliser, ns: string): DataDirEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const path = join(dir, name);
    const mode = `0${(statSync(path).mode & 0o777).toString(8)}`;
    const content = readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => norm.line(ns, l))
      .join('\n');
    return { name, mode, content };
  });
}

function parseJsonOrNull(lines: readonly string[]): JsonValue | null {
  if (lines.length === 0) return null;
  try {
    return JSON.parse(lines.join('\n')) as JsonValue;
  } catch {
    return null;
  }
}

/**
 * Builds the CNI lab in `lab` and observes it. Takes about 6 s (the capture window is 3 s). Removes its
 * temporary directory before returning or throwing; the caller cleans up `lab` (namespaces, processes).
 */
export async function observeCniKernel(lab: Lab, transcript?: Transcript): Promise<CniObservation> {
  const tmp = mkdtempSync(join(tmpdir(), 'podwire-cni-'));
  try {
    return await observe(lab, tmp, transcript);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function observe(lab: Lab, tmp: string, transcript?: Transcript): Promise<CniObservation> {
  const norm = new CniNormaliser(lab, tmp);
  const record = (ns: string, command: string, result: RunResult): void => transcript?.(ns, command, result);
  const raw = (ns: string, argv: readonly string[]): [string, RunResult] => {
    const command = argv.join(' ');
    const result = lab.run(ns, argv);
    record(ns, command, result);
    return [command, result];
  };
  const cmd = (ns: string, argv: readonly string[]): CommandOutput => norm.command(ns, ...raw(ns, argv));
  const ping = (ns: string, to: string): PingObservation => {
    const [command, result] = raw(ns, ['ping', '-c', '1', '-W', '1', to]);
    const ctx: NormaliseContext = {
      ns,
      macOwner: () => undefined,
      linkPeer: () => undefined,
      nsPrefix: lab.prefix,
    };
    return pingObservation(command, result, ctx);
  };
  const sortedLines = (ns: string, argv: readonly string[]): string[] =>
    [...cmd(ns, argv).stdout].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const call = (ns: string, out: { command: string; result: RunResult }): CniCall => {
    const c = norm.command(ns, out.command, out.result);
    return {
      command: c.command,
      exitCode: c.exitCode,
      stdout: c.stdout,
      json: parseJsonOrNull(c.stdout),
      stderr: c.stderr,
    };
  };

  buildCniLab(lab);
  norm.addPeer(`${NODE}/eth0`, `${SWITCH}/rack1-node1`);
  for (const ns of lab.namespaces) norm.learnLinks(ns);

  const subnetFile = join(tmp, 'subnet.env');
  writeFileSync(subnetFile, SUBNET_ENV, { mode: 0o644 });
  const ipamDir = join(tmp, 'ipam');
  const flannel = new FlannelPlugin(
    lab,
    NODE,
    FLANNEL_NETCONF,
    subnetFile,
    join(tmp, 'flannel'),
    ipamDir,
    record,
  );
  const networkState = (): DataDirEntry[] => readState(join(ipamDir, FLANNEL_NETCONF.name), norm, NODE);

  /** ADD through flannel, then learn the new MACs and name the host veth after the pod. */
  const addPod = (plugin: FlannelPlugin, node: string, pod: string): CniCall => {
    const out = plugin.add(pod);
    if (out.result.status === 0) {
      const result = JSON.parse(out.result.stdout) as { interfaces?: { name: string; sandbox?: string }[] };
      const hostVeth = result.interfaces?.find((i) => i.sandbox === undefined && i.name.startsWith('veth'));
      if (hostVeth !== undefined) norm.nameVeth(hostVeth.name, node, pod);
    } else {
      // A failed ADD may leave the veth pair behind: the pod's eth0 names its peer's ifindex in the node.
      const podEnd = lab.run(pod, ['ip', '-j', 'link', 'show', POD_IFNAME]);
      const peerIndex =
        podEnd.status === 0
          ? (JSON.parse(podEnd.stdout) as { link_index?: number }[])[0]?.link_index
          : undefined;
      const links = JSON.parse(lab.ip(node, ['-j', 'link', 'show', 'type', 'veth'])) as (IpJsonLink & {
        ifindex: number;
      })[];
      const hostEnd = links.find((l) => l.ifindex === peerIndex);
      if (hostEnd !== undefined) norm.nameVeth(hostEnd.ifname, node, pod);
    }
    norm.learnLinks(node);
    norm.learnLinks(pod);
    return call(node, out);
  };

  const addPa = addPod(flannel, NODE, 'pa');
  const addPb = addPod(flannel, NODE, 'pb');
  // The observation holds normalised names; commands need the real ones.
  const realVeth = (pod: string): string => {
    const links = JSON.parse(lab.ip(NODE, ['-j', 'link', 'show', 'type', 'veth'])) as IpJsonLink[];
    const found = links.find((l) => norm.vethName(l.ifname) === `<veth:${pod}>`);
    if (found === undefined) throw new Error(`no host veth for ${pod}`);
    return found.ifname;
  };
  if (addPa.exitCode !== 0 || addPb.exitCode !== 0) {
    throw new Error(
      `CNI ADD failed: ${[...addPa.stdout, ...addPb.stdout, ...addPa.stderr, ...addPb.stderr].join(' ')}`,
    );
  }

  // Capture on cni0 while pa pings pb for the first time.
  const pcap = join(tmp, 'cni0.pcapng');
  const captureArgv = ['tshark', '-i', 'cni0', '-w', pcap, '-a', `duration:${CAPTURE_SECONDS}`];
  const tshark = await startCapture(lab, NODE, captureArgv, CAPTURE_SECONDS, CAPTURE_SETTLE_MS);
  const paToPb = ping('pa', '10.244.1.3');
  const { exitCode, stderr: tsharkErr } = await tshark.done();
  record(NODE, `${captureArgv.join(' ')} &`, { status: exitCode ?? -1, stdout: '', stderr: tsharkErr });
  if (exitCode !== 0) throw new Error(`tshark failed (${String(exitCode)}): ${tsharkErr.trim()}`);
  const [, decoded] = raw(NODE, [
    'tshark',
    '-r',
    pcap,
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-e',
    'frame.len',
    '-e',
    'eth.src',
    '-e',
    'eth.dst',
    '-e',
    'eth.type',
    '-e',
    '_ws.col.Info',
  ]);
  const allFrames = outputLines(decoded.stdout).map((l) => {
    const [len = '', src = '', dst = '', type = '', ...info] = l.split('\t');
    // Multicast: the group bit of the first octet, broadcast excepted.
    const multicast = (Number.parseInt(dst.slice(0, 2), 16) & 1) === 1 && dst !== 'ff:ff:ff:ff:ff:ff';
    const frame: CaptureFrame = {
      length: Number(len),
      src: norm.line(NODE, src),
      dst: norm.line(NODE, dst),
      ethertype: type,
      info: norm.line(NODE, info.join('\t')),
    };
    return { frame, multicast };
  });
  const capture: CaptureObservation = {
    command: norm.line(NODE, captureArgv.join(' ')),
    frames: allFrames.filter((f) => !f.multicast).map((f) => f.frame),
    multicast: [
      ...new Set(
        allFrames
          .filter((f) => f.multicast)
          .map(({ frame: f }) => `${f.src} > ${f.dst} ${f.ethertype} ${f.info}`),
      ),
    ].sort(),
  };

  const paToGateway = ping('pa', GATEWAY);
  const paToNode = ping('pa', NODE_IP);
  const nodeToPa = ping(NODE, '10.244.1.2');

  const node1 = {
    addr: cmd(NODE, ['ip', 'addr']),
    routes: cmd(NODE, ['ip', 'route']),
    localRoutes: cmd(NODE, ['ip', 'route', 'show', 'table', 'local']),
    neighSorted: sortedLines(NODE, ['ip', 'neigh']),
    fdbSorted: sortedLines(NODE, ['bridge', 'fdb', 'show']),
    fdbBridgeSorted: sortedLines(NODE, ['bridge', 'fdb', 'show', 'br', 'cni0']),
    cni0Link: cmd(NODE, ['ip', '-d', 'link', 'show', 'cni0']),
    vethLinks: {
      pa: cmd(NODE, ['ip', '-d', 'link', 'show', realVeth('pa')]),
      pb: cmd(NODE, ['ip', '-d', 'link', 'show', realVeth('pb')]),
    },
    ipForward: cmd(NODE, ['sysctl', 'net.ipv4.ip_forward']),
  };
  const podState = (pod: string): PodState => ({
    addr: cmd(pod, ['ip', 'addr']),
    routes: cmd(pod, ['ip', 'route']),
    link: cmd(pod, ['ip', '-d', 'link', 'show', POD_IFNAME]),
    neighSorted: sortedLines(pod, ['ip', 'neigh']),
  });
  const pods = { pa: podState('pa'), pb: podState('pb') };

  const afterAdds = networkState();
  if (transcript !== undefined) {
    // Recorded for OBSERVED-cni.md only: the state files as ls and od show them.
    const dir = join(ipamDir, FLANNEL_NETCONF.name);
    raw(NODE, ['ls', '-ln', dir]);
    raw(NODE, ['od', '-c', join(dir, '10.244.1.2'), join(dir, 'last_reserved_ip.0')]);
    raw(NODE, ['ls', '-ln', join(tmp, 'flannel')]);
  }
  const flannelScratchAfterAdds = readState(join(tmp, 'flannel'), norm, NODE);

  const delPa = call(NODE, flannel.del('pa'));
  const delPaAgain = call(NODE, flannel.del('pa'));
  const delPaBridgeAgain = call(
    NODE,
    flannel.bridge('DEL', 'pa', flannel.delegateBytes(), '(the same delegate config)'),
  );
  const afterDelPa = networkState();
  const addPc = addPod(flannel, NODE, 'pc');
  const afterAddPc = networkState();

  // Exhaustion: a /29 lease on a node of its own.
  lab.addNs(TINY_NODE);
  for (const pod of TINY_PODS) lab.addNs(pod);
  for (const ns of [TINY_NODE, ...TINY_PODS]) norm.learnLinks(ns);
  const tinyEnv = join(tmp, 'subnet-tiny.env');
  writeFileSync(tinyEnv, TINY_SUBNET_ENV, { mode: 0o644 });
  const tiny = new FlannelPlugin(
    lab,
    TINY_NODE,
    TINY_NETCONF,
    tinyEnv,
    join(tmp, 'flannel-tiny'),
    ipamDir,
    record,
  );
  const adds = TINY_PODS.map((pod) => addPod(tiny, TINY_NODE, pod));
  const last = TINY_PODS[TINY_PODS.length - 1]!;
  const afterFailure = {
    nodeVeths: cmd(TINY_NODE, ['ip', 'link', 'show', 'type', 'veth']),
    podLink: cmd(last, ['ip', 'addr', 'show', POD_IFNAME]),
    state: readState(join(ipamDir, TINY_NETCONF.name), norm, TINY_NODE),
  };
  const tinyDel = call(TINY_NODE, tiny.del(last));
  const afterDel = {
    nodeVeths: cmd(TINY_NODE, ['ip', 'link', 'show', 'type', 'veth']),
    podLink: cmd(last, ['ip', 'addr', 'show', POD_IFNAME]),
  };

  return {
    subnetEnv: SUBNET_ENV,
    delegate: norm.line(NODE, flannel.delegateBytes()),
    add: { pa: addPa, pb: addPb },
    capture,
    pings: { paToPb, paToGateway, paToNode, nodeToPa },
    node1,
    pods,
    state: { afterAdds, flannelScratchAfterAdds, afterDelPa, afterAddPc },
    del: { pa: delPa, paAgain: delPaAgain, paBridgeAgain: delPaBridgeAgain },
    addPc,
    exhaustion: { adds, afterFailure, del: tinyDel, afterDel },
  };
}
