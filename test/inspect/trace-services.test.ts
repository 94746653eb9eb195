import { describe, expect, it } from 'vitest';
import type { NatStep, NfRuleStep, TraceReport } from '../../src/inspect/index.js';
import type { Cluster } from '../../src/topology/index.js';
import { formatIp4 } from '../../src/wire/index.js';
import { hookRuns, rulesOn, SERVICES, steps, traceIn } from './trace-helpers.js';

// topologies/services.yaml with kube-proxy in iptables mode (reference/kube-proxy.md): a connection's
// first packet to a ClusterIP walks nat PREROUTING → KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-… (DNAT);
// from outside to a NodePort it goes KUBE-SERVICES → KUBE-NODEPORTS → KUBE-EXT-… (KUBE-MARK-MASQ) →
// KUBE-SVC-… → KUBE-SEP-…, and KUBE-POSTROUTING masquerades it to the address of the device it leaves
// by; a Service without endpoints is REJECTed in filter KUBE-SERVICES with an ICMP port unreachable. The
// reply is rewritten back by conntrack alone.

const WEB_PODS = ['web-a', 'web-b', 'web-c'];

/** The pod (`node2/web-b`) that owns an address. */
function podAt(cluster: Cluster, ip: string): string | undefined {
  for (const p of cluster.pods.values())
    if (p.status.podIP !== undefined && formatIp4(p.status.podIP) === ip) return `${p.node}/${p.desc.name}`;
  return undefined;
}

function clusterIP(cluster: Cluster, name: string): string {
  const ip = cluster.services.clusterIP('default', name);
  if (ip === undefined) throw new Error(`no ClusterIP for ${name}`);
  return formatIp4(ip);
}

/** The NAT steps of one packet on one host (the packet's own, not its carrier's). */
function natsOn(report: TraceReport, packet: 0 | 1, host: string): NatStep[] {
  return steps(report, packet).filter((s): s is NatStep => s.kind === 'nat' && s.host === host && !s.outer);
}

/** The nat-table rules one host matched at PREROUTING for the packet itself. */
function natPrerouting(report: TraceReport, host: string): NfRuleStep[] {
  return steps(report, 0).filter(
    (s): s is NfRuleStep =>
      s.kind === 'nf-rule' && s.host === host && !s.outer && s.table === 'nat' && s.hook === 'PREROUTING',
  );
}

/** The chain a rule jumps to (`-j KUBE-SVC-…`), or undefined. */
function jumpOf(rule: string): string | undefined {
  return /-j (KUBE-[A-Z0-9-]+)$/.exec(rule)?.[1];
}

