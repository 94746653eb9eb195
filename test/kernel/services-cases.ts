/**
 * What both sides of the services lab share (services-lab.ts is the kernel side, services-sim.ts the
 * simulator's): the addresses, the Services and node1's ruleset as podwire's kube-proxy generates and
 * prints it, the connections (CASES), the observation records and the parsers that make them from what
 * the client, the server and conntrack printed.
 */
import {
  defaultProxyConfig,
  KubeProxyRules,
  type ProxyConfig,
  type ProxyEndpoint,
  type ProxyService,
  type ServiceProtocol,
} from '../../src/k8s/index.js';
import { formatIptablesSave, type Table } from '../../src/netfilter/index.js';
import { ip4 } from '../../src/wire/index.js';
import { asTable } from '../k8s/kube-proxy-fixtures.js';

export const CLUSTER_CIDR = '10.244.0.0/16';
export const EXT = '192.168.56.1';
export const NODE1 = '192.168.56.11';
export const NODE2 = '192.168.56.12';
export const CNI0 = '10.244.1.1';
export const PA = '10.244.1.2';
export const PB = '10.244.1.3';
/** The endpoint behind node2. */
export const REMOTE = '10.244.2.2';

export type Client = 'pa' | 'pb' | 'ext' | 'node1';
/** Each client's address (the source of its connections before any NAT). */
export const CLIENT_ADDR: Readonly<Record<Client, string>> = { pa: PA, pb: PB, ext: EXT, node1: NODE1 };

// ---- the Services ----

function svc(
  name: string,
  clusterIP: string,
  protocol: ServiceProtocol,
  port: number,
  extra: Partial<ProxyService> = {},
): ProxyService {
  return {
    namespace: 'default',
    name,
    type: 'ClusterIP',
    clusterIP: ip4(clusterIP),
    ports: [
      { name: 'p', protocol, port, ...(extra.type === 'NodePort' ? { nodePort: nodePortOf(name) } : {}) },
    ],
    externalIPs: [],
    loadBalancerIPs: [],
    sessionAffinity: 'None',
    affinityTimeoutSeconds: 10800,
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    ...extra,
  };
}

function ep(ip: string, node: string, protocol: ServiceProtocol, port: number): ProxyEndpoint {
  return {
    ip: ip4(ip),
    nodeName: node,
    ready: true,
    serving: true,
    terminating: false,
    ports: [{ name: 'p', port, protocol }],
  };
}

const NODE_PORTS: Readonly<Record<string, number>> = {
  'np-cluster': 30080,
  'np-local': 30090,
  'np-local-away': 30091,
  empty: 30099,
};

function nodePortOf(name: string): number {
  const p = NODE_PORTS[name];
  if (p === undefined) throw new Error(`no node port for ${name}`);
  return p;
}

/**
 * web: ClusterIP, one endpoint on node1 (also reached by that endpoint itself: hairpin); remote: ClusterIP,
 * one endpoint behind node2; np-cluster: NodePort, ETP Cluster, one endpoint on each node; np-local:
 * NodePort, ETP Local, its endpoint on node1; np-local-away: ETP Local, its only endpoint elsewhere;
 * empty: NodePort without endpoints (REJECT); dns: UDP ClusterIP on node1.
 */
export function proxyRules(): KubeProxyRules {
  const k = new KubeProxyRules();
  const nodePort = { type: 'NodePort' } as const;
  const add = (s: ProxyService, eps: readonly ProxyEndpoint[]): void => {
    k.setService(s);
    if (eps.length > 0) k.setEndpoints(s.namespace, s.name, eps);
  };
  add(svc('web', '10.96.0.10', 'TCP', 80), [ep(PB, 'node1', 'TCP', 8080)]);
  add(svc('remote', '10.96.0.20', 'TCP', 80), [ep(REMOTE, 'node2', 'TCP', 8080)]);
  add(svc('np-cluster', '10.96.0.30', 'TCP', 80, nodePort), [
    ep(PB, 'node1', 'TCP', 8080),
    ep(REMOTE, 'node2', 'TCP', 8080),
  ]);
  add(svc('np-local', '10.96.0.40', 'TCP', 80, { ...nodePort, externalTrafficPolicy: 'Local' }), [
    ep(PB, 'node1', 'TCP', 8080),
  ]);
  add(svc('np-local-away', '10.96.0.41', 'TCP', 80, { ...nodePort, externalTrafficPolicy: 'Local' }), [
    ep(REMOTE, 'node2', 'TCP', 8080),
  ]);
  add(svc('empty', '10.96.0.50', 'TCP', 80, nodePort), []);
  add(svc('dns', '10.96.0.60', 'UDP', 53), [ep(PB, 'node1', 'UDP', 5353)]);
  return k;
}

export function nodeConfig(): ProxyConfig {
  return defaultProxyConfig('node1', [ip4(NODE1), ip4(CNI0)], CLUSTER_CIDR);
}

