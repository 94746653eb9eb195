import { Bridge, NetNs, type Veth, vethPair } from '../../src/net/index.js';
import { Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, ip4, type Mac, parseMac } from '../../src/wire/index.js';

/** One pod: its namespace, its `eth0`, and the host end of its veth (a port of cni0). */
export interface LabPod {
  readonly ns: NetNs;
  readonly eth0: Veth;
  readonly host: Veth;
  readonly ip: number;
}

/** A node namespace holding cni0 (10.244.1.1/24) with pods enslaved to it, as the CNI bridge plugin builds it. */
export interface BridgeLab {
  readonly sim: Sim;
  readonly trace: TraceBus<EthernetFrame>;
  readonly node: NetNs;
  readonly cni0: Bridge;
  readonly pods: readonly LabPod[];
}

export interface PodSpec {
  /** Host end name, e.g. `veth1a`. */
  readonly host: string;
  readonly hostMac: string;
  readonly podMac: string;
  /** Name of the pod's namespace (`link-netns` of the host end). */
  readonly netns: string;
  /** Simulated time at which the veth is created and enslaved, ns (default: now). */
  readonly at?: number;
}

export function mac(text: string): Mac {
  const m = parseMac(text);
  if (m === undefined) throw new RangeError(`bad MAC ${text}`);
  return m;
}

/** Builds node1 with cni0 and one pod per spec (pod i gets 10.244.1.(i+2)/24, default via 10.244.1.1). */
export function bridgeLab(
  cni0Mac: string,
  pods: readonly PodSpec[],
  options: { mtu?: number } = {},
): BridgeLab {
  const sim = new Sim({ seed: 1 });
  const trace = new TraceBus<EthernetFrame>();
  const node = new NetNs(sim, { name: 'node1', trace });
  const mtu = options.mtu ?? 1500;
  const cni0 = new Bridge(sim, node.deviceOptions('cni0', mac(cni0Mac), mtu));
  node.attach(cni0);
  node.addAddress('cni0', ip4('10.244.1.1'), 24);
  const out: LabPod[] = [];
  pods.forEach((spec, i) => {
    if (spec.at !== undefined) sim.run({ until: spec.at });
    const ns = new NetNs(sim, { name: spec.netns, trace, tracePrefix: `node1/${spec.netns}` });
    const [host, eth0] = vethPair(
      sim,
      node.deviceOptions(spec.host, mac(spec.hostMac), 1500),
      ns.deviceOptions('eth0', mac(spec.podMac), 1500),
    );
    host.peerNetns = ns.name;
    eth0.peerNetns = node.name;
    node.attach(host);
    ns.attach(eth0);
    cni0.addPort(host);
    const ip = ip4(`10.244.1.${i + 2}`);
    ns.addAddress('eth0', ip, 24);
    ns.addRoute({ dst: 0, prefixLen: 0, gateway: ip4('10.244.1.1'), dev: 'eth0' });
    out.push({ ns, eth0, host, ip });
  });
  return { sim, trace, node, cni0, pods: out };
}

/** Three pods with simple MACs: pods 02:00:00:00:00:0N, host ends 02:00:00:00:01:0N, cni0 02:00:00:00:00:ff. */
export function threePods(): BridgeLab {
  return bridgeLab(
    '02:00:00:00:00:ff',
    [1, 2, 3].map((n) => ({
      host: `veth${n}`,
      hostMac: `02:00:00:00:01:0${n}`,
      podMac: `02:00:00:00:00:0${n}`,
      netns: `p${n}`,
    })),
  );
}
