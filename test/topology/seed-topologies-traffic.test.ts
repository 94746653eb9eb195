/**
 * The traffic seed topologies (issue 6, item 8): drain.yaml (kubectl drain under load) and
 * rolling-update.yaml (kubectl set image under load, through CoreDNS). The client's node rules are
 * watched while the requests flow, so each request can be placed in or after the stale window: no
 * request may be answered by a pod, or sent to an address, that the endpoints and kube-proxy's rules
 * had already dropped, and every failure must fall while the rules still held a terminated pod.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RequestResult } from '../../src/apps/index.js';
import { isPodReady, type Pod } from '../../src/k8s/index.js';
import { type RunReport, runScenario } from '../../src/topology/index.js';
import { formatIp4 } from '../../src/wire/index.js';
import {
  buildSeed,
  every,
  inPodCidr,
  kubectl,
  MS,
  podsWithPrefix,
  RuleWatch,
  requestsOf,
  row,
  SECOND,
  type Snapshot,
  snapshot,
  snapshotAt,
} from './seed-topologies-helpers.js';

/** The pod IP a request reached (the responder's `local`), for answered requests. */
function answeredIp(q: RequestResult): string | undefined {
  return q.ok ? formatIp4(q.answer.local.ip) : undefined;
}

/**
 * Every answered request went to an address node1's rules held when it started (within one poll), and
 * was answered by a pod not yet marked for deletion (its server exits on SIGTERM at once).
 */
function expectAnswersFromLiveRules(requests: readonly RequestResult[], watch: RuleWatch): void {
  for (const q of requests) {
    if (!q.ok) continue;
    const ip = answeredIp(q) as string;
    const held = watch.at(q.startNs).has(ip) || watch.at(q.startNs + MS).has(ip);
    expect(held, `request at ${q.startNs} answered by ${q.answer.pod} (${ip}) outside the rules`).toBe(true);
    expect(watch.podOfIp.get(ip)).toBe(q.answer.pod);
    const deleted = watch.deletedAt.get(q.answer.pod);
    if (deleted !== undefined) expect(q.startNs).toBeLessThanOrEqual(deleted);
  }
}

