/**
 * The control plane of one cluster, wired: the API store with its registry strategies, the scheduler,
 * the workload, endpoints, node lifecycle and taint-eviction controllers, one kube-proxy per node fed by
 * a shared watch, and per node a kubelet that runs the pods bound to it through CNI and its heartbeat.
 * Optional parts (CoreDNS's zone) plug in through `use()`. Everything reacts to watch events through the simulator's queue, so the whole
 * control plane shares the packets' timeline.
 */

import type { NetNs } from '../../net/index.js';
import type { IpSets, Netfilter } from '../../netfilter/index.js';
import type { Sim } from '../../sim/index.js';
import { formatIp4, type Ip4 } from '../../wire/index.js';
import { ControlPlaneContext, DEFAULT_TIMINGS, type Taint, type Timings } from '../api/index.js';
import { SharedInformers, startWorkloadControllers } from '../controllers/index.js';
import { KubeProxyNode, KubeProxyRules, type ProxyConfig } from '../kube-proxy/index.js';
import type { Kubelet, PodRecord } from '../kubelet.js';
import { NodeHeartbeat, NodeLifecycleController, TaintEvictionController } from '../node-lifecycle/index.js';
import { SchedulerController } from '../scheduler/index.js';
import { ApiStore } from '../store/index.js';
import { EndpointsController } from './endpoints-controller.js';
import { KubeProxyFeed, ProxyRunner } from './kube-proxy-agent.js';
import { KubeletAgent } from './kubelet-agent.js';
import { installRegistry, type ServiceAllocators } from './registry.js';
import { ContainerRuntime } from './runtime.js';

/** A node as the control plane registers it: its machine, its kubelet and kube-proxy's configuration. */
export interface ControlPlaneNode {
  readonly name: string;
  readonly ip: Ip4;
  readonly ns: NetNs;
  readonly kubelet: Kubelet;
  readonly netfilter: Netfilter;
  readonly ipsets: IpSets;
  readonly role: 'control-plane' | 'worker';
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** `status.capacity` quantities as written (`"4"`, `"8Gi"`). */
  readonly capacity: { readonly cpu: string; readonly memory: string };
  readonly podCIDR: string;
  readonly proxy: ProxyConfig;
  /** The node's addresses as kube-proxy reads them at each sync (see KubeProxyNodeOptions.nodeIPs). */
  readonly nodeIPs?: () => readonly Ip4[];
}

/** A component started with the control plane (scheduler, controllers, CoreDNS's zone). */
export interface Component {
  start(): unknown;
}

export interface ControlPlaneOptions {
  readonly serviceCIDR: { readonly network: Ip4; readonly prefixLen: number };
  readonly timings?: Partial<Timings>;
}

/** What `status.nodeInfo` reports: the versions of a current kubeadm node. */
export const NODE_INFO = {
  architecture: 'amd64',
  containerRuntimeVersion: 'containerd://1.7.24',
  kernelVersion: '6.1.0-28-amd64',
  kubeProxyVersion: '',
  kubeletVersion: 'v1.34.1',
  operatingSystem: 'linux',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
} as const;

export class ControlPlane {
  readonly ctx: ControlPlaneContext;
  readonly store: ApiStore;
  readonly allocators: ServiceAllocators;
  readonly rules = new KubeProxyRules();
  readonly runtime = new ContainerRuntime();
  readonly kubelets = new Map<string, KubeletAgent>();
  readonly proxies = new Map<string, ProxyRunner>();
  readonly scheduler: SchedulerController;
  /** Each node's kubelet heartbeat: a failed node stops renewing its Lease, so the controller notices. */
  private readonly heartbeats = new Map<string, NodeHeartbeat>();
  private readonly feed: KubeProxyFeed;
  private readonly components: Component[] = [];
  private started = false;

