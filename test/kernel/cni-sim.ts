/**
 * The simulator side of the CNI-lab comparison (cni-lab.ts): builds node1 from test/fixtures/cni-node.yaml
 * (without its Pod documents: the kubelet's random sandbox IDs would not be the lab's `cid-pa`), then
 * drives node1's FlannelPlugin/BridgePlugin directly with the lab's container IDs and pod namespaces, runs
 * the same ADD/DEL sequence, pings and commands as `observeCniKernel`, and normalises the output with the
 * same `CniNormaliser`, so the comparison in cni.kernel.test.ts is a deep equality (of `comparable`).
 *
 * Deterministic: the fixture's seed fixes every MAC and veth name; time only moves in the simulator.
 */
import { fileURLToPath } from 'node:url';
import { Ping } from '../../src/apps/index.js';
import {
  type BridgeConf,
  BridgePlugin,
  type CniArgs,
  type CniError,
  FlannelPlugin,
  hostLocalConfigFrom,
  STOCK_FLANNEL_CONF,
} from '../../src/cni/index.js';
import {
  bridgeFdbShow,
  describeLink,
  ipAddr,
  ipLink,
  ipNeigh,
  ipRoute,
  linkJson,
} from '../../src/inspect/index.js';
import { NetNs } from '../../src/net/index.js';
import { MS, SECOND } from '../../src/sim/index.js';
import { buildCluster, loadTopologyFile } from '../../src/topology/index.js';
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  type EthernetFrame,
  formatIp4,
  formatMac,
  ip4,
} from '../../src/wire/index.js';
import {
  type CaptureFrame,
  type CniCall,
  CniNormaliser,
  type CniObservation,
  containerId,
  type DataDirEntry,
  GATEWAY,
  NODE,
  NODE_IP,
  POD_IFNAME,
  SUBNET_ENV,
  TINY_NODE,
  TINY_PODS,
} from './cni-lab.js';
import { CNI_BIN_DIR, type RunResult } from './netns.js';
import {
  type CommandOutput,
  type JsonValue,
  type NormaliseContext,
  type PingObservation,
  pingObservation,
} from './router-lab.js';

/** podwire models no file modes; state entries carry this instead, and the comparison drops `mode`. */
export const MODE_NOT_MODELLED = 'not modelled';

/** Real commands take a little wall time between each other; the simulated shell waits 1 ms. */
const BETWEEN_COMMANDS_NS = 1 * MS;
/** The kernel side pings pb 300 ms into the 3 s capture and waits for tshark to end. */
const CAPTURE_BEFORE_NS = 300 * MS;
const CAPTURE_NS = 3 * SECOND;