describe('topologies/drain.yaml: kubectl drain node2 under load', () => {
  const DRAIN_AT = 3 * SECOND;
  let before: Snapshot;
  let end: Snapshot;
  let report: RunReport;
  let watch: RuleWatch;

  beforeAll(() => {
    const cluster = buildSeed('drain');
    const pre = snapshotAt(cluster, DRAIN_AT - 1);
    watch = new RuleWatch(cluster, 'node1', 8080, 0, 12 * SECOND);
    report = runScenario(cluster);
    before = pre.get();
    end = snapshot(cluster);
  });

  const onNode = (s: Snapshot, node: string) => s.pods.filter((p) => p.spec.nodeName === node);
  const isDaemon = (p: Pod) => p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet') ?? false;

  it('has the web replicas, a DaemonSet pod and the bare pod scratch on node2 before the drain', () => {
    const web = podsWithPrefix(before, 'web-');
    expect(web).toHaveLength(4);
    expect(web.every((p) => p.status?.phase === 'Running')).toBe(true);
    const node2 = onNode(before, 'node2');
    expect(node2.filter(isDaemon)).toHaveLength(1);
    expect(node2.map((p) => p.metadata.name)).toContain('scratch');
    expect(node2.some((p) => p.metadata.name.startsWith('web-'))).toBe(true);
  });

  it('prints what kubectl drain --ignore-daemonsets --force prints: cordon, warning, evictions, drained', () => {
    const node2 = onNode(before, 'node2');
    const daemon = node2.filter(isDaemon).map((p) => `default/${p.metadata.name}`);
    const evicted = node2.filter((p) => !isDaemon(p)).map((p) => p.metadata.name);
    const drain = report.steps.find((s) => s.step.action === 'drain');
    expect(drain?.command).toBe('kubectl drain node2 --ignore-daemonsets --force');
    const lines = drain?.lines.map((l) => l.text) ?? [];
    expect(lines[0]).toBe('node/node2 cordoned');
    // pkg/drain warnings(): one "MESSAGE: ns/pod, …" per kind of pod, joined by "; " (map order).
    const warning = lines[1] ?? '';
    expect(warning.startsWith('Warning: ')).toBe(true);
    expect(new Set(warning.slice('Warning: '.length).split('; '))).toEqual(
      new Set([
        `ignoring DaemonSet-managed Pods: ${daemon.join(', ')}`,
        'deleting Pods that declare no controller: default/scratch',
      ]),
    );
    const rest = lines.slice(2);
    expect(rest.at(-1)).toBe('node/node2 drained');
    expect(new Set(rest.filter((l) => l.startsWith('evicting pod ')))).toEqual(
      new Set(evicted.map((n) => `evicting pod default/${n}`)),
    );
    expect(new Set(rest.filter((l) => l.endsWith(' evicted')))).toEqual(
      new Set(evicted.map((n) => `pod/${n} evicted`)),
    );
    expect(rest).toHaveLength(2 * evicted.length + 1);
  });

  it('shows node2 Ready,SchedulingDisabled in get nodes, the others Ready', () => {
    const t = kubectl(end, 'nodes');
    expect(t.rows.map((r) => [r['NAME'], r['STATUS']])).toEqual([
      ['node1', 'Ready'],
      ['node2', 'Ready,SchedulingDisabled'],
      ['node3', 'Ready'],
    ]);
  });

  it('keeps only the DaemonSet pod on node2, replaces the evicted web pods elsewhere, and loses scratch', () => {
    expect(onNode(end, 'node2').map((p) => p.metadata.name)).toEqual(
      onNode(before, 'node2')
        .filter(isDaemon)
        .map((p) => p.metadata.name),
    );
    expect(end.pods.find((p) => p.metadata.name === 'scratch')).toBeUndefined();
    const web = podsWithPrefix(end, 'web-');
    expect(web).toHaveLength(4);
    const wide = kubectl(end, 'pods', true);
    for (const p of web) {
      const r = row(wide, p.metadata.name);
      expect(r).toMatchObject({ READY: '1/1', STATUS: 'Running' });
      expect(['node1', 'node3']).toContain(r['NODE']);
      const node = end.nodes.find((n) => n.metadata.name === r['NODE']);
      expect(node && inPodCidr(node, r['IP'] ?? '')).toBe(true);
    }
    const ds = row(kubectl(end, 'daemonsets'), 'node-exporter');
    expect(ds).toMatchObject({ DESIRED: '3', CURRENT: '3', READY: '3' });
  });

  it('lists only the addresses of the remaining web pods in the endpoints and node1 rules', () => {
    const ips = new Set(podsWithPrefix(end, 'web-').map((p) => p.status?.podIP ?? ''));
    const web = end.endpoints.find((e) => e.metadata.name === 'web');
    const addrs = (web?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
    expect(new Set(addrs)).toEqual(ips);
    expect(watch.changes.at(-1)?.addrs).toEqual(ips);
  });

  it('adds a replacement to the rules only after its readiness probe (initialDelaySeconds 2) passes', () => {
    const fresh = podsWithPrefix(end, 'web-').filter(
      (p) => !before.pods.some((b) => b.metadata.name === p.metadata.name),
    );
    expect(fresh.length).toBeGreaterThan(0);
    for (const p of fresh)
      expect(watch.addedAt(p.status?.podIP ?? '')).toBeGreaterThanOrEqual(DRAIN_AT + 2 * SECOND);
  });

  it('answers all 40 requests, none from a pod after the rules dropped it, then only from node1 and node3', () => {
    const requests = requestsOf(report, 'http');
    expect(requests).toHaveLength(40);
    expect(requests.filter((q) => !q.ok)).toEqual([]);
    expectAnswersFromLiveRules(requests, watch);
    const evictedIps = onNode(before, 'node2')
      .filter((p) => p.metadata.name.startsWith('web-'))
      .map((p) => p.status?.podIP ?? '');
    const dropped = Math.max(...evictedIps.map((ip) => watch.droppedAt(ip) ?? Number.POSITIVE_INFINITY));
    expect(dropped).toBeLessThan(Number.POSITIVE_INFINITY);
    const node1or3 = new Set(podsWithPrefix(end, 'web-').map((p) => p.metadata.name));
    const after = requests.filter((q) => q.startNs >= dropped + MS);
    expect(after.length).toBeGreaterThan(0);
    for (const q of after) expect(q.ok && node1or3.has(q.answer.pod)).toBe(true);
  });
});

describe('topologies/rolling-update.yaml: kubectl set image under steady HTTP load', () => {
  const ROLLOUT_AT = 2 * SECOND;
  const REPLICAS = 4;
  // Deployment util: maxSurge 25% rounds up, maxUnavailable 25% rounds down (scheduling.md §8).
  const SURGE = Math.ceil(REPLICAS * 0.25);
  const UNAVAILABLE = Math.floor(REPLICAS * 0.25);
  let before: Snapshot;
  let end: Snapshot;
  let report: RunReport;
  let watch: RuleWatch;
  const counts: { atNs: number; live: number; ready: number }[] = [];

  beforeAll(() => {
    const cluster = buildSeed('rolling-update');
    const pre = snapshotAt(cluster, ROLLOUT_AT - 1);
    watch = new RuleWatch(cluster, 'node1', 8080, 0, 20 * SECOND);
    every(cluster, ROLLOUT_AT, 20 * SECOND, 10 * MS, () => {
      const web = podsWithPrefix(snapshot(cluster), 'web-').filter(
        (p) => p.metadata.deletionTimestamp === undefined,
      );
      counts.push({ atNs: cluster.sim.now, live: web.length, ready: web.filter(isPodReady).length });
    });
    report = runScenario(cluster);
    before = pre.get();
    end = snapshot(cluster);
  });

  const hashOf = (p: Pod) => p.metadata.labels?.['pod-template-hash'];

  it('resolves web through CoreDNS with the search path, to the Service IP the store allocated', () => {
    const step = report.steps.find((s) => s.step.action === 'http');
    expect(step?.command).toBe('for i in $(seq 150); do curl -s http://web/; done');
    const svc = end.services.find((s) => s.metadata.name === 'web');
    const dns = end.services.find((s) => s.metadata.name === 'kube-dns');
    expect(dns?.spec.clusterIP).toBe('10.96.0.10');
    // search default.svc.cluster.local first: the first query answers.
    expect(step?.lines[0]?.text).toMatch(
      new RegExp(
        `^# web → web\\.default\\.svc\\.cluster\\.local\\. ${svc?.spec.clusterIP?.replaceAll('.', '\\.')} \\(\\d+ DNS queries\\)$`,
      ),
    );
  });

  it('prints kubectl set image, and replaces every pod with one of the new template', () => {
    const rollout = report.steps.find((s) => s.step.action === 'rollout');
    expect(rollout?.command).toBe('kubectl set image deployment/web web=nginx:1.27');
    expect(rollout?.lines.map((l) => l.text)).toEqual(['deployment.apps/web image updated']);
    const old = podsWithPrefix(before, 'web-');
    expect(old).toHaveLength(REPLICAS);
    expect(old.every((p) => p.spec.containers[0]?.image === 'nginx:1.26')).toBe(true);
    const fresh = podsWithPrefix(end, 'web-');
    expect(fresh).toHaveLength(REPLICAS);
    for (const p of fresh) {
      expect(p.spec.containers[0]?.image).toBe('nginx:1.27');
      expect(p.status?.phase).toBe('Running');
      expect(hashOf(p)).not.toBe(hashOf(old[0] as Pod));
      expect(['node1', 'node2']).toContain(p.spec.nodeName);
      const node = end.nodes.find((n) => n.metadata.name === p.spec.nodeName);
      expect(node && inPodCidr(node, p.status?.podIP ?? '')).toBe(true);
    }
    expect(new Set(fresh.map(hashOf)).size).toBe(1);
  });

  it('never exceeds maxSurge nor goes below maxUnavailable while rolling', () => {
    expect(counts.length).toBeGreaterThan(100);
    for (const c of counts) {
      expect(c.live, `at ${c.atNs}`).toBeLessThanOrEqual(REPLICAS + SURGE);
      expect(c.ready, `at ${c.atNs}`).toBeGreaterThanOrEqual(REPLICAS - UNAVAILABLE);
    }
    // It did surge: the controller used the room it had.
    expect(Math.max(...counts.map((c) => c.live))).toBe(REPLICAS + SURGE);
  });

  it('adds each new pod to the rules only once ready, at least initialDelaySeconds 1 after it was created', () => {
    for (const p of podsWithPrefix(end, 'web-')) {
      const added = watch.addedAt(p.status?.podIP ?? '');
      expect(added).toBeDefined();
      expect((added as number) - p.metadata.creationTimestamp).toBeGreaterThanOrEqual(SECOND);
    }
  });

  it('answers no request from a pod the rules had dropped or that was already terminating', () => {
    const requests = requestsOf(report, 'http');
    expect(requests).toHaveLength(150);
    expectAnswersFromLiveRules(requests, watch);
  });

  it('fails only inside the stale window, with curl timing out as the file says (two of them)', () => {
    const requests = requestsOf(report, 'http');
    const failed = requests.filter((q) => !q.ok);
    for (const q of failed) {
      // node1's rules still sent to an address of a pod already marked for deletion.
      const stale = [...watch.at(q.startNs)].filter((ip) => {
        const t = watch.deletedAt.get(watch.podOfIp.get(ip) ?? '');
        return t !== undefined && t <= q.startNs;
      });
      expect(stale.length, `failure at ${q.startNs}`).toBeGreaterThan(0);
      expect(q).toMatchObject({ errno: 'ETIMEDOUT', stage: 'connect', clientTimeout: true });
    }
    const lines = report.steps.find((s) => s.step.action === 'http')?.lines.map((l) => l.text) ?? [];
    const curlErrors = lines.filter((l) => l.startsWith('curl: '));
    expect(curlErrors).toEqual(failed.map(() => 'curl: (28) Connection timed out after 1000 milliseconds'));
    expect(failed).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/ \(2 failed\)$/);
  });

  it('ends with every answer from a new pod once the last old address left the rules', () => {
    const oldIps = podsWithPrefix(before, 'web-').map((p) => p.status?.podIP ?? '');
    const lastDrop = Math.max(...oldIps.map((ip) => watch.droppedAt(ip) ?? Number.POSITIVE_INFINITY));
    expect(lastDrop).toBeLessThan(Number.POSITIVE_INFINITY);
    const newNames = new Set(podsWithPrefix(end, 'web-').map((p) => p.metadata.name));
    const after = requestsOf(report, 'http').filter((q) => q.startNs >= lastDrop + MS);
    expect(after.length).toBeGreaterThan(50);
    for (const q of after) expect(q.ok && newNames.has(q.answer.pod)).toBe(true);
  });

  it('shows the finished rollout in get deployments and get rs -o wide', () => {
    const d = kubectl(end, 'deployments', true);
    expect(row(d, 'web')).toMatchObject({
      READY: '4/4',
      'UP-TO-DATE': '4',
      AVAILABLE: '4',
      CONTAINERS: 'web',
      IMAGES: 'nginx:1.27',
      SELECTOR: 'app=web',
    });
    const rs = kubectl(end, 'replicasets', true);
    expect(rs.header).toEqual([
      'NAME',
      'DESIRED',
      'CURRENT',
      'READY',
      'AGE',
      'CONTAINERS',
      'IMAGES',
      'SELECTOR',
    ]);
    const newHash = hashOf(podsWithPrefix(end, 'web-')[0] as Pod);
    const oldHash = hashOf(podsWithPrefix(before, 'web-')[0] as Pod);
    expect(row(rs, `web-${newHash}`)).toMatchObject({
      DESIRED: '4',
      CURRENT: '4',
      READY: '4',
      IMAGES: 'nginx:1.27',
      SELECTOR: `app=web,pod-template-hash=${newHash}`,
    });
    expect(row(rs, `web-${oldHash}`)).toMatchObject({
      DESIRED: '0',
      CURRENT: '0',
      READY: '0',
      IMAGES: 'nginx:1.26',
    });
    expect(rs.rows).toHaveLength(2);
  });
});