  constructor(
    sim: Sim,
    options: ControlPlaneOptions,
    /** The pods running on the nodes, by `namespace/name`, as the kubelets keep them. */
    readonly pods: Map<string, PodRecord>,
  ) {
    this.store = new ApiStore(sim);
    this.ctx = new ControlPlaneContext(sim, this.store, { ...DEFAULT_TIMINGS, ...options.timings });
    this.allocators = installRegistry(
      this.store,
      options.serviceCIDR,
      sim.rng('apiserver/service-alloc'),
      this.ctx.timings.defaultTolerationSeconds,
    );
    this.scheduler = new SchedulerController(this.ctx);
    // kube-controller-manager's controllers share one informer per kind (its SharedInformerFactory):
    // every pod change is delivered once to all of them, in the order they start.
    const kcm = new SharedInformers(this.ctx);
    this.components.push(
      this.scheduler,
      new EndpointsController(this.ctx, kcm),
      { start: () => startWorkloadControllers(this.ctx, kcm) },
      new NodeLifecycleController(this.ctx, {}, kcm),
      new TaintEvictionController(this.ctx, kcm),
    );
    this.feed = new KubeProxyFeed(this.ctx, this.rules);
  }

  /** Adds a component (started with the others, in the order added). */
  use(component: Component): this {
    this.components.push(component);
    if (this.started) component.start();
    return this;
  }

  /** Registers a node: its Node object, kubelet and kube-proxy. */
  addNode(n: ControlPlaneNode): void {
    this.store.create(nodeObject(n));
    const agent = new KubeletAgent(this.ctx, n, this.runtime, this.pods);
    this.kubelets.set(n.name, agent);
    const proxyNode = new KubeProxyNode({
      ns: n.ns,
      nf: n.netfilter,
      sets: n.ipsets,
      config: n.proxy,
      ...(n.nodeIPs !== undefined ? { nodeIPs: n.nodeIPs } : {}),
    });
    const runner = new ProxyRunner(this.ctx, proxyNode, this.rules);
    this.proxies.set(n.name, runner);
    const heartbeat = new NodeHeartbeat(this.ctx, n.name);
    this.heartbeats.set(n.name, heartbeat);
    if (this.started) {
      agent.start();
      this.feed.add(runner);
      heartbeat.start();
    }
  }

  /** Starts every component, kubelet and kube-proxy (informers list and watch from here). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const c of this.components) c.start();
    this.feed.start();
    for (const agent of this.kubelets.values()) agent.start();
    for (const runner of this.proxies.values()) this.feed.add(runner);
    for (const h of this.heartbeats.values()) h.start();
  }

  /**
   * Brings the objects created so far to their steady state at the current time (no delays), then
   * switches to the configured timings. Returns the events it ran.
   */
  settle(maxEvents = 50_000_000): number {
    this.ctx.settling = true;
    // Only what is due now: timers the settling components set for later (a Deployment's progress
    // deadline) stay pending for the scenario.
    let events = 0;
    for (;;) {
      events += this.ctx.sim.run({ until: this.ctx.sim.now, maxEvents }).events;
      if (!this.feed.flushDeferred()) break;
    }
    this.ctx.settling = false;
    return events;
  }

  /** The node stops: kubelet, heartbeat and kube-proxy (the caller takes its links down). */
  failNode(name: string): boolean {
    const agent = this.kubelets.get(name);
    if (agent === undefined || agent.failed) return false;
    agent.fail();
    this.proxies.get(name)?.stop();
    this.heartbeats.get(name)?.stop();
    return true;
  }

  /** The node is back: heartbeat, kubelet (catching up with the store) and kube-proxy resume. */
  recoverNode(name: string): boolean {
    const agent = this.kubelets.get(name);
    if (agent === undefined || !agent.failed) return false;
    this.heartbeats.get(name)?.start();
    agent.recover();
    this.proxies.get(name)?.resume();
    return true;
  }
}

/** The Node object a kubelet registers (plus the podCIDR the node IPAM controller assigns). */
function nodeObject(n: ControlPlaneNode) {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
    ...(n.role === 'control-plane'
      ? {
          'node-role.kubernetes.io/control-plane': '',
          'node.kubernetes.io/exclude-from-external-load-balancers': '',
        }
      : {}),
    ...n.labels,
  };
  const resources = {
    cpu: n.capacity.cpu,
    memory: n.capacity.memory,
    pods: '110',
    'ephemeral-storage': '61202244Ki',
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      labels,
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: n.podCIDR,
      podCIDRs: [n.podCIDR],
      ...(n.taints.length > 0 ? { taints: n.taints } : {}),
    },
    status: {
      capacity: resources,
      allocatable: resources,
      addresses: [
        { type: 'InternalIP', address: formatIp4(n.ip) },
        { type: 'Hostname', address: n.name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: 0,
          lastTransitionTime: 0,
        },
      ],
      nodeInfo: NODE_INFO,
    },
  };
}
