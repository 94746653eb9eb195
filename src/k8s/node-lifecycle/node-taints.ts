/**
 * Taint writes of the node lifecycle controller: controller.AddOrUpdateTaintOnNode and
 * RemoveTaintOffNode through SwapNodeControllerTaint (pkg/controller/util/node), which stamps
 * timeAdded on every taint it adds, and the condition → NoSchedule taint mapping of
 * doNoScheduleTaintingPass (TaintNodesByCondition).
 */

import type { Node, NodeCondition, Taint } from '../api/index.js';
import type { ApiStore } from '../store/index.js';
import {
  sameTaint,
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
} from './conditions.js';

export const UNREACHABLE_NO_EXECUTE: Taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute' };
export const NOT_READY_NO_EXECUTE: Taint = { key: TAINT_NOT_READY, effect: 'NoExecute' };

/** nodeConditionToTaintKeyStatusMap. */
const CONDITION_TAINTS: Readonly<
  Record<NodeCondition['type'], Partial<Record<NodeCondition['status'], string>>>
> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: TAINT_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_PID_PRESSURE },
};

/** taintKeyToNodeConditionMap's keys: the condition taints the controller owns. */
const CONDITION_TAINT_KEYS = new Set([
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_MEMORY_PRESSURE,
  TAINT_DISK_PRESSURE,
  TAINT_PID_PRESSURE,
]);

export function hasTaint(node: Node, t: Taint): boolean {
  return (node.spec.taints ?? []).some((x) => sameTaint(x, t));
}

/**
 * SwapNodeControllerTaint on the node as stored now: adds (with timeAdded = now) then removes. Adding a
 * taint that exists identically is a no-op; one that differs (value, timeAdded) replaces it in place.
 */
export function swapNodeTaints(
  store: ApiStore,
  nodeName: string,
  add: readonly Taint[],
  remove: readonly Taint[],
  now: number,
): boolean {
  const node = store.tryGet<Node>('Node', undefined, nodeName);
  if (node === undefined) return false;
  let taints: Taint[] = [...(node.spec.taints ?? [])];
  let changed = false;
  for (const t of add) {
    const stamped: Taint = { ...t, timeAdded: now };
    const i = taints.findIndex((x) => sameTaint(x, t));
    if (i < 0) {
      taints.push(stamped);
      changed = true;
    } else {
      const old = taints[i] as Taint;
      if ((old.value ?? '') !== (stamped.value ?? '') || old.timeAdded !== stamped.timeAdded) {
        taints[i] = stamped;
        changed = true;
      }
    }
  }
  const before = taints.length;
  taints = taints.filter((x) => !remove.some((r) => sameTaint(r, x)));
  if (taints.length !== before) changed = true;
  if (!changed) return true;
  const { taints: _old, ...rest } = node.spec;
  const spec = taints.length === 0 ? rest : { ...rest, taints };
  store.update({ ...node, metadata: { ...node.metadata, resourceVersion: '' }, spec });
  return true;
}

/** doNoScheduleTaintingPass: the NoSchedule taints the node's conditions and spec.unschedulable call for. */
export function noScheduleTaintDiff(node: Node): { add: Taint[]; remove: Taint[] } {
  const want: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key !== undefined) want.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec.unschedulable === true) want.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  const have = (node.spec.taints ?? []).filter(
    (t) => t.effect === 'NoSchedule' && (t.key === TAINT_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)),
  );
  return {
    add: want.filter((w) => !have.some((h) => sameTaint(h, w))),
    remove: have.filter((h) => !want.some((w) => sameTaint(h, w))),
  };
}
