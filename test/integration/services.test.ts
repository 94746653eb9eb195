/**
 * Services end to end on topologies/services.yaml, in both kube-proxy modes: who answers, what address
 * each backend sees (masquerade or not), REJECT for a Service without endpoints — and, read by tshark,
 * the DNAT between the client's veth and flannel.1 with the replies carrying the ClusterIP back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RequestResult } from '../../src/apps/index.js';
import { attachCaptures } from '../../src/capture/index.js';
import { buildCluster, type Cluster, loadTopologyText, runScenario } from '../../src/topology/index.js';
import { formatIp4 } from '../../src/wire/index.js';
import { fields, haveTshark, problems, tsharkSkipNote, tsharkVerbose } from '../capture/tshark.js';

const FILE = 'topologies/services.yaml';
const TEXT = readFileSync(FILE, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'podwire-services-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(mode: 'iptables' | 'ipvs', seed?: number): Cluster {
  const r = loadTopologyText(TEXT.replace('kubeProxyMode: iptables', `kubeProxyMode: ${mode}`), FILE);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return buildCluster(r.topology, seed === undefined ? {} : { seed });
}

function requestsOf(report: ReturnType<typeof runScenario>, i: number): readonly RequestResult[] {
  const reqs = report.steps[i]?.requests;
  if (reqs === undefined) throw new Error(`step ${i} has no requests`);
  return reqs;
}

const podIp = (c: Cluster, name: string) => formatIp4(c.pods.get(`default/${name}`)?.status.podIP ?? 0);

describe.each(['iptables', 'ipvs'] as const)('Services with kube-proxy in %s mode', (mode) => {
  const cluster = build(mode);
  const report = runScenario(cluster);
  const web = new Set(['web-a', 'web-b', 'web-c']);

  it('spreads the client’s connections over the three backends, which see the client’s own address', () => {
    const reqs = requestsOf(report, 0);
    expect(reqs).toHaveLength(20);
    for (const r of reqs) {
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect(web.has(r.answer.pod)).toBe(true);
      expect(formatIp4(r.answer.peer.ip)).toBe(podIp(cluster, 'client'));
    }
    expect(new Set(reqs.map((r) => (r.ok ? r.answer.pod : ''))).size).toBe(3);
  });

  it('masquerades a pod reaching itself through its Service (hairpin) to cni0’s address', () => {
    const reqs = requestsOf(report, 1);
    const self = reqs.filter((r) => r.ok && r.answer.pod === 'web-a');
    expect(self.length).toBeGreaterThan(0);
    for (const r of self) if (r.ok) expect(formatIp4(r.answer.peer.ip)).toBe('10.244.0.1');
    for (const r of reqs)
      if (r.ok && r.answer.pod !== 'web-a') expect(formatIp4(r.answer.peer.ip)).toBe(podIp(cluster, 'web-a'));
  });

  it('masquerades NodePort traffic from outside to the node’s address on the way to the backend', () => {
    const reqs = requestsOf(report, 2);
    expect(reqs.every((r) => r.ok)).toBe(true);
    for (const r of reqs) {
      if (!r.ok) continue;
      // Remote backends see flannel.1's address, the local one sees cni0's: never the laptop's.
      const expected = r.answer.pod === 'web-a' ? '10.244.0.1' : '10.244.0.0';
      expect(formatIp4(r.answer.peer.ip)).toBe(expected);
    }
  });

  it('refuses a connection to a Service without endpoints at once (ICMP port unreachable → ECONNREFUSED)', () => {
    const [r] = requestsOf(report, 3);
    expect(r?.ok).toBe(false);
    if (r !== undefined && !r.ok) expect(r.errno).toBe('ECONNREFUSED');
  });

  it('holds every expectation', () => {
    expect(report.expectations.map((e) => e.held)).toEqual([true, true, true]);
  });

  it('is deterministic: the same seed gives the same backends, another seed other ones', () => {
    const again = runScenario(build(mode));
    const pods = (rep: typeof report) => requestsOf(rep, 0).map((r) => (r.ok ? r.answer.pod : r.errno));
    expect(pods(again)).toEqual(pods(report));
    if (mode === 'iptables') expect(pods(runScenario(build(mode, 7)))).not.toEqual(pods(report));
  });
});

describe(`tshark reads the Service captures${tsharkSkipNote}`, () => {
  it.skipIf(!haveTshark)(
    'shows the DNAT between the client’s veth and flannel.1, and the ClusterIP on replies',
    () => {
      const cluster = build('iptables');
      const handle = attachCaptures(cluster.trace, { dir });
      runScenario(cluster);
      handle.close();
      const file = join(dir, 'node1.pcapng');
      expect(problems(tsharkVerbose(file))).toEqual([]);
      const vip = formatIp4(cluster.services.clusterIP('default', 'web') ?? 0);
      const client = podIp(cluster, 'client');
      const cols = ['frame.interface_name', 'ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport', 'ip.ttl'];
      const syns = fields(file, cols, `tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == ${client}`);
      // On the client's side the SYN goes to the ClusterIP; on flannel.1 it goes to a backend pod on node2.
      const toVip = syns.filter((s) => s[2] === vip && s[4] === '80');
      const onTunnel = syns.filter((s) => s[0] === 'node1/flannel.1');
      expect(toVip.length).toBeGreaterThan(0);
      expect(onTunnel.length).toBeGreaterThan(0);
      for (const s of onTunnel) {
        expect(s[2]).toMatch(/^10\.244\.1\.\d+$/);
        expect(s[4]).toBe('8080');
        expect(s[5]).toBe('63');
      }
      // Every SYN-ACK the client receives comes from the ClusterIP:80, never from a pod address.
      const synAcks = fields(file, cols, `tcp.flags.syn == 1 && tcp.flags.ack == 1 && ip.dst == ${client}`);
      const atClient = synAcks.filter((s) => s[0] === 'node1/client/eth0');
      expect(atClient.length).toBe(toVip.filter((s) => s[0] === 'node1/client/eth0').length);
      for (const s of atClient) expect([s[1], s[3]]).toEqual([vip, '80']);
    },
  );
});
