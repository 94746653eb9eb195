/**
 * `kubectl get pods`: printers.go printPod. READY counts ready running containers (plus started
 * restartable init containers) over containers; STATUS starts from the phase or status.reason and is
 * overridden by init-container progress (`Init:0/2`, `Init:CrashLoopBackOff`), then by the last
 * container with a waiting / terminated reason (`ContainerCreating`, `Completed`), `Completed` with a
 * container still running turns back to `Running` / `NotReady`, and a deletion timestamp makes it
 * `Terminating` (or `Unknown` for a pod on a lost node). RESTARTS shows `N (AGE ago)` once a
 * container has a last termination time.
 */

import type { Pod } from '../../k8s/index.js';
import { age, type GetOptions, type GetResult, kubectlGet, type ResourceTable } from './get.js';

/** The ContainerStatus fields printPod reads beyond those podwire's types declare. */
interface StatusView {
  readonly name: string;
  readonly ready?: boolean;
  readonly started?: boolean;
  readonly restartCount?: number;
  readonly state?: {
    readonly waiting?: { readonly reason?: string };
    readonly running?: unknown;
    readonly terminated?: { readonly exitCode?: number; readonly signal?: number; readonly reason?: string };
  };
  readonly lastState?: { readonly terminated?: { readonly finishedAt?: number } };
}

interface ContainerView {
  readonly name: string;
  readonly restartPolicy?: string;
}

const NONE = '<none>';
/** node.NodeUnreachablePodReason. */
const NODE_LOST = 'NodeLost';

/** The latest last-termination time (ns) of the given statuses, or undefined. */
function lastTermination(statuses: readonly StatusView[], after: number | undefined): number | undefined {
  let last = after;
  for (const s of statuses) {
    const t = s.lastState?.terminated?.finishedAt;
    if (t !== undefined && (last === undefined || t > last)) last = t;
  }
  return last;
}

/** The READY, STATUS and RESTARTS cells, and the last restart time. */
function podState(pod: Pod): { ready: string; reason: string; restarts: number; lastRestart?: number } {
  const status = pod.status ?? {};
  const extra = status as { readonly initContainerStatuses?: readonly StatusView[] };
  const initSpecs = (pod.spec.initContainers ?? []) as readonly ContainerView[];
  const restartable = (name: string): boolean =>
    initSpecs.find((c) => c.name === name)?.restartPolicy === 'Always';
  const total = pod.spec.containers.length + initSpecs.filter((c) => c.restartPolicy === 'Always').length;
  let readyCount = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let reason: string = status.phase ?? '';
  if (status.reason !== undefined && status.reason !== '') reason = status.reason;
  for (const c of status.conditions ?? [])
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';

  const initStatuses = extra.initContainerStatuses ?? [];
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  let initializing = false;
  for (const [i, c] of initStatuses.entries()) {
    restarts += c.restartCount ?? 0;
    lastRestart = lastTermination([c], lastRestart);
    if (restartable(c.name)) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = lastTermination([c], lastSidecarRestart);
    }
    const term = c.state?.terminated;
    const waiting = c.state?.waiting?.reason ?? '';
    if (term !== undefined && (term.exitCode ?? 0) === 0) continue;
    if (restartable(c.name) && c.started === true) {
      if (c.ready === true) readyCount++;
      continue;
    }
    if (term !== undefined) {
      if ((term.reason ?? '') !== '') reason = `Init:${term.reason}`;
      else if ((term.signal ?? 0) !== 0) reason = `Init:Signal:${term.signal}`;
      else reason = `Init:ExitCode:${term.exitCode ?? 0}`;
    } else if (waiting !== '' && waiting !== 'PodInitializing') {
      reason = `Init:${waiting}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    const statuses = (status.containerStatuses ?? []) as readonly StatusView[];
    lastRestart = lastTermination(statuses, lastSidecarRestart);
    let hasRunning = false;
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (c === undefined) continue;
      restarts += c.restartCount ?? 0;
      const waiting = c.state?.waiting?.reason ?? '';
      const term = c.state?.terminated;
      if (waiting !== '') reason = waiting;
      else if (term !== undefined && (term.reason ?? '') !== '') reason = term.reason ?? '';
      else if (term !== undefined)
        reason = (term.signal ?? 0) !== 0 ? `Signal:${term.signal}` : `ExitCode:${term.exitCode ?? 0}`;
      else if (c.ready === true && c.state?.running !== undefined) {
        hasRunning = true;
        readyCount++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  const deleting = pod.metadata.deletionTimestamp !== undefined;
  if (deleting && status.reason === NODE_LOST) reason = 'Unknown';
  else if (deleting && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  return {
    ready: `${readyCount}/${total}`,
    reason,
    restarts,
    ...(lastRestart !== undefined ? { lastRestart } : {}),
  };
}

/** The -o wide READINESS GATES cell: true gate conditions over gates. */
function readinessGatesCell(pod: Pod): string {
  const gates = (pod.spec['readinessGates'] ?? []) as readonly { readonly conditionType: string }[];
  if (gates.length === 0) return NONE;
  const conditions = (pod.status?.conditions ?? []) as readonly {
    readonly type: string;
    readonly status: string;
  }[];
  const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True');
  return `${passed.length}/${gates.length}`;
}

const orNone = (s: string | undefined): string => (s === undefined || s === '' ? NONE : s);

export const POD_TABLE: ResourceTable<Pod> = {
  nameKind: 'pod',
  namespaced: true,
  columns: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
  wideColumns: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
  cells(pod, wide, nowNs) {
    const s = podState(pod);
    const restarts =
      s.restarts !== 0 && s.lastRestart !== undefined
        ? `${s.restarts} (${age(s.lastRestart, nowNs)} ago)`
        : String(s.restarts);
    const cells = [
      pod.metadata.name,
      s.ready,
      s.reason,
      restarts,
      age(pod.metadata.creationTimestamp, nowNs),
    ];
    if (wide)
      cells.push(
        orNone(pod.status?.podIPs?.[0]?.ip),
        orNone(pod.spec.nodeName),
        orNone(pod.status?.nominatedNodeName),
        readinessGatesCell(pod),
      );
    return cells;
  },
};

/** `kubectl get pods`. */
export function getPods(pods: readonly Pod[], opts: GetOptions): GetResult {
  return kubectlGet(POD_TABLE, pods, opts);
}
