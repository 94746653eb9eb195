/**
 * Benchmark runner (`npm run bench`, `npm run -s bench -- --json`). Prints a table on stdout, or
 * with --json exactly one JSON object: events_per_s, packet_hops_per_s, pcapng_mb_per_s, heap_mb, and
 * for the reference fabric (16 nodes × 16 pods, UDP echo) per backend fabric_<backend>_hops_per_s,
 * fabric_<backend>_events_per_s and fabric_<backend>_wall_s, with backend host_gw or vxlan; and the
 * Services benchmarks (services.ts): services_build_* for kube-proxy's state of 10,000 Services on 1 and
 * 100 nodes, services_<N>_* for a connection's first packet with N = 100, 1,000, 10,000 Services in
 * iptables and IPVS mode (null where IPVS cannot be timed); and the scale benchmark (scale.ts):
 * scale_<nodes>_build_s, _heap_mb, … for 500 to 5,000 nodes (`--scale 500,1000` picks sizes, `--scale 0`
 * skips it).
 */
import { type FabricBenchResult, fabricBench } from './fabric.js';
import { holdBench } from './hold.js';
import { pcapngBench } from './pcapng.js';
import { routerChainBench } from './router-chain.js';
import { SCALE_SIZES, scaleBench, scaleJson, scaleReport } from './scale.js';
import { servicesBench } from './services.js';
import { servicesJson, servicesReport } from './services-report.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const scaleArg = args[args.indexOf('--scale') + 1];
const scaleSizes =
  args.includes('--scale') && scaleArg !== undefined
    ? scaleArg
        .split(',')
        .map(Number)
        .filter((n) => n > 0)
    : SCALE_SIZES;

const hold = holdBench();
const hops = await routerChainBench();
const fabrics: readonly FabricBenchResult[] = [fabricBench('host-gw'), fabricBench('vxlan')];
const pcapFile = pcapngBench('file');
const pcapMemory = pcapngBench('memory');
const heapMb = process.memoryUsage().heapUsed / 1e6;
const hopsPerSecond = hops.hops / hops.seconds;
// After heap_mb is read: the Services benchmarks hold 10,000-Service rule sets of their own.
const services = servicesBench();
const scale = scaleBench(scaleSizes);

if (json) {
  process.stdout.write(
    `${JSON.stringify({
      events_per_s: Math.round(hold.eventsPerSecond),
      packet_hops_per_s: Math.round(hopsPerSecond),
      pcapng_mb_per_s: Math.round(pcapFile.mbPerSecond),
      heap_mb: Math.round(heapMb * 10) / 10,
      ...Object.fromEntries(fabrics.flatMap(fabricJson)),
      ...servicesJson(services),
      ...scaleJson(scale),
    })}\n`,
  );
} else {
  const rows: Array<[string, string, string]> = [
    [
      'hold model (1,000 pending)',
      `${(hold.eventsPerSecond / 1e6).toFixed(2)} M events/s`,
      `${hold.events} events in ${hold.seconds.toFixed(2)} s (best of 5 windows)`,
    ],
    [
      'router chain (packet hops)',
      `${(hopsPerSecond / 1e6).toFixed(2)} M hops/s`,
      `${hops.hops} hops in ${hops.seconds.toFixed(2)} s (8 routers, UDP echo, 64 in flight)`,
    ],
    ...fabrics.map((f): [string, string, string] => [
      `fabric ${f.backend} (packet hops)`,
      `${(f.hopsPerSecond / 1e6).toFixed(2)} M hops/s`,
      `${f.hops} hops, ${(f.eventsPerSecond / 1e6).toFixed(2)} M events/s, ${(f.seconds * 1000).toFixed(0)} ms wall (${f.nodes}×${f.podsPerNode} pods, ${f.echoes} UDP echoes, best of 6)`,
    ]),
    [
      `pcapng → ${pcapFile.sink}`,
      `${pcapFile.mbPerSecond.toFixed(0)} MB/s`,
      `${pcapFile.packets} EPBs (98/1514 B mix, best of 4 windows)`,
    ],
    [
      `pcapng → ${pcapMemory.sink}`,
      `${pcapMemory.mbPerSecond.toFixed(0)} MB/s`,
      `${pcapMemory.packets} EPBs (98/1514 B mix)`,
    ],
    ['heap used', `${heapMb.toFixed(1)} MB`, ''],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  console.log('');
  for (const line of servicesReport(services)) console.log(line);
  if (scale.length > 0) console.log('');
  for (const line of scaleReport(scale)) console.log(line);
}

/** The JSON keys of one fabric run: `fabric_host_gw_hops_per_s`, …. */
function fabricJson(f: FabricBenchResult): Array<[string, number]> {
  const key = `fabric_${f.backend.replace('-', '_')}`;
  return [
    [`${key}_hops_per_s`, Math.round(f.hopsPerSecond)],
    [`${key}_events_per_s`, Math.round(f.eventsPerSecond)],
    [`${key}_wall_s`, Math.round(f.seconds * 1000) / 1000],
  ];
}
