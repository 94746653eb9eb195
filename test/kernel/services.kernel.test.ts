/**
 * Kernel comparison of Services in kube-proxy's iptables mode (services-cases.ts: what is compared;
 * services-lab.ts: the kernel side; services-sim.ts: the simulator's). The ruleset podwire's kube-proxy
 * generates for one node is printed by podwire, loaded into a network namespace with the real
 * iptables-restore and printed back by iptables-save; then the same connections (pod → ClusterIP, hairpin,
 * node → ClusterIP, external → ClusterIP and NodePort with both traffic policies, Services without
 * endpoints) are made in the kernel and in the simulator, and their DNAT target, masquerade decision and
 * source, conntrack entry and ICMP errors must be equal.
 *
 * Part 1 (always) runs the simulator against the kernel facts recorded in OBSERVED-services.md. Part 2
 * (root, iptables-nft, python3, ss, br_netfilter) observes the kernel and compares. IPVS mode is skipped
 * here (see the last describe). PODWIRE_NO_KERNEL=1 forces the skips. Every namespace and process the
 * lab starts is removed, also when a test fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KernelAvailability, kernelAvailable, Lab } from './netns.js';
import {
  CASES,
  type CaseObservation,
  CNI0,
  EXT,
  MULTI_ATTEMPTS,
  NODE1,
  nodeSave,
  PA,
  PB,
  REMOTE,
  type ServicesObservation,
  saveStructure,
  withZeroCounters,
} from './services-cases.js';
import { buildServicesLab, observeServicesKernel } from './services-lab.js';
import { kubeProxyNodeSave, simulateServices } from './services-sim.js';

function servicesAvailable(): KernelAvailability {
  const kernel = kernelAvailable();
  if (!kernel.ok) return kernel;
  try {
    const v = execFileSync('iptables-restore', ['--version'], { encoding: 'utf8', stdio: 'pipe' });
    if (!v.includes('nf_tables')) return { ok: false, reason: `iptables is not iptables-nft: ${v.trim()}` };
  } catch {
    return { ok: false, reason: 'iptables-restore not installed (apt-get install -y iptables)' };
  }
  const missing = ['python3', 'ss'].filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  if (missing.length > 0) return { ok: false, reason: `missing binaries: ${missing.join(', ')}` };
  // Without br_netfilter a pod's reply to a pod on the same bridge skips conntrack and is never un-DNATed.
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables'))
    return { ok: false, reason: 'br_netfilter not loaded (modprobe br_netfilter)' };
  return { ok: true };
}

const avail = servicesAvailable();
if (!avail.ok) console.warn(`services kernel comparison skipped: ${avail.reason}`);

const SINGLE = CASES.filter((c) => c.dport !== 30080);
const MULTI = CASES.filter((c) => c.dport === 30080);

/**
 * What the kernel did for each single-endpoint connection (OBSERVED-services.md): outcome, DNAT target,
 * whether KUBE-POSTROUTING masqueraded it, the source the server saw.
 */
const KERNEL_FACTS: Readonly<Record<string, readonly [string, string | null, boolean, string | null]>> = {
  'pod → ClusterIP, local endpoint': ['reply', `${PB}:8080`, false, PA],
  'pod → ClusterIP, remote endpoint': ['reply', `${REMOTE}:8080`, false, PA],
  'pod → ClusterIP (UDP)': ['reply', `${PB}:5353`, false, PA],
  // The endpoint reaching itself: KUBE-SEP's `-s EP -j KUBE-MARK-MASQ`, masqueraded to cni0's address.
  'hairpin: endpoint → own ClusterIP': ['reply', `${PB}:8080`, true, CNI0],
  // Sent from 192.168.56.11 (route via eth0); the DNAT in OUTPUT re-routes it out of cni0.
  'node → ClusterIP, local endpoint': ['reply', `${PB}:8080`, true, CNI0],
  // Masqueraded too, to the address it already had: only the port changes (--random-fully).
  'node → ClusterIP, remote endpoint': ['reply', `${REMOTE}:8080`, true, NODE1],
  'external → ClusterIP': ['reply', `${PB}:8080`, true, CNI0],
  'external → NodePort, ETP Local': ['reply', `${PB}:8080`, false, EXT],
  'pod → NodePort, ETP Local': ['reply', `${PB}:8080`, false, PA],
  'external → NodePort, ETP Local without local endpoints': ['timeout', null, false, null],
  'pod → ClusterIP without endpoints': ['ECONNREFUSED', null, false, null],
  'external → NodePort without endpoints': ['ECONNREFUSED', null, false, null],
};

/** ICMP errors the clients received (all port unreachable, from the address the kernel chose). */
const ICMP_FACTS: Readonly<Record<string, string>> = {
  'pod → ClusterIP without endpoints': `${CNI0} 3/3`,
  'external → NodePort without endpoints': `${NODE1} 3/3`,
};

/** np-cluster (ETP Cluster, endpoints on node1 and behind node2): the target decides the masquerade source. */
const MULTI_PAIRS = [`${PB}:8080 from ${CNI0}`, `${REMOTE}:8080 from ${NODE1}`];

/**
 * What must be equal between kernel and simulator: everything, except the source port of a masqueraded
 * connection — MASQUERADE --random-fully draws it (the kernel from its PRNG, the simulator from its seeded
 * one), so it may equal the client's port by chance on either side.
 */
function comparable(o: CaseObservation): CaseObservation {
  return o.masquerade ? { ...o, sourcePortKept: null } : o;
}

