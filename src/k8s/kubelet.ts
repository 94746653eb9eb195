import type { CniAddResult, CniArgs, CniError, FlannelPlugin } from '../cni/index.js';
import type { NetNs } from '../net/index.js';
import { NetNs as Namespace } from '../net/index.js';
import type { Rng } from '../sim/index.js';
import { type Ip4, parseIp4 } from '../wire/index.js';

/** What the kubelet needs of a Pod object to give it a network. */
export interface PodDesc {
  readonly name: string;
  readonly namespace: string;
  readonly containers: readonly { readonly name: string }[];
  readonly hostNetwork: boolean;
  /** `podwire.io/mtu`: set eth0's MTU after CNI ADD, to show what a mismatched MTU does. */
  readonly mtu?: number;
}

/** A pod as the kubelet runs it: its network namespace, and its status as `kubectl get` shows it. */
export interface PodRecord {
  readonly desc: PodDesc;
  readonly node: string;
  /** The pod's network namespace (the node's own for hostNetwork pods). */
  readonly netns: NetNs;
  /** The sandbox (pause container) ID the runtime passes as CNI_CONTAINERID. */
  readonly containerId: string;
  readonly createdAt: number;
  status: PodStatus;
  /** CNI ADD's result, kept for `show` (undefined for hostNetwork pods and failed ADDs). */
  cniResult: CniAddResult | undefined;
}

/** Pod phase and the container state reason kubectl prints in STATUS. */
export interface PodStatus {
  readonly phase: 'Pending' | 'Running';
  /** `ContainerCreating` while the sandbox has no network. */
  readonly reason?: 'ContainerCreating';
  /** The event message of a failed sandbox, e.g. the CNI error. */
  readonly message?: string;
  readonly podIP?: Ip4;
}

/**
 * The part of the kubelet that wires pods into the fabric: a sandbox namespace per pod, CNI ADD through
 * the node's flannel plugin, CNI DEL on deletion. A failed ADD leaves the pod in ContainerCreating with
 * the runtime's "failed to setup network for sandbox" message, as kubectl describe shows it.
 */
export class Kubelet {
  private readonly records = new Map<string, PodRecord>();

  constructor(
    private readonly node: NetNs,
    private readonly nodeIp: Ip4,
    private readonly cni: FlannelPlugin,
  ) {}

  /** Pods on this node, in the order they were started. */
  pods(): readonly PodRecord[] {
    return [...this.records.values()];
  }

  pod(namespace: string, name: string): PodRecord | undefined {
    return this.records.get(`${namespace}/${name}`);
  }

  /** Creates the pod sandbox and runs CNI ADD (RunPodSandbox → setupPodNetwork). */
  runPod(desc: PodDesc): PodRecord {
    const sim = this.node.sim;
    const containerId = randomHex(sim.rng(`${this.node.name}/sandbox-ids`), 64);
    const base = { desc, node: this.node.name, containerId, createdAt: sim.now, cniResult: undefined };
    if (desc.hostNetwork) {
      const record: PodRecord = {
        ...base,
        netns: this.node,
        status: { phase: 'Running', podIP: this.nodeIp },
      };
      this.records.set(key(desc), record);
      return record;
    }
    const netns = new Namespace(sim, {
      name: desc.name,
      trace: this.node.trace,
      tracePrefix: `${this.node.name}/${desc.name}`,
    });
    const args: CniArgs = {
      containerId,
      netns,
      netnsPath: `/var/run/netns/cni-${containerId.slice(0, 8)}`,
      ifName: 'eth0',
    };
    const r = this.cni.add(args);
    const record: PodRecord = {
      ...base,
      netns,
      status: r.ok ? running(r.value) : creating(r.error, containerId),
    };
    if (r.ok) {
      record.cniResult = r.value;
      const eth0 = netns.deviceByName('eth0');
      if (desc.mtu !== undefined && eth0 !== undefined) eth0.mtu = desc.mtu;
    }
    this.records.set(key(desc), record);
    return record;
  }

  /** Deletes the pod: CNI DEL (frees the address, removes the veth pair). */
  deletePod(namespace: string, name: string): boolean {
    const record = this.records.get(`${namespace}/${name}`);
    if (record === undefined) return false;
    if (!record.desc.hostNetwork) {
      this.cni.del({ containerId: record.containerId, netns: record.netns, netnsPath: '', ifName: 'eth0' });
    }
    this.records.delete(`${namespace}/${name}`);
    return true;
  }
}

function key(desc: PodDesc): string {
  return `${desc.namespace}/${desc.name}`;
}

function running(result: CniAddResult): PodStatus {
  const addr = result.ips?.[0]?.address.split('/')[0];
  const ip = addr === undefined ? undefined : parseIp4(addr);
  return ip === undefined ? { phase: 'Running' } : { phase: 'Running', podIP: ip };
}

/** containerd's event text for a sandbox whose network setup failed (kubectl describe pod, Events). */
function creating(error: CniError, sandbox: string): PodStatus {
  return {
    phase: 'Pending',
    reason: 'ContainerCreating',
    message:
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${sandbox}": ` +
      `plugin type="flannel" failed (add): ${error.msg}`,
  };
}

/** A container ID: 64 hex digits, as containerd makes them. */
function randomHex(rng: Rng, digits: number): string {
  let s = '';
  while (s.length < digits) s += rng.u32().toString(16).padStart(8, '0');
  return s.slice(0, digits);
}
