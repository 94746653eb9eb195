/**
 * FitError.Error (pkg/scheduler/framework/types.go): "0/N nodes are available: <histogram>." where the
 * histogram is "<count> <reason>" strings sorted as Go's sort.Strings does (bytewise, so "10 …" sorts
 * before "2 …"), then the PostFilter (DefaultPreemption) message when preemption found no candidate.
 */

export const NO_VICTIMS = 'No preemption victims found for incoming pod';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "1 reason-a, 2 reason-b" from a reason per node list (a node may contribute several reasons). */
export function reasonHistogram(reasonsPerNode: Iterable<readonly string[]>): string {
  const counts = new Map<string, number>();
  for (const rs of reasonsPerNode) for (const r of rs) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts]
    .map(([r, n]) => `${n} ${r}`)
    .sort(byteOrder)
    .join(', ');
}

export function fitErrorMessage(
  numAllNodes: number,
  reasonsPerNode: Iterable<readonly string[]>,
  postFilterMsg: string,
): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  const hist = reasonHistogram(reasonsPerNode);
  if (hist !== '') msg += ` ${hist}.`;
  if (postFilterMsg !== '') msg += ` ${postFilterMsg}`;
  return msg;
}

/** DefaultPreemption's failure text: "preemption: " + a FitError over the per-node preemption verdicts. */
export function preemptionMessage(numAllNodes: number, verdicts: Iterable<readonly string[]>): string {
  return `preemption: ${fitErrorMessage(numAllNodes, verdicts, '')}`;
}
