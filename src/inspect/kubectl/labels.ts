/**
 * Label and selector text as kubectl's printers write it (apimachinery pkg/labels): FormatLabels for
 * a map (`a=1,b=2`, `<none>` when empty) and Selector.String() of LabelSelectorAsSelector for a
 * metav1.LabelSelector (`app=web,env in (a,b),!canary`, requirements sorted by key).
 */

import type { LabelSelector } from '../../k8s/index.js';

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** labels.FormatLabels. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const pairs = Object.entries(labels ?? {})
    .sort(([a], [b]) => byString(a, b))
    .map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? '<none>' : pairs.join(',');
}

/** LabelSelectorAsSelector(sel).String(): empty for a selector that selects everything. */
export function selectorString(sel: LabelSelector | undefined): string {
  if (sel === undefined) return '';
  const reqs: [string, string][] = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => [k, `${k}=${v}`]);
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort(byString).join(',');
    const text =
      e.operator === 'In'
        ? `${e.key} in (${values})`
        : e.operator === 'NotIn'
          ? `${e.key} notin (${values})`
          : e.operator === 'Exists'
            ? e.key
            : `!${e.key}`;
    reqs.push([e.key, text]);
  }
  return reqs
    .sort(([a], [b]) => byString(a, b))
    .map(([, t]) => t)
    .join(',');
}

/** metav1.FormatLabelSelector: as selectorString, `<none>` when empty. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  const text = selectorString(sel);
  return text === '' ? '<none>' : text;
}

/** printers.go layoutContainerCells: names and images, comma-joined. */
export function containerCells(
  containers: readonly { readonly name: string; readonly image: string }[],
): [string, string] {
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(',')];
}
