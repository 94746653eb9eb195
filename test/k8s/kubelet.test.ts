import { describe, expect, it } from 'vitest';
import { Ping } from '../../src/apps/index.js';
import { BridgePlugin, FlannelPlugin } from '../../src/cni/index.js';
import { Kubelet } from '../../src/k8s/index.js';
import { NetNs } from '../../src/net/index.js';
import { SECOND, Sim, TraceBus } from '../../src/sim/index.js';
import { type EthernetFrame, ip4 } from '../../src/wire/index.js';

function kubelet(subnetLen = 24) {
  const sim = new Sim({ seed: 1 });
  const node = new NetNs(sim, { name: 'node1', trace: new TraceBus<EthernetFrame>() });
  const env = {
    network: ip4('10.244.0.0'),
    networkLen: 16,
    subnet: ip4('10.244.1.1'),
    subnetLen,
    mtu: 1450,
    ipmasq: true,
  };
  return { node, k: new Kubelet(node, ip4('192.168.56.11'), new FlannelPlugin(new BridgePlugin(node), env)) };
}

const pod = (name: string, extra: { hostNetwork?: boolean; mtu?: number } = {}) => ({
  name,
  namespace: 'default',
  containers: [{ name: 'app' }],
  hostNetwork: extra.hostNetwork ?? false,
  ...(extra.mtu !== undefined ? { mtu: extra.mtu } : {}),
});

describe('Kubelet', () => {
  it('runs each pod in its own namespace with the address CNI gave it', () => {
    const { k } = kubelet();
    const a = k.runPod(pod('pa'));
    expect(a.status).toEqual({ phase: 'Running', podIP: ip4('10.244.1.2') });
    expect(a.netns.deviceByName('eth0')?.mtu).toBe(1450);
    expect(a.containerId).toMatch(/^[0-9a-f]{64}$/);
  });

  it("lets a pod's containers reach each other over the pod's own lo (one namespace per pod)", () => {
    const { node, k } = kubelet();
    const a = k.runPod(pod('pa'));
    const ping = new Ping(a.netns, {
      dst: ip4('127.0.0.1'),
      count: 1,
      intervalNs: SECOND,
      size: 56,
      ttl: 64,
      pmtudisc: 'want',
    });
    ping.start();
    node.sim.run({ until: SECOND });
    expect(ping.result().received).toBe(1);
    expect(a.netns.deviceByName('lo')?.kind).toBe('loopback');
  });

  it('gives a hostNetwork pod the node namespace and IP', () => {
    const { node, k } = kubelet();
    const h = k.runPod(pod('h', { hostNetwork: true }));
    expect(h.netns).toBe(node);
    expect(h.status.podIP).toBe(ip4('192.168.56.11'));
  });

  it('applies podwire.io/mtu to eth0 after CNI', () => {
    const { k } = kubelet();
    expect(k.runPod(pod('pm', { mtu: 1500 })).netns.deviceByName('eth0')?.mtu).toBe(1500);
  });

  it('leaves a pod in ContainerCreating with the CNI error when the node is out of addresses', () => {
    const { k } = kubelet(29);
    for (const n of ['a', 'b', 'c', 'd', 'e']) expect(k.runPod(pod(n)).status.phase).toBe('Running');
    const f = k.runPod(pod('f'));
    expect(f.status.phase).toBe('Pending');
    expect(f.status.reason).toBe('ContainerCreating');
    expect(f.status.message).toContain(
      'plugin type="flannel" failed (add): failed to allocate for range 0: no IP addresses available in range set: 10.244.1.1-10.244.1.6',
    );
  });

  it('deleting a pod runs CNI DEL and frees its address', () => {
    const { node, k } = kubelet();
    k.runPod(pod('pa'));
    const before = node.devices().length;
    expect(k.deletePod('default', 'pa')).toBe(true);
    expect(node.devices().length).toBe(before - 1);
    expect(k.pod('default', 'pa')).toBeUndefined();
  });
});
