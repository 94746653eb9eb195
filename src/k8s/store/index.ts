/**
 * The API store: objects with metadata, spec and status under one revision counter, optimistic
 * concurrency, watches delivered through the event queue with per-component delays, and informers.
 */
export {
  StatusError,
  type StatusReason,
} from './errors.js';
export { type IndexFunc, Informer, type InformerHandlers, type InformerOptions } from './informer.js';
export { labelIndexKeys, labelPairKey, labelPairKeys, selectorIndexKey } from './label-index.js';
export {
  compileSelector,
  type LabelMatcher,
  type LabelSelector,
  type LabelSelectorRequirement,
  parseSelector,
  setSelects,
} from './selector.js';
export {
  ApiStore,
  type ApiStoreOptions,
  type DeleteOptions,
  type ListOptions,
  type ListResult,
  type Strategy,
} from './store.js';
export {
  isNamespaced,
  type KubeObject,
  type ObjectInput,
  type ObjectMeta,
  type ObjectMetaInput,
  type OwnerReference,
  qualifiedResource,
} from './types.js';
export { deepEqual, frozenCopy } from './values.js';
export type {
  DeliveryOptions,
  Watch,
  WatchEvent,
  WatchEventType,
  WatchHandler,
  WatchOptions,
} from './watch.js';
