/**
 * How the Services benchmarks are printed: the build lines, the first-packet table with its notes and
 * the public measurements it is compared with (reference/kube-proxy.md §9), and the flat JSON keys.
 */
import type { ServicesBenchResult, ServicesRow } from './services.js';

const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const us = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const opt = (x: number | undefined): string => (x === undefined ? 'n/a' : us(x));
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const optRound = (x: number | undefined): number | null => (x === undefined ? null : round(x, 3));

/** The human report. */
export function servicesReport(r: ServicesBenchResult): string[] {
  return [...buildLines(r), ...tableLines(r), ...noteLines(r)];
}

function buildLines(r: ServicesBenchResult): string[] {
  const b = r.build;
  if (b === undefined) return [];
  const step = (s: { ms: number; heapMb: number }) =>
    `${int(s.ms).padStart(6)} ms  ${`${s.heapMb >= 0 ? '+' : ''}${s.heapMb.toFixed(1)}`.padStart(7)} MB heap`;
  const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
  const n = String(b.nodes).padEnd(3);
  return [
    `kube-proxy state, ${int(b.services)} Services × 3 endpoints on ${b.nodes} nodes (seeded), KubeProxyNode.sync:`,
    `  load Services + endpoints        ${step(b.load)}`,
    `  iptables mode, 1 node            ${step(b.oneNode)}   (generate ${int(b.oneNode.generateMs)} ms, install ${int(b.oneNode.installMs)} ms)`,
    `  iptables mode, ${n} nodes        ${step(b.allNodes)}   (${b.allNodes.furtherNodeMs.toFixed(1)} ms per node after the first; ` +
      `${ratio(b.allNodes.ms, b.oneNode.ms)} the time and ${ratio(b.allNodes.heapMb, b.oneNode.heapMb)} the heap of 1 node: chains shared, not copied)`,
    `  IPVS mode, generated for 1 node  ${step(b.ipvsOneNode)}`,
    `  IPVS mode, generated for ${n}    ${step(b.ipvsAllNodes)}`,
    `  IPVS mode, 1 node synced         ${step(b.ipvsInstallOneNode)}   (kube-ipvs0 addresses, ipsets, virtual servers: per node, as in the kernel)`,
    '',
  ];
}

function tableLines(r: ServicesBenchResult): string[] {
  const head = [
    'services',
    'iptables first packet µs',
    'IPVS first packet µs',
    'established µs (iptables · IPVS)',
    'nat rules (iptables · IPVS)',
    'hooks only: iptables (1st · last in list)',
    'hooks only: IPVS (one Service)',
  ];
  const ipvs = (row: ServicesRow, f: (c: NonNullable<ServicesRow['ipvs']>) => number) =>
    row.ipvs === undefined ? 'n/a' : us(f(row.ipvs));
  const body = r.rows.map((row) => [
    int(row.services),
    opt(row.stack.iptables),
    opt(row.stack.ipvs),
    `${us(row.iptables.establishedUs)} · ${ipvs(row, (c) => c.establishedUs)}`,
    `${int(row.natRules.iptables)} · ${int(row.natRules.ipvs)}`,
    `${us(row.iptables.firstUs)} (${us(row.iptables.firstHeadUs)} · ${us(row.iptables.firstTailUs)})`,
    row.ipvs === undefined ? 'n/a' : `${us(row.ipvs.firstUs)} (${us(row.ipvs.firstHeadUs)})`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((c) => (c[i] ?? '').length)));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  return [
    'a TCP connection’s first packet (SYN) from a pod to a ClusterIP, Services chosen uniformly, µs of wall time',
    '(lower quartile of many timed batches: on a shared machine interruptions only ever add time):',
    '  first packet   through the whole simulated stack: pod → veth → cni0 → node (iptables: PREROUTING nat',
    '                 DNAT → FORWARD → POSTROUTING; IPVS: PREROUTING → INPUT, IPVS → OUTPUT → POSTROUTING) →',
    '                 eth0 → rack, every hop an event (8 windows of 300 SYNs)',
    '  hooks only     the same packets handed to the node’s netfilter hooks directly, in the stack’s order',
    '                 (batches of 100): the netfilter part alone, and the Service written first',
    '                 and last in KUBE-SERVICES; established = the handshake’s ACK there (conntrack hit,',
    '                 nat table not walked)',
    fmt(head),
    ...r.rows.map((_, i) => fmt(body[i] ?? [])),
  ];
}

