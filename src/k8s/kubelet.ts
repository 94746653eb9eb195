import type { BridgeAdded, CniAddResult, CniArgs, CniError, FlannelPlugin } from '../cni/index.js';
import type { NetNs } from '../net/index.js';
import { NetNs as Namespace } from '../net/index.js';
import type { Rng } from '../sim/index.js';
import { hex32, type Ip4 } from '../wire/index.js';

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
  readonly cniResult: CniAddResult | undefined;
}

/**
 * A pod record as the kubelet keeps it: one class for all (one hidden class), holding ADD's result in
 * the plugin's compact form and rendering the CNI records when `cniResult` is read (`show`, the graph).
 */
class KeptPod implements PodRecord {
  constructor(
    readonly desc: PodDesc,
    readonly node: string,
    readonly netns: NetNs,
    readonly containerId: string,
    readonly createdAt: number,
    public status: PodStatus,
    private readonly added: BridgeAdded | undefined,
  ) {}

  get cniResult(): CniAddResult | undefined {
    return this.added?.result();
  }
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
  /** `<node>/sandbox-ids`, fetched once: sim.rng hashes and looks up the name on every call. */
  private sandboxIds: Rng | undefined;

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
    this.sandboxIds ??= sim.rng(`${this.node.name}/sandbox-ids`);
    const containerId = randomHex(this.sandboxIds, 64);
    const createdAt = sim.now;
    if (desc.hostNetwork) {
      const status: PodStatus = { phase: 'Running', podIP: this.nodeIp };
      return this.keep(
        new KeptPod(desc, this.node.name, this.node, containerId, createdAt, status, undefined),
      );
    }
    // Strings the pod keeps are joined, not concatenated: `+` and templates of 13 characters or more
    // make V8 ropes, cons cells that stay beside the pieces for the pod's life.
    const netns = new Namespace(sim, {
      name: desc.name,
      trace: this.node.trace,
      tracePrefix: [this.node.name, desc.name].join('/'),
    });
    const args: CniArgs = {
      containerId,
      netns,
      netnsPath: ['/var/run/netns/cni-', containerId.slice(0, 8)].join(''),
      ifName: 'eth0',
    };
    const r = this.cni.addPod(args);
    // The pod IP is the result's first address (`ips[0].address`), taken as the number it was made from.
    const status: PodStatus = r.ok
      ? { phase: 'Running', podIP: r.value.ip.address }
      : creating(r.error, containerId);
    if (r.ok && desc.mtu !== undefined) {
      const eth0 = netns.deviceByName('eth0');
      if (eth0 !== undefined) eth0.mtu = desc.mtu;
    }
    const added = r.ok ? r.value : undefined;
    return this.keep(new KeptPod(desc, this.node.name, netns, containerId, createdAt, status, added));
  }

  private keep(record: KeptPod): PodRecord {
    this.records.set(key(record.desc), record);
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

/** A container ID: 64 hex digits, as containerd makes them (each u32 draw gives 8, most significant first). */
function randomHex(rng: Rng, digits: number): string {
  const parts: string[] = [];
  for (let n = 0; n < digits; n += 8) parts.push(hex32(rng.u32()));
  // Joined: one flat string the pod keeps (`+=` left a rope several times the 64 characters).
  const s = parts.join('');
  return s.length === digits ? s : s.slice(0, digits);
}