/** One observation against the kernel facts: outcome, target, masquerade, source, conntrack, ICMP, ports. */
function expectKernelFacts(o: ServicesObservation): void {
  for (const c of SINGLE) {
    const seen = o.cases[CASES.indexOf(c)] as CaseObservation;
    const [outcome, target, masquerade, source] = KERNEL_FACTS[c.name] ?? [];
    expect([seen.outcome, seen.target, seen.masquerade, seen.source], c.name).toEqual([
      outcome,
      target,
      masquerade,
      source,
    ]);
    expect(
      seen.icmp.map((e) => `${e.src} ${e.type}/${e.code}`),
      c.name,
    ).toEqual(ICMP_FACTS[c.name] === undefined ? [] : [ICMP_FACTS[c.name]]);
    // conntrack's reply tuple comes from the target and goes to the (masqueraded) source; a closed TCP
    // connection is in TIME_WAIT, a UDP exchange shows neither [UNREPLIED] nor (yet) [ASSURED].
    const state = c.proto === 'tcp' ? 'TIME_WAIT [ASSURED]' : '';
    expect(seen.conntrack, c.name).toEqual(
      target === null ? null : { replySrc: target, replyDst: source, state },
    );
    if (target !== null && !seen.masquerade) expect(seen.sourcePortKept, c.name).toBe(true);
  }
}

function multiPairs(o: ServicesObservation): string[] {
  const pairs = MULTI.map((c) => o.cases[CASES.indexOf(c)]).map((s) => `${s?.target} from ${s?.source}`);
  return [...new Set(pairs)].sort();
}

describe('services lab: the simulator against the recorded kernel facts', () => {
  const sim = simulateServices();

  it("podwire's print of the node's ruleset loads into the simulated node and prints back the same", () => {
    expect(sim.save).toBe(nodeSave());
  });

  it('KubeProxyNode.sync leaves a fresh node with that same ruleset', () => {
    expect(kubeProxyNodeSave()).toBe(nodeSave());
  });

  it('DNAT target, masquerade decision and source, conntrack entry and REJECT as the kernel showed them', () => {
    expectKernelFacts(sim);
  });

  it('np-cluster: both endpoints reached, each with its own masquerade source, ports drawn at random', () => {
    expect(multiPairs(sim)).toEqual(MULTI_PAIRS);
    for (const c of MULTI) {
      const s = sim.cases[CASES.indexOf(c)];
      expect(s?.conntrack, c.name).toEqual({
        replySrc: s?.target,
        replyDst: s?.source,
        state: 'TIME_WAIT [ASSURED]',
      });
      expect([s?.masquerade, s?.sourcePortKept], c.name).toEqual([true, false]);
    }
  });
});

describe.runIf(!avail.ok)('kernel: services (iptables mode)', () => {
  it.skip(`services kernel comparison skipped: ${avail.ok ? '' : avail.reason}`, () => {});
});

describe.skipIf(!avail.ok)('kernel: services (iptables mode)', () => {
  let lab: Lab | undefined;
  let kernel: ServicesObservation;
  let sim: ServicesObservation;

  beforeAll(async () => {
    sim = simulateServices();
    lab = new Lab();
    try {
      buildServicesLab(lab);
      kernel = await observeServicesKernel(lab);
    } finally {
      lab.cleanup();
    }
  }, 120_000);

  afterAll(() => {
    lab?.cleanup();
  });

  it("iptables-restore takes podwire's print and iptables-save prints exactly it back", () => {
    // Exactly, but for the policy counters, which may already count the lab's own traffic.
    expect(withZeroCounters(kernel.save)).toBe(nodeSave());
  });

  it("podwire's kube-proxy installs on its own node what the kernel printed", () => {
    expect(kubeProxyNodeSave()).toBe(withZeroCounters(kernel.save));
  });

  it('structurally the same ruleset: tables, chains with policies, rules per chain', () => {
    const k = saveStructure(kernel.save);
    expect(k.map((t) => t.name)).toEqual(['mangle', 'filter', 'nat']);
    expect(k).toEqual(saveStructure(sim.save));
  });

  it('the kernel still shows the recorded facts', () => {
    expectKernelFacts(kernel);
  });

  it('every single-endpoint connection: the simulator equals the kernel', () => {
    for (const c of SINGLE) {
      const i = CASES.indexOf(c);
      const k = kernel.cases[i] as CaseObservation;
      const s = sim.cases[i] as CaseObservation;
      expect(comparable(s), c.name).toEqual(comparable(k));
    }
  });

  it(`np-cluster over ${MULTI_ATTEMPTS} connections: the same (target, masquerade source) pairs on both sides`, () => {
    // Each endpoint is drawn with probability 1/2: the kernel misses one with probability 2^-15.
    expect(multiPairs(kernel)).toEqual(MULTI_PAIRS);
    expect(multiPairs(kernel)).toEqual(multiPairs(sim));
    for (const c of MULTI) {
      const k = kernel.cases[CASES.indexOf(c)];
      expect(k?.conntrack, c.name).toEqual({
        replySrc: k?.target,
        replyDst: k?.source,
        state: 'TIME_WAIT [ASSURED]',
      });
      expect(k?.masquerade, c.name).toBe(true);
    }
  });
});

/**
 * IPVS mode needs the ip_vs module (/proc/net/ip_vs), ipvsadm, and a dummy device for kube-ipvs0; the
 * comparison for it is not written yet — it could not be checked on the machine this lab was built on.
 */
describe('kernel: services (IPVS mode)', () => {
  const reason = existsSync('/proc/net/ip_vs')
    ? 'not written yet: the lab machine had no IPVS to check it against'
    : 'the kernel has no IPVS (/proc/net/ip_vs missing; modprobe ip_vs)';
  it.skip(`IPVS kernel comparison skipped: ${reason}`, () => {});
});
