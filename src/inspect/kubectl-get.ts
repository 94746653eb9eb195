/**
 * `kubectl get pods [-o wide] [-A]` as kubectl prints it: the pod table's columns
 * (kubernetes `pkg/printers/internalversion/printers.go` printPod), laid out by Go's text/tabwriter
 * with kubectl's settings (cli-runtime `printers.GetNewTabWriter`), ages by apimachinery's
 * `duration.HumanDuration`. The rows are plain data: what the orchestration layer knows of each pod.
 */

/** One pod as `kubectl get pods` sees it. Empty optional cells print as `<none>`. */
export interface PodRow {
  readonly name: string;
  readonly namespace: string;
  /** Ready containers over all containers, e.g. `1/1`. */
  readonly ready: string;
  /** The STATUS column: the phase or a reason (`Running`, `Pending`, `ContainerCreating`, `Completed`, …). */
  readonly status: string;
  readonly restarts: number;
  /** Time since the last container restart; with restarts > 0 it shows as `2 (5m ago)`. */
  readonly lastRestartAgeNs?: number;
  /** Time since the pod's creationTimestamp. */
  readonly ageNs: number;
  /** `status.podIPs[0]`, dotted. */
  readonly ip?: string;
  /** `spec.nodeName`. */
  readonly node?: string;
  /** `status.nominatedNodeName`. */
  readonly nominatedNode?: string;
  /** Passed over declared readiness gates, e.g. `1/2`. */
  readonly readinessGates?: string;
}

/** The flags of `kubectl get pods` that change the table. */
export interface KubectlGetPodsOptions {
  /** `-o wide`: adds IP, NODE, NOMINATED NODE, READINESS GATES. */
  readonly wide: boolean;
  /** `-A`: every namespace, with a NAMESPACE column first. */
  readonly allNamespaces?: boolean;
  /** `-n NAMESPACE` (default `default`); ignored with `allNamespaces`. */
  readonly namespace?: string;
}

const NONE = '<none>';
const NS_PER_S = 1_000_000_000;

/** Integer division truncating toward zero, exact for every safe integer (Go's `/` on int64). */
function div(a: number, b: number): number {
  return (a - (a % b)) / b;
}

/**
 * apimachinery `duration.HumanDuration`: about two significant figures — `45s`, `119s`, `2m30s`, `9m`,
 * `10m`, `179m`, `3h15m`, `7h`, `8h`, `47h`, `2d3h`, `7d`, `8d`, `729d`, `2y3d`, `8y`. Slightly negative
 * ages (clock skew under 2 s) print `0s`; older skew prints `<invalid>`.
 */
export function humanDuration(ns: number): string {
  const seconds = div(ns, NS_PER_S);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = div(seconds, 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = div(minutes, 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = div(hours, 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = div(days, 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

// kubectl's tabwriter: minwidth 6, tabwidth 4, padding 3, pad with spaces (cli-runtime printers/tabwriter.go).
const MIN_WIDTH = 6;
const PADDING = 3;

/** Width of a cell as tabwriter counts it: in UTF-8 runes (code points). */
function cellWidth(text: string): number {
  return [...text].length;
}

/**
 * Lays out rows of cells as Go's text/tabwriter does with kubectl's settings: every column but the last
 * is padded with spaces to max(6, widest cell + 3); the last cell of a line is written as is.
 */
export function tabwrite(lines: readonly (readonly string[])[]): string {
  const columns = Math.max(0, ...lines.map((l) => l.length - 1));
  const widths: number[] = [];
  for (let c = 0; c < columns; c++) {
    let width = MIN_WIDTH;
    for (const line of lines) {
      const cell = c < line.length - 1 ? line[c] : undefined;
      if (cell !== undefined) width = Math.max(width, cellWidth(cell) + PADDING);
    }
    widths.push(width);
  }
  return lines
    .map((line) => {
      const last = line.length - 1;
      const cells = line.map((cell, c) =>
        c === last ? cell : cell + ' '.repeat((widths[c] ?? 0) - cellWidth(cell)),
      );
      return `${cells.join('')}\n`;
    })
    .join('');
}

/** The API server lists objects in storage-key order, `/registry/pods/NAMESPACE/NAME`. */
function byKey(a: PodRow, b: PodRow): number {
  const ka = `${a.namespace}/${a.name}`;
  const kb = `${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** kubectl prints an unset cell (absent or empty) as `<none>`. */
function orNone(value: string | undefined): string {
  return value === undefined || value === '' ? NONE : value;
}

function restartsCell(row: PodRow): string {
  if (row.restarts === 0 || row.lastRestartAgeNs === undefined) return String(row.restarts);
  return `${row.restarts} (${humanDuration(row.lastRestartAgeNs)} ago)`;
}

/**
 * `kubectl get pods`: the table, one `\n`-terminated line per pod after the header, pods in the order
 * the API server lists them (namespace, then name). When no pod is shown it returns the line kubectl
 * writes on stderr instead: `No resources found in default namespace.` (with `-A`: `No resources found`).
 */
export function kubectlGetPods(rows: readonly PodRow[], options: KubectlGetPodsOptions): string {
  const all = options.allNamespaces === true;
  const namespace = options.namespace ?? 'default';
  const shown = rows.filter((r) => all || r.namespace === namespace).sort(byKey);
  if (shown.length === 0)
    return all ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`;
  const header = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
  if (options.wide) header.push('IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES');
  if (all) header.unshift('NAMESPACE');
  const body = shown.map((r) => {
    const cells = [r.name, r.ready, r.status, restartsCell(r), humanDuration(r.ageNs)];
    if (options.wide)
      cells.push(orNone(r.ip), orNone(r.node), orNone(r.nominatedNode), orNone(r.readinessGates));
    if (all) cells.unshift(r.namespace);
    return cells;
  });
  return tabwrite([header, ...body]);
}