/** node1's mangle, filter and nat tables from podwire's kube-proxy. */
export function nodeTables(): Table[] {
  const r = proxyRules().iptables(nodeConfig());
  return [asTable('mangle', r.mangle), asTable('filter', r.filter), asTable('nat', r.nat)];
}

/** The ruleset as podwire prints it (`iptables-save` format), the input of the kernel's iptables-restore. */
export function nodeSave(): string {
  return formatIptablesSave(nodeTables());
}

// ---- the connections ----

export interface Case {
  readonly name: string;
  readonly from: Client;
  readonly proto: 'tcp' | 'udp';
  readonly dst: string;
  readonly dport: number;
  /** The client's source port (bound before connecting). */
  readonly sport: number;
}

/** np-cluster has two endpoints: this many connections, to see both. */
export const MULTI_ATTEMPTS = 16;

/** The connections, in the order both sides make them. */
export const CASES: readonly Case[] = [
  {
    name: 'pod → ClusterIP, local endpoint',
    from: 'pa',
    proto: 'tcp',
    dst: '10.96.0.10',
    dport: 80,
    sport: 41001,
  },
  {
    name: 'pod → ClusterIP, remote endpoint',
    from: 'pa',
    proto: 'tcp',
    dst: '10.96.0.20',
    dport: 80,
    sport: 41002,
  },
  { name: 'pod → ClusterIP (UDP)', from: 'pa', proto: 'udp', dst: '10.96.0.60', dport: 53, sport: 41003 },
  {
    name: 'hairpin: endpoint → own ClusterIP',
    from: 'pb',
    proto: 'tcp',
    dst: '10.96.0.10',
    dport: 80,
    sport: 41004,
  },
  {
    name: 'node → ClusterIP, local endpoint',
    from: 'node1',
    proto: 'tcp',
    dst: '10.96.0.10',
    dport: 80,
    sport: 41005,
  },
  {
    name: 'node → ClusterIP, remote endpoint',
    from: 'node1',
    proto: 'tcp',
    dst: '10.96.0.20',
    dport: 80,
    sport: 41006,
  },
  { name: 'external → ClusterIP', from: 'ext', proto: 'tcp', dst: '10.96.0.10', dport: 80, sport: 41007 },
  {
    name: 'external → NodePort, ETP Local',
    from: 'ext',
    proto: 'tcp',
    dst: NODE1,
    dport: 30090,
    sport: 41008,
  },
  { name: 'pod → NodePort, ETP Local', from: 'pa', proto: 'tcp', dst: NODE1, dport: 30090, sport: 41009 },
  {
    name: 'external → NodePort, ETP Local without local endpoints',
    from: 'ext',
    proto: 'tcp',
    dst: NODE1,
    dport: 30091,
    sport: 41010,
  },
  {
    name: 'pod → ClusterIP without endpoints',
    from: 'pa',
    proto: 'tcp',
    dst: '10.96.0.50',
    dport: 80,
    sport: 41011,
  },
  {
    name: 'external → NodePort without endpoints',
    from: 'ext',
    proto: 'tcp',
    dst: NODE1,
    dport: 30099,
    sport: 41012,
  },
  ...Array.from({ length: MULTI_ATTEMPTS }, (_, i) => ({
    name: `external → NodePort, ETP Cluster, two endpoints #${i + 1}`,
    from: 'ext' as const,
    proto: 'tcp' as const,
    dst: NODE1,
    dport: 30080,
    sport: 42001 + i,
  })),
];

/** How long a client waits for its connection or answer, seconds (the DROP case ends this way). */
export const CLIENT_TIMEOUT_S = 2;

/** An ICMP error the client received, as its raw ICMP socket read it. */
export interface IcmpSeen {
  readonly src: string;
  readonly type: number;
  readonly code: number;
}

/** A conntrack entry: its reply tuple (`ip:port` from, `ip` to) and its state words. */
export interface ConntrackSeen {
  readonly replySrc: string;
  readonly replyDst: string;
  /** `TIME_WAIT [ASSURED]`, `[UNREPLIED]`, '' … */
  readonly state: string;
}

/** What one connection showed, on either side. */
export interface CaseObservation {
  readonly name: string;
  /** `reply` (the server's answer came back), or the errno (`ECONNREFUSED`), or `timeout`. */
  readonly outcome: string;
  /** The address the server was reached on, `ip:port`: the DNAT target. */
  readonly target: string | null;
  /** The source address the server saw: the client's own, or the masquerade address. */
  readonly source: string | null;
  /**
   * Whether KUBE-POSTROUTING's MASQUERADE rule took the connection (its packet counter went up by one):
   * the masquerade decision, also where the address stays the same (the node's own connections).
   */
  readonly masquerade: boolean;
  /** Whether the server saw the client's source port (MASQUERADE --random-fully changes it). */
  readonly sourcePortKept: boolean | null;
  /** node1's conntrack entry of the connection (matched by its original tuple). */
  readonly conntrack: ConntrackSeen | null;
  readonly icmp: readonly IcmpSeen[];
}