export function simulateCniLab(): CniObservation {
  const file = fileURLToPath(new URL('../fixtures/cni-node.yaml', import.meta.url));
  const loaded = loadTopologyFile(file);
  if (!loaded.ok) throw new Error(`cni-node.yaml does not load: ${JSON.stringify(loaded.issues)}`);
  const cluster = buildCluster({
    ...loaded.topology,
    pods: [],
    objects: loaded.topology.objects.filter((o) => o.kind !== 'Pod'),
  });
  const sim = cluster.sim;
  const host = cluster.nodes.get(NODE);
  if (host?.cni === undefined) throw new Error('no node1 with CNI plugins');
  const node = host.ns;
  const { flannel, bridge } = host.cni;

  const namespaces = new Map<string, NetNs>([[NODE, node]]);
  const nsOf = (name: string): NetNs => {
    const ns = namespaces.get(name);
    if (ns === undefined) throw new Error(`no namespace ${name}`);
    return ns;
  };
  const newNs = (name: string, tracePrefix: string): NetNs => {
    const ns = new NetNs(sim, { name, trace: node.trace, tracePrefix });
    namespaces.set(name, ns);
    return ns;
  };
  const norm = new CniNormaliser({ prefix: '', ip: (ns) => JSON.stringify(linkJson(nsOf(ns))) }, '<tmp>');
  for (const ns of namespaces.keys()) norm.learnLinks(ns);

  const step = (ns = BETWEEN_COMMANDS_NS): void => {
    sim.run({ until: sim.now + ns });
  };
  const cmd = (ns: string, command: string, print: () => RunResult): CommandOutput => {
    const out = norm.command(ns, command, print());
    step();
    return out;
  };
  const ok = (stdout: string): RunResult => ({ status: 0, stdout, stderr: '' });
  const sortedLines = (ns: string, command: string, print: () => string): string[] =>
    [...cmd(ns, command, () => ok(print())).stdout].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const ping = (from: string, to: string): PingObservation => {
    let done = false;
    const app = new Ping(
      nsOf(from),
      {
        dst: ip4(to),
        count: 1,
        intervalNs: SECOND,
        size: 56,
        ttl: 64,
        pmtudisc: 'want',
        lingerNs: SECOND,
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
    const join = (ls: ReadonlyArray<{ text: string }>) => ls.map((l) => `${l.text}\n`).join('');
    step();
    const ctx: NormaliseContext = {
      ns: from,
      macOwner: () => undefined,
      linkPeer: () => undefined,
      nsPrefix: '',
    };
    return pingObservation(
      `ping -c 1 -W 1 ${to}`,
      {
        status,
        stdout: join(r.lines.filter((l) => l.stderr !== true)),
        stderr: join(r.lines.filter((l) => l.stderr === true)),
      },
      ctx,
    );
  };

  /** The bridge plugin's invocation as the lab writes it (flannel pipes its saved delegate config in). */
  const invocation = (op: 'ADD' | 'DEL', pod: string, scratch: string, stdinFile?: string): string =>
    `CNI_COMMAND=${op} CNI_CONTAINERID=${containerId(pod)} CNI_NETNS=/run/netns/${pod} CNI_IFNAME=${POD_IFNAME} ` +
    `CNI_PATH=${CNI_BIN_DIR} ${CNI_BIN_DIR}/bridge < ${stdinFile ?? `<tmp>/${scratch}/${containerId(pod)}`}`;
  const cniArgs = (pod: string): CniArgs => ({
    containerId: containerId(pod),
    netns: nsOf(pod),
    netnsPath: `/run/netns/${pod}`,
    ifName: POD_IFNAME,
  });
  const call = (nodeName: string, command: string, printed: RunResult): CniCall => {
    const c = norm.command(nodeName, command, printed);
    step();
    return {
      command: c.command,
      exitCode: c.exitCode,
      stdout: c.stdout,
      json: c.stdout.length === 0 ? null : (JSON.parse(c.stdout.join('\n')) as JsonValue),
      stderr: c.stderr,
    };
  };

  const addPod = (
    plugins: { flannel: FlannelPlugin; bridge: BridgePlugin },
    nodeName: string,
    scratch: string,
    pod: string,
  ): CniCall => {
    newNs(pod, `${nodeName}/${pod}`);
    const r = plugins.flannel.add(cniArgs(pod));
    const hostVeth = plugins.bridge.attachment(containerId(pod), POD_IFNAME)?.hostVeth;
    if (hostVeth !== undefined) norm.nameVeth(hostVeth.name, nodeName, pod);
    norm.learnLinks(nodeName);
    norm.learnLinks(pod);
    return call(
      nodeName,
      invocation('ADD', pod, scratch),
      r.ok
        ? { status: 0, stdout: JSON.stringify(r.value, null, 4), stderr: '' }
        : { status: 1, stdout: JSON.stringify(pluginError(r.error), null, 4), stderr: '' },
    );
  };
  const delPod = (
    plugins: { flannel: FlannelPlugin },
    nodeName: string,
    scratch: string,
    pod: string,
  ): CniCall => {
    const saved = plugins.flannel.savedFiles().some((f) => f.path.endsWith(`/${containerId(pod)}`));
    const r = plugins.flannel.del(cniArgs(pod));
    const command = saved
      ? invocation('DEL', pod, scratch)
      : `flannel DEL ${containerId(pod)}: no saved delegate config, bridge not run`;
    return call(
      nodeName,
      command,
      r.ok ? ok('') : { status: 1, stdout: JSON.stringify(pluginError(r.error), null, 4), stderr: '' },
    );
  };

  const ipamConfig = (delegate: string) => {
    const c = hostLocalConfigFrom(JSON.parse(delegate));
    if (!c.ok) throw new Error(c.error.msg);
    return c.value;
  };
  const state = (
    plugins: { flannel: FlannelPlugin; bridge: BridgePlugin },
    nodeName: string,
  ): DataDirEntry[] =>
    plugins.bridge
      .store(ipamConfig(plugins.flannel.delegate()))
      .listFiles()
      .map((f) => ({ name: f.name, mode: MODE_NOT_MODELLED, content: norm.line(nodeName, f.content) }));

  const main = { flannel, bridge };
  const addPa = addPod(main, NODE, 'flannel', 'pa');
  const addPb = addPod(main, NODE, 'flannel', 'pb');
  const realVeth = (pod: string): string => {
    const v = bridge.attachment(containerId(pod), POD_IFNAME)?.hostVeth;
    if (v === undefined) throw new Error(`no host veth for ${pod}`);
    return v.name;
  };

  // The capture on cni0 (tshark puts it in promiscuous mode: every frame entering from a port).
  const captured: EthernetFrame[] = [];
  const cni0Point = `${NODE}/cni0`;
  const off = cluster.trace.on((kind, _time, point, frame) => {
    if (point.name === cni0Point && kind !== 'drop') captured.push(frame);
  });
  step(CAPTURE_BEFORE_NS);
  const paToPb = ping('pa', '10.244.1.3');
  const captureEnd = sim.now + CAPTURE_NS - CAPTURE_BEFORE_NS;
  sim.run({ until: captureEnd });
  off();
  const decoded = captured.map((f, i) => tsharkFields(f, i, captured));
  const isMulticast = (f: EthernetFrame): boolean =>
    Math.floor(f.dst / 2 ** 40) % 2 === 1 && f.dst !== 0xffffffffffff;
  const normFrame = (f: CaptureFrame): CaptureFrame => ({
    ...f,
    src: norm.line(NODE, f.src),
    dst: norm.line(NODE, f.dst),
    info: norm.line(NODE, f.info),
  });
  const capture = {
    command: `tshark -i cni0 -w <tmp>/cni0.pcapng -a duration:${CAPTURE_NS / SECOND}`,
    frames: decoded.filter((_, i) => !isMulticast(captured[i] as EthernetFrame)).map(normFrame),
    multicast: [
      ...new Set(
        decoded
          .filter((_, i) => isMulticast(captured[i] as EthernetFrame))
          .map(normFrame)
          .map((f) => `${f.src} > ${f.dst} ${f.ethertype} ${f.info}`),
      ),
    ].sort(),
  };

  const paToGateway = ping('pa', GATEWAY);
  const paToNode = ping('pa', NODE_IP);
  const nodeToPa = ping(NODE, '10.244.1.2');

  const deviceBlock = (ns: NetNs, name: string): string =>
    ipLink(ns)
      .split(/(?=^\d+: )/m)
      .find((b) => b.startsWith(`${ns.deviceByName(name)?.ifindex ?? -1}: ${name}`)) ?? '';
  const node1 = {
    addr: cmd(NODE, 'ip addr', () => ok(ipAddr(node))),
    routes: cmd(NODE, 'ip route', () => ok(ipRoute(node))),
    localRoutes: cmd(NODE, 'ip route show table local', () => ok(ipRoute(node, 'local'))),
    neighSorted: sortedLines(NODE, 'ip neigh', () => ipNeigh(node)),
    fdbSorted: sortedLines(NODE, 'bridge fdb show', () => bridgeFdbShow(node)),
    fdbBridgeSorted: sortedLines(NODE, 'bridge fdb show br cni0', () => bridgeFdbShow(node, { br: 'cni0' })),
    cni0Link: cmd(NODE, 'ip -d link show cni0', () => ok(deviceBlock(node, 'cni0'))),
    vethLinks: {
      pa: cmd(NODE, `ip -d link show ${realVeth('pa')}`, () => ok(deviceBlock(node, realVeth('pa')))),
      pb: cmd(NODE, `ip -d link show ${realVeth('pb')}`, () => ok(deviceBlock(node, realVeth('pb')))),
    },
    ipForward: cmd(NODE, 'sysctl net.ipv4.ip_forward', () =>
      ok(`net.ipv4.ip_forward = ${node.sysctl('net.ipv4.ip_forward')}\n`),
    ),
  };
  const podState = (pod: string) => {
    const ns = nsOf(pod);
    return {
      addr: cmd(pod, 'ip addr', () => ok(ipAddr(ns))),
      routes: cmd(pod, 'ip route', () => ok(ipRoute(ns))),
      link: cmd(pod, `ip -d link show ${POD_IFNAME}`, () => ok(deviceBlock(ns, POD_IFNAME))),
      neighSorted: sortedLines(pod, 'ip neigh', () => ipNeigh(ns)),
    };
  };
  const pods = { pa: podState('pa'), pb: podState('pb') };

  const afterAdds = state(main, NODE);
  const flannelScratchAfterAdds = flannel.savedFiles().map((f) => ({
    name: f.path.slice(f.path.lastIndexOf('/') + 1),
    mode: MODE_NOT_MODELLED,
    content: norm.line(NODE, f.content),
  }));

  const delPa = delPod(main, NODE, 'flannel', 'pa');
  const delPaAgain = delPod(main, NODE, 'flannel', 'pa');
  const bridgeAgain = bridge.del(bridgeConf(flannel.delegate()), cniArgs('pa'));
  const delPaBridgeAgain = call(
    NODE,
    invocation('DEL', 'pa', 'flannel', '(the same delegate config)'),
    bridgeAgain.ok
      ? ok('')
      : { status: 1, stdout: JSON.stringify(pluginError(bridgeAgain.error), null, 4), stderr: '' },
  );
  const afterDelPa = state(main, NODE);
  const addPc = addPod(main, NODE, 'flannel', 'pc');
  const afterAddPc = state(main, NODE);

  // Exhaustion: a /29 lease on a node of its own (not part of the fixture: the lab's `nodet` has no uplink).
  const nodet = newNs(TINY_NODE, TINY_NODE);
  norm.learnLinks(TINY_NODE);
  const tinyBridge = new BridgePlugin(nodet);
  const tiny = {
    bridge: tinyBridge,
    flannel: new FlannelPlugin(
      tinyBridge,
      {
        network: ip4('10.244.0.0'),
        networkLen: 16,
        subnet: ip4('10.244.3.1'),
        subnetLen: 29,
        mtu: 1450,
        ipmasq: true,
      },
      { ...STOCK_FLANNEL_CONF, name: 'tiny' },
    ),
  };
  const adds = TINY_PODS.map((pod) => addPod(tiny, TINY_NODE, 'flannel-tiny', pod));
  const last = TINY_PODS[TINY_PODS.length - 1] ?? 't6';
  const podLink = (): CommandOutput =>
    cmd(last, `ip addr show ${POD_IFNAME}`, () =>
      nsOf(last).deviceByName(POD_IFNAME) !== undefined
        ? ok(ipAddr(nsOf(last), { dev: POD_IFNAME }))
        : { status: 1, stdout: '', stderr: `Device "${POD_IFNAME}" does not exist.\n` },
    );
  const afterFailure = {
    nodeVeths: cmd(TINY_NODE, 'ip link show type veth', () => ok(ipLinkShowVeths(nodet))),
    podLink: podLink(),
    state: state(tiny, TINY_NODE),
  };
  const tinyDel = delPod(tiny, TINY_NODE, 'flannel-tiny', last);
  const afterDel = {
    nodeVeths: cmd(TINY_NODE, 'ip link show type veth', () => ok(ipLinkShowVeths(nodet))),
    podLink: podLink(),
  };

  return {
    subnetEnv: SUBNET_ENV,
    delegate: norm.line(NODE, flannel.delegate()),
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

/**
 * The error a plugin built with containernetworking/cni 1.1.x prints: `code`, `msg`, `details` if any —
 * no `cniVersion` (added to types.Error in later libcni; OBSERVED-cni.md "ADD error").
 */
function pluginError(e: CniError): { code: number; msg: string; details?: string } {
  return e.details === undefined
    ? { code: e.code, msg: e.msg }
    : { code: e.code, msg: e.msg, details: e.details };
}

/** The bridge plugin's config from flannel's delegate bytes, for calling its DEL directly. */
function bridgeConf(delegate: string): BridgeConf {
  const net = JSON.parse(delegate) as Record<string, JsonValue>;
  const ipam = hostLocalConfigFrom(net);
  if (!ipam.ok) throw new Error(ipam.error.msg);
  return {
    cniVersion: ipam.value.cniVersion,
    name: ipam.value.name,
    bridge: 'cni0',
    isGateway: net['isGateway'] === true,
    isDefaultGateway: net['isDefaultGateway'] === true,
    ipMasq: net['ipMasq'] === true,
    mtu: typeof net['mtu'] === 'number' ? net['mtu'] : 0,
    hairpinMode: net['hairpinMode'] === true,
    ipam: ipam.value,
  };
}

/** `ip link show type veth` (no -d): the link line with `mode DEFAULT`, then `link/ether … [link-netns X]`. */
function ipLinkShowVeths(ns: NetNs): string {
  let out = '';
  for (const dev of ns.devices()) {
    if (dev.kind !== 'veth') continue;
    const j = describeLink(ns, dev);
    const peer = j.link_index !== undefined ? `@if${j.link_index}` : '';
    const master = j.master !== undefined ? ` master ${j.master}` : '';
    out += `${j.ifindex}: ${j.ifname}${peer}: <${j.flags.join(',')}> mtu ${j.mtu} qdisc ${j.qdisc}${master} state ${j.operstate} mode ${j.linkmode} group ${j.group}${j.txqlen > 0 ? ` qlen ${j.txqlen}` : ' '}\n`;
    out += `    link/${j.link_type} ${j.address} brd ${j.broadcast}${j.link_netns !== undefined ? ` link-netns ${j.link_netns}` : ''}\n`;
  }
  return out;
}

/** One captured frame as `tshark -T fields -e frame.len -e eth.src -e eth.dst -e eth.type -e _ws.col.Info` shows it. */
function tsharkFields(f: EthernetFrame, index: number, all: readonly EthernetFrame[]): CaptureFrame {
  const base = {
    src: formatMac(f.src),
    dst: formatMac(f.dst),
    ethertype: `0x${f.etherType.toString(16).padStart(4, '0')}`,
  };
  const p = f.payload;
  if (f.etherType === ETHERTYPE_ARP && p.kind === 'arp') {
    const info =
      p.op === 1
        ? `Who has ${formatIp4(p.targetIp)}? Tell ${formatIp4(p.senderIp)}`
        : `${formatIp4(p.senderIp)} is at ${formatMac(p.senderMac)}`;
    return { length: 14 + 28 + f.trailer.length, ...base, info };
  }
  if (f.etherType === ETHERTYPE_IPV4 && p.kind === 'ipv4') {
    const length = 14 + p.totalLength + f.trailer.length;
    const icmp = p.payload;
    if (icmp.kind === 'icmp' && (icmp.type === 8 || icmp.type === 0)) {
      const id = Math.floor(icmp.rest / 65536);
      const seq = icmp.rest % 65536;
      const le = ((seq & 0xff) << 8) | (seq >> 8);
      const fields = `id=0x${id.toString(16).padStart(4, '0')}, seq=${seq}/${le}, ttl=${p.ttl}`;
      if (icmp.type === 8) return { length, ...base, info: `Echo (ping) request  ${fields}` };
      // tshark -T fields is one pass: a reply names its request, a request never its reply.
      const req = all.findIndex((g, i) => {
        const q = g.payload;
        return (
          i < index &&
          q.kind === 'ipv4' &&
          q.payload.kind === 'icmp' &&
          q.payload.type === 8 &&
          q.payload.rest === icmp.rest &&
          q.src === p.dst
        );
      });
      const ref = req >= 0 ? ` (request in ${req + 1})` : '';
      return { length, ...base, info: `Echo (ping) reply    ${fields}${ref}` };
    }
    return { length, ...base, info: '' };
  }
  return { length: 14, ...base, info: '' };
}
