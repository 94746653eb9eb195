/**
 * The IPVS schedulers, one file per family, each reproducing its kernel module's selection rule and its
 * reaction to list changes. `createScheduler` is ip_vs_scheduler_get + init_service's allocation.
 */
import { DestinationHashing, SourceHashing } from './hashing.js';
import { LeastConnection, NeverQueue, ShortestExpectedDelay, WeightedLeastConnection } from './least.js';
import { LocalityLeastConnection, LocalityLeastConnectionReplicated } from './locality.js';
import { RoundRobin } from './rr.js';
import type { IpvsScheduler, SchedulerName } from './types.js';
import { SCHEDULER_NAMES } from './types.js';
import { WeightedRoundRobin } from './wrr.js';

export {
  DestinationHashing,
  dhHashKey,
  GOLDEN_RATIO_32,
  HASH_TAB_SIZE,
  hash32,
  SourceHashing,
  shHashKey,
} from './hashing.js';
export {
  LeastConnection,
  leastWeighted,
  NeverQueue,
  ShortestExpectedDelay,
  WeightedLeastConnection,
} from './least.js';
export { LocalityLeastConnection, LocalityLeastConnectionReplicated } from './locality.js';
export { RoundRobin } from './rr.js';
export {
  type IpvsScheduler,
  SCHEDULER_NAMES,
  type SchedPacket,
  type SchedService,
  type SchedulerName,
  unusable,
} from './types.js';
export { WeightedRoundRobin } from './wrr.js';

/** True for a name `ipvsadm -s` accepts here. */
export function isSchedulerName(name: string): name is SchedulerName {
  return (SCHEDULER_NAMES as readonly string[]).includes(name);
}

/** A fresh scheduler instance (its per-service state); call `init(svc)` when binding it. */
export function createScheduler(name: SchedulerName): IpvsScheduler {
  switch (name) {
    case 'rr':
      return new RoundRobin();
    case 'wrr':
      return new WeightedRoundRobin();
    case 'lc':
      return new LeastConnection();
    case 'wlc':
      return new WeightedLeastConnection();
    case 'sed':
      return new ShortestExpectedDelay();
    case 'nq':
      return new NeverQueue();
    case 'sh':
      return new SourceHashing();
    case 'dh':
      return new DestinationHashing();
    case 'lblc':
      return new LocalityLeastConnection();
    case 'lblcr':
      return new LocalityLeastConnectionReplicated();
  }
}
