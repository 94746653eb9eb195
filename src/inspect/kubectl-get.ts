/**
 * The two pieces every `kubectl get` table shares (src/inspect/kubectl/ prints the tables): ages by
 * apimachinery's `duration.HumanDuration`, and columns laid out by Go's text/tabwriter with kubectl's
 * settings (cli-runtime `printers.GetNewTabWriter`).
 */

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
