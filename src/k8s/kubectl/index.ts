/**
 * kubectl/ — the scenario's cluster operations as kubectl performs them on the API, with kubectl's
 * stdout and stderr lines: cordon, uncordon, drain, taint, label, scale, set image, delete, apply.
 */
export { apply, LAST_APPLIED } from './apply.js';
export { cordon, setUnschedulable, uncordon } from './cordon.js';
export { deleteObject } from './delete.js';
export { type DrainOptions, type DrainRun, drain, type KubectlLine } from './drain.js';
export {
  DAEMONSET_FATAL,
  DAEMONSET_WARNING,
  type DrainFlags,
  LOCAL_STORAGE_FATAL,
  podsForDeletion,
  UNMANAGED_FATAL,
  UNMANAGED_WARNING,
} from './drain-filters.js';
export { label } from './label.js';
export { API_VERSIONS, type KubectlResult, kindString } from './output.js';
export { type ScalableKind, scale, setImage } from './scale.js';
export { taint } from './taint.js';