describe('traceFlow() pod to a ClusterIP Service over TCP (services.yaml)', () => {
  const { cluster, report } = traceIn(SERVICES, 'pod/client', 'svc/web:80', { proto: 'tcp', port: 80 });
  const vip = clusterIP(cluster, 'web');
  const [request, reply] = report.packets;
  const dnat = natsOn(report, 0, 'node1')[0];
  const backend = dnat?.to.split(':')[0] ?? '';

  it('sends a SYN to the ClusterIP and gets the SYN-ACK back from it', () => {
    expect(request?.summary).toMatch(
      new RegExp(
        `^TCP 10\\.244\\.0\\.2:\\d+ > ${vip.replaceAll('.', '\\.')}:80 \\[S\\] seq \\d+, ttl 64, length 60, DF$`,
      ),
    );
    expect(reply?.summary).toMatch(
      /^TCP 10\.244\.\d+\.\d+:8080 > 10\.244\.0\.2:\d+ \[S\.\] seq \d+ ack \d+, /,
    );
  });

  it('walks KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-… on node1 and DNATs to one web pod', () => {
    const rules = natPrerouting(report, 'node1');
    expect(rules[0]?.rule).toBe(
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    );
    expect(rules[0]).toMatchObject({ chain: 'PREROUTING', num: 1 });
    const [, services, svc, sep] = rules;
    expect(services?.chain).toBe('KUBE-SERVICES');
    expect(services?.rule).toContain(
      `-d ${vip}/32 -p tcp -m comment --comment "default/web:http cluster IP"`,
    );
    const svcChain = jumpOf(services?.rule ?? '');
    expect(svcChain).toMatch(/^KUBE-SVC-[A-Z0-9]{16}$/);
    expect(svc?.chain).toBe(svcChain);
    const sepChain = jumpOf(svc?.rule ?? '');
    expect(sepChain).toMatch(/^KUBE-SEP-[A-Z0-9]{16}$/);
    expect(svc?.rule).toContain(`--comment "default/web:http -> ${backend}:8080"`);
    // The endpoint's chain DNATs; the client's address is no endpoint's, so no KUBE-MARK-MASQ (hairpin).
    expect(sep?.chain).toBe(sepChain);
    expect(sep?.rule).toMatch(new RegExp(`-j DNAT --to-destination ${backend.replaceAll('.', '\\.')}:8080$`));
    expect(rules).toHaveLength(4);
    expect(dnat).toMatchObject({
      hook: 'PREROUTING',
      direction: 'original',
      manip: 'dst',
      target: 'DNAT',
      from: `${vip}:80`,
      to: `${backend}:8080`,
    });
    expect(WEB_PODS.map((p) => `node${p === 'web-a' ? 1 : 2}/${p}`)).toContain(podAt(cluster, backend));
  });

  it('is delivered to the chosen pod on port 8080, where nothing NATs it again', () => {
    expect(request?.fate).toMatchObject({
      kind: 'delivered',
      host: podAt(cluster, backend),
      to: 'tcp-socket',
      port: 8080,
    });
    const natHosts = steps(report, 0)
      .filter((s) => s.kind === 'nat')
      .map((s) => s.host);
    expect(natHosts).toEqual(['node1']);
  });

  it('keeps the client unmasqueraded: KUBE-POSTROUTING returns, FLANNEL-POSTRTG returns', () => {
    const post = rulesOn(report, 0, 'node1').filter((r) => r.startsWith('nat ') && r.includes('POSTR'));
    expect(post).toContain(
      'nat KUBE-POSTROUTING #1 -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    );
    expect(post.some((r) => r.includes('MASQUERADE'))).toBe(false);
  });

  it('comes back through conntrack: the reply direction of the entry, the DNAT undone at POSTROUTING', () => {
    const ct = steps(report, 1).filter((s) => s.kind === 'conntrack' && s.host === 'node1' && !s.outer);
    expect(ct).toHaveLength(1);
    expect(ct[0]).toMatchObject({
      hook: 'PREROUTING',
      state: 'established',
      replyDir: true,
      ctstate: 'ESTABLISHED',
    });
    expect(natsOn(report, 1, 'node1')).toMatchObject([
      { hook: 'POSTROUTING', direction: 'reply', manip: 'src', from: `${backend}:8080`, to: `${vip}:80` },
    ]);
    // Replies never walk the nat table.
    expect(steps(report, 1).some((s) => s.kind === 'nf-rule' && s.table === 'nat' && !s.outer)).toBe(false);
    expect(reply?.fate).toMatchObject({ kind: 'delivered', host: 'node1/client', to: 'tcp-socket' });
  });

  it('gives the same trace twice from the same file and seed', () => {
    expect(traceIn(SERVICES, 'pod/client', 'svc/web:80', { proto: 'tcp', port: 80 }).report).toEqual(report);
  });
});

describe('traceFlow() an outside host to a NodePort (services.yaml)', () => {
  const { cluster, report } = traceIn(SERVICES, 'host/laptop', 'node/node1:30080', {
    proto: 'tcp',
    port: 30080,
  });
  const [request, reply] = report.packets;
  const [dnat, masq] = natsOn(report, 0, 'node1');
  const backend = dnat?.to.split(':')[0] ?? '';
  const backendPod = podAt(cluster, backend) ?? '';

  it('goes KUBE-NODEPORTS → KUBE-EXT-… (KUBE-MARK-MASQ) → KUBE-SVC-… → KUBE-SEP-… and DNATs', () => {
    const chains = natPrerouting(report, 'node1').map((r) => r.chain.replace(/-[A-Z0-9]{16}$/, '-…'));
    expect(chains).toEqual([
      'PREROUTING',
      'KUBE-SERVICES',
      'KUBE-NODEPORTS',
      'KUBE-EXT-…',
      'KUBE-MARK-MASQ',
      'KUBE-EXT-…',
      'KUBE-SVC-…',
      'KUBE-SEP-…',
    ]);
    const rules = rulesOn(report, 0, 'node1');
    expect(rules).toContain(
      'nat KUBE-SERVICES #4 -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    );
    expect(rules).toContain('nat KUBE-MARK-MASQ #1 -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000');
    expect(rules.find((r) => r.startsWith('nat KUBE-NODEPORTS '))).toMatch(
      /-p tcp -m comment --comment "default\/web-np:http" -m tcp --dport 30080 -j KUBE-EXT-[A-Z0-9]{16}$/,
    );
    expect(dnat).toMatchObject({ target: 'DNAT', from: '192.168.56.11:30080', to: `${backend}:8080` });
    expect(backendPod).toMatch(/^node[12]\/web-[abc]$/);
  });

  it('is accepted by KUBE-FORWARD for its mark and masqueraded in KUBE-POSTROUTING to the out device', () => {
    const rules = rulesOn(report, 0, 'node1');
    expect(rules).toContain(
      'filter KUBE-FORWARD #2 -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    );
    expect(rules.slice(-2)).toEqual([
      'nat KUBE-POSTROUTING #2 -A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
      'nat KUBE-POSTROUTING #3 -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
    // MASQUERADE takes the address of the device the packet leaves by: cni0 when the pod is node1's,
    // else flannel.1 (its /32 network address).
    const masqAddr = backendPod.startsWith('node1/') ? '10.244.0.1' : '10.244.0.0';
    expect(masq).toMatchObject({
      hook: 'POSTROUTING',
      direction: 'original',
      manip: 'src',
      target: 'MASQUERADE',
    });
    expect(masq?.from).toMatch(/^192\.168\.56\.100:\d+$/);
    expect(masq?.to).toMatch(new RegExp(`^${masqAddr.replaceAll('.', '\\.')}:\\d+$`));
    expect(request?.fate).toMatchObject({
      kind: 'delivered',
      host: backendPod,
      to: 'tcp-socket',
      port: 8080,
    });
  });

  it('comes back to the laptop from the node port: the masquerade and the DNAT undone on node1', () => {
    expect(reply?.summary).toMatch(
      new RegExp(`^TCP ${backend.replaceAll('.', '\\.')}:8080 > 10\\.244\\.0\\.[01]:\\d+ \\[S\\.\\]`),
    );
    expect(natsOn(report, 1, 'node1')).toMatchObject([
      { hook: 'PREROUTING', direction: 'reply', manip: 'dst', from: masq?.to, to: masq?.from },
      {
        hook: 'POSTROUTING',
        direction: 'reply',
        manip: 'src',
        from: `${backend}:8080`,
        to: '192.168.56.11:30080',
      },
    ]);
    expect(reply?.fate).toMatchObject({ kind: 'delivered', host: 'laptop', to: 'tcp-socket' });
    expect(reply?.hops.at(-1)?.hostKind).toBe('host');
  });
});

describe('traceFlow() a Service without endpoints (services.yaml)', () => {
  const { cluster, report } = traceIn(SERVICES, 'pod/client', 'svc/ghost:80', { proto: 'tcp', port: 80 });
  const vip = clusterIP(cluster, 'ghost');
  const [request, reply] = report.packets;

  it('is REJECTed in filter KUBE-SERVICES at FORWARD, with an ICMP port unreachable', () => {
    expect(rulesOn(report, 0, 'node1').at(-1)).toBe(
      `filter KUBE-SERVICES #1 -A KUBE-SERVICES -d ${vip}/32 -p tcp -m comment --comment "default/ghost has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable`,
    );
    expect(hookRuns(report, 0)).toEqual(['node1 PREROUTING accept', 'node1 FORWARD reject']);
    const hook = steps(report, 0).find((s) => s.kind === 'nf-hook' && s.hook === 'FORWARD');
    expect(hook).toMatchObject({ reason: 'nf_reject', rejectCode: 3, rejectType: 3 });
    const tail = steps(report, 0).slice(-2);
    expect(tail).toMatchObject([
      { kind: 'icmp-error', type: 3, code: 3, suppressed: null },
      { kind: 'drop', reason: 'netfilter', counter: 'nf_reject' },
    ]);
    expect(request?.fate).toMatchObject({
      kind: 'dropped',
      host: 'node1',
      reason: 'netfilter',
      counter: 'nf_reject',
    });
  });

  it("answers from cni0's address, and the client's raw socket gets the error", () => {
    expect(reply?.summary).toBe(
      'ICMP 10.244.0.1 > 10.244.0.2: Destination Port Unreachable, ttl 64, length 88',
    );
    expect(reply?.fate).toMatchObject({ kind: 'delivered', host: 'node1/client', to: 'raw-socket' });
  });
});

describe('traceFlow() a ping to a ClusterIP (services.yaml)', () => {
  const { report } = traceIn(SERVICES, 'pod/client', 'svc/web');

  it("matches no kube-proxy rule (iptables mode has none for ICMP): no DNAT; flanneld's ip-masq SNATs it", () => {
    const nats = natsOn(report, 0, 'node1');
    expect(nats.map((n) => [n.hook, n.direction, n.target])).toEqual([
      ['POSTROUTING', 'original', 'MASQUERADE'],
    ]);
    expect(nats[0]?.from).toMatch(/^10\.244\.0\.2 id \d+$/);
    expect(nats[0]?.to).toMatch(/^192\.168\.56\.11 id \d+$/);
    expect(rulesOn(report, 0, 'node1').at(-1)).toBe(
      'nat FLANNEL-POSTRTG #5 -A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
    );
    expect(steps(report, 0)).toContainEqual(
      expect.objectContaining({ kind: 'route', host: 'node1', route: 'default via 192.168.56.1 dev eth0' }),
    );
  });

  it("brings the router's net unreachable back as RELATED, its destination and quote un-masqueraded", () => {
    const ct = steps(report, 1).find((s) => s.kind === 'conntrack' && s.host === 'node1');
    expect(ct).toMatchObject({ state: 'related', replyDir: true, ctstate: 'RELATED' });
    expect(natsOn(report, 1, 'node1')).toMatchObject([
      { hook: 'PREROUTING', direction: 'reply', manip: 'dst', from: '192.168.56.11', to: '10.244.0.2' },
    ]);
    expect(report.packets[1]?.fate).toMatchObject({
      kind: 'delivered',
      host: 'node1/client',
      to: 'raw-socket',
    });
  });
});