export interface ServicesObservation {
  /** iptables-save of node1 right after the restore, without the two date comment lines. */
  readonly save: string;
  readonly cases: readonly CaseObservation[];
}

/** The server's answer: `local=IP:PORT peer=IP:PORT`. */
export function parseServerReply(
  text: string,
): { local: string; peerIp: string; peerPort: number } | undefined {
  const m = /^local=(\S+) peer=([\d.]+):(\d+)$/.exec(text.trim());
  if (m === null) return undefined;
  return { local: m[1] ?? '', peerIp: m[2] ?? '', peerPort: Number(m[3]) };
}

/**
 * The entry whose original tuple is (src, dst, sport, dport) among conntrack lines (`conntrack -L` or
 * /proc/net/nf_conntrack: both print `src= dst= sport= dport=` twice, original first).
 */
export function conntrackReply(text: string, c: Case): ConntrackSeen | null {
  for (const line of text.split('\n')) {
    const kv = [...line.matchAll(/(src|dst|sport|dport)=(\S+)/g)].map((m) => m[2] ?? '');
    if (kv.length < 8) continue;
    const [s, d, sp, dp, rs, rd, rsp] = kv;
    if (s === CLIENT_ADDR[c.from] && d === c.dst && sp === String(c.sport) && dp === String(c.dport))
      return {
        replySrc: `${rs}:${rsp}`,
        replyDst: rd ?? '',
        // The TCP state and the [UNREPLIED]/[ASSURED] flags, as printed (the seconds left are not compared).
        state: line
          .split(' ')
          .filter((w) => /^([A-Z][A-Z_]+|\[[A-Z]+\])$/.test(w))
          .join(' '),
      };
  }
  return null;
}

/** A case's observation from the client's report, the conntrack text and the ICMP errors. */
export function caseObservation(
  c: Case,
  outcome: string,
  body: string | undefined,
  masquerade: boolean,
  conntrack: string,
  icmp: readonly IcmpSeen[],
): CaseObservation {
  const reply = body === undefined ? undefined : parseServerReply(body);
  return {
    name: c.name,
    outcome,
    masquerade,
    target: reply?.local ?? null,
    source: reply?.peerIp ?? null,
    sourcePortKept: reply === undefined ? null : reply.peerPort === c.sport,
    conntrack: conntrackReply(conntrack, c),
    icmp,
  };
}

// ---- the namespaces ----

export const PODS = [
  { ns: 'pa', veth: 'vethpa', ip: PA },
  { ns: 'pb', veth: 'vethpb', ip: PB },
] as const;

/** node1's sysctls: forwarding, br_netfilter on, and kube-proxy's route_localnet (localhostNodePorts). */
export const NODE_SYSCTLS: readonly (readonly [string, string])[] = [
  ['net.ipv4.ip_forward', '1'],
  ['net.bridge.bridge-nf-call-iptables', '1'],
  ['net.ipv4.conf.all.route_localnet', '1'],
];

/** One table of an iptables-save text, read without podwire's parser: chains with policies, rules per chain. */
export interface SaveTable {
  readonly name: string;
  /** `:CHAIN POLICY` lines with the counters cut off, in print order. */
  readonly chains: readonly string[];
  /** The `-A` lines of each chain, in order. */
  readonly rules: Readonly<Record<string, readonly string[]>>;
}

/**
 * An iptables-save text with every chain's `[packets:bytes]` set to `[0:0]`. The lab's node1 itself
 * sends an IPv4 packet now and then right after set-up (40 bytes, counted in OUTPUT/POSTROUTING and
 * PREROUTING, never seen by `tshark -i any`), which may land between iptables-restore and iptables-save
 * and show in the built-in chains' policy counters.
 */
export function withZeroCounters(save: string): string {
  return save.replace(/^(:\S+ \S+) \[\d+:\d+\]$/gm, '$1 [0:0]');
}

/** The structure of an iptables-save text: tables in order, counters and comment lines dropped. */
export function saveStructure(text: string): SaveTable[] {
  const tables: SaveTable[] = [];
  let cur: { name: string; chains: string[]; rules: Record<string, string[]> } | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      cur = { name: line.slice(1), chains: [], rules: {} };
      tables.push(cur);
    } else if (cur !== undefined && line.startsWith(':')) {
      cur.chains.push(line.replace(/ \[\d+:\d+\]$/, ''));
    } else if (cur !== undefined && line.startsWith('-A ')) {
      const chain = line.split(' ')[1] ?? '';
      cur.rules[chain] ??= [];
      cur.rules[chain].push(line);
    }
  }
  return tables;
}