function noteLines(r: ServicesBenchResult): string[] {
  const lines: string[] = [];
  const last = r.rows[r.rows.length - 1];
  if (last !== undefined && last.services > 1) {
    const perRule = ((last.iptables.firstTailUs - last.iptables.firstHeadUs) * 1000) / (last.services - 1);
    lines.push(
      `iptables: ≈ ${perRule.toFixed(0)} ns per KUBE-SERVICES rule passed (simulator time, not the kernel's).`,
    );
  }
  const first = r.rows[0];
  if (first?.ipvs !== undefined && last?.ipvs !== undefined && last !== first) {
    lines.push(
      `IPVS: one Service over and over costs ${us(first.ipvs.firstHeadUs)} µs at ${int(first.services)} Services and ` +
        `${us(last.ipvs.firstHeadUs)} µs at ${int(last.services)} (a hash lookup, no walk); uniformly chosen Services ` +
        'cost more at large sizes only as their state outgrows the CPU caches.',
    );
  }
  if (r.ipvsUnavailable !== undefined) lines.push(`IPVS: n/a — ${r.ipvsUnavailable}.`);
  lines.push(
    'public measurements (reference/kube-proxy.md §9): Kubernetes blog "NFTables mode for kube-proxy" (2025):',
    '  iptables first-packet latency grows O(n) with Services, nftables about flat to 30,000; Huawei, KubeCon EU',
    '  2017 (kubernetes#44063): rule updates from hours at very large scale (iptables) to ~2 ms per rule (IPVS);',
    '  Tigera (2019): no real difference below ~1,000 Services, measurable at 10,000 [exact figures unverified];',
    '  IPVS deep-dive blog (2018): 5,000 Services = 40,000 rules, 11 min to add one; 20,000 = 160,000, 5 h [unverified].',
  );
  return lines;
}

/** The JSON keys: `services_build_*` and per size `services_<N>_*` (null where IPVS is n/a). */
export function servicesJson(r: ServicesBenchResult): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const b = r.build;
  if (b !== undefined) {
    out.services_build_services = b.services;
    out.services_build_nodes = b.nodes;
    out.services_build_load_ms = round(b.load.ms, 1);
    out.services_build_1node_ms = round(b.oneNode.ms, 1);
    out.services_build_1node_generate_ms = round(b.oneNode.generateMs, 1);
    out.services_build_1node_install_ms = round(b.oneNode.installMs, 1);
    out.services_build_1node_heap_mb = round(b.oneNode.heapMb, 1);
    out.services_build_all_nodes_ms = round(b.allNodes.ms, 1);
    out.services_build_all_nodes_heap_mb = round(b.allNodes.heapMb, 1);
    out.services_build_further_node_ms = round(b.allNodes.furtherNodeMs, 2);
    out.services_build_all_nodes_time_ratio = round(b.allNodes.ms / b.oneNode.ms, 3);
    out.services_build_all_nodes_heap_ratio = round(b.allNodes.heapMb / b.oneNode.heapMb, 3);
    out.services_build_ipvs_1node_ms = round(b.ipvsOneNode.ms, 1);
    out.services_build_ipvs_all_nodes_ms = round(b.ipvsAllNodes.ms, 1);
    out.services_build_ipvs_install_1node_ms = round(b.ipvsInstallOneNode.ms, 1);
    out.services_build_ipvs_install_1node_heap_mb = round(b.ipvsInstallOneNode.heapMb, 1);
  }
  for (const row of r.rows) {
    const k = `services_${row.services}`;
    out[`${k}_iptables_first_us`] = optRound(row.stack.iptables);
    out[`${k}_ipvs_first_us`] = optRound(row.stack.ipvs);
    out[`${k}_iptables_hooks_first_us`] = round(row.iptables.firstUs, 3);
    out[`${k}_iptables_hooks_first_head_us`] = round(row.iptables.firstHeadUs, 3);
    out[`${k}_iptables_hooks_first_tail_us`] = round(row.iptables.firstTailUs, 3);
    out[`${k}_iptables_hooks_established_us`] = round(row.iptables.establishedUs, 3);
    out[`${k}_ipvs_hooks_first_us`] = optRound(row.ipvs?.firstUs);
    out[`${k}_ipvs_hooks_first_one_service_us`] = optRound(row.ipvs?.firstHeadUs);
    out[`${k}_ipvs_hooks_established_us`] = optRound(row.ipvs?.establishedUs);
    out[`${k}_iptables_nat_rules`] = row.natRules.iptables;
    out[`${k}_ipvs_nat_rules`] = row.natRules.ipvs;
  }
  return out;
}
