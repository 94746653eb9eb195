/**
 * The scale benchmark (issue #6, item 9): clusters of 500, 1,000, 2,000 and 5,000 nodes with 30 pods per
 * node and a Service per 15 pods, built through the whole control-plane path, then one request pod →
 * Service. Each size runs in its own Node process with the target's heap limit (4 GiB), so sizes do not
 * share a heap, and a size that needs more memory or time than allowed is reported as such, not crashed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ScaleRunResult } from './scale-run.js';

export const SCALE_SIZES: readonly number[] = [500, 1000, 2000, 5000];

export interface ScaleLimits {
  /** --max-old-space-size of each run, MB (default 4096: the issue's target). */
  readonly heapMb?: number;
  /** Wall-clock budget of each run, s (default 900: the largest size takes minutes today). */
  readonly timeoutS?: number;
}

export type ScaleRow =
  | ({ readonly ok: true } & ScaleRunResult)
  | { readonly ok: false; readonly nodes: number; readonly why: string; readonly wallMs: number };

const RUNNER = fileURLToPath(new URL('./scale-run.ts', import.meta.url));

/** Runs every size, smallest first; after a size fails, the larger ones are not tried. */
export function scaleBench(sizes: readonly number[], limits: ScaleLimits = {}): ScaleRow[] {
  const heapMb = limits.heapMb ?? 4096;
  const timeoutS = limits.timeoutS ?? 900;
  const rows: ScaleRow[] = [];
  for (const nodes of [...sizes].sort((a, b) => a - b)) {
    const failed = rows.find((r) => !r.ok);
    if (failed !== undefined) {
      rows.push({ ok: false, nodes, why: `not run (${failed.nodes} nodes failed)`, wallMs: 0 });
      continue;
    }
    const t0 = performance.now();
    // A 64 MB young generation from the start: building the cluster makes short-lived objects by the
    // million, and the default one (growing from 1 MB) promotes many of them to the old generation. The
    // old generation starts at the limit (as a server JVM is given -Xms = -Xmx): the build only adds
    // live objects, and V8's default — starting small and marking the whole heap each time it grows by
    // a factor — spent ~50 s of the 5,000-node build marking a heap growing to 2.4 GB. The peak RSS is
    // the same either way (garbage dies young); the heap reported is measured after a full collection.
    const flags = [
      '--expose-gc',
      `--max-old-space-size=${heapMb}`,
      `--initial-old-space-size=${heapMb}`,
      '--min-semi-space-size=64',
      '--max-semi-space-size=64',
    ];
    const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', RUNNER, String(nodes)], {
      encoding: 'utf8',
      timeout: timeoutS * 1000,
      maxBuffer: 1 << 20,
    });
    const wallMs = performance.now() - t0;
    const line = child.stdout?.trim().split('\n').pop() ?? '';
    if (child.status === 0 && line.startsWith('{')) {
      rows.push({ ok: true, ...(JSON.parse(line) as ScaleRunResult) });
    } else {
      const oom = /heap out of memory|Allocation failed/.test(child.stderr ?? '');
      const why =
        child.error !== undefined && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
          ? `over ${timeoutS} s`
          : oom
            ? `over the ${heapMb} MB heap`
            : `exit ${child.status ?? child.signal}: ${(child.stderr ?? '').trim().split('\n').pop() ?? ''}`;
      rows.push({ ok: false, nodes, why, wallMs });
    }
  }
  return rows;
}

/** The table lines of `npm run bench`. */
export function scaleReport(rows: readonly ScaleRow[]): string[] {
  if (rows.length === 0) return [];
  const out = [
    'scale: 30 pods/node, 1 Service per 15 pods, flannel vxlan, kube-proxy iptables; one request pod → Service',
    '  nodes     pods  services    load     build   request    heap MB    RSS MB  frames  answered',
  ];
  for (const r of rows) {
    if (!r.ok) {
      out.push(
        `  ${String(r.nodes).padStart(5)}  ${r.why}${r.wallMs > 0 ? ` (after ${(r.wallMs / 1000).toFixed(0)} s)` : ''}`,
      );
      continue;
    }
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(9);
    out.push(
      `  ${String(r.nodes).padStart(5)}  ${String(r.pods).padStart(7)}  ${String(r.services).padStart(8)}` +
        `${s(r.loadMs)} ${s(r.buildMs)} ${s(r.packetMs)}  ${r.heapMb.toFixed(0).padStart(9)} ${r.rssMb.toFixed(0).padStart(9)}` +
        `  ${String(r.frames).padStart(6)}  ${r.answered ? 'yes' : 'NO'}`,
    );
  }
  return out;
}

/** The JSON keys: scale_<nodes>_build_s, _heap_mb, _answered, or scale_<nodes>_failed with the reason. */
export function scaleJson(rows: readonly ScaleRow[]): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const r of rows) {
    const k = `scale_${r.nodes}`;
    if (!r.ok) {
      out[`${k}_failed`] = r.why;
      continue;
    }
    out[`${k}_load_s`] = Math.round(r.loadMs) / 1000;
    out[`${k}_build_s`] = Math.round(r.buildMs) / 1000;
    out[`${k}_heap_mb`] = Math.round(r.heapMb);
    out[`${k}_answered`] = r.answered;
  }
  return out;
}
