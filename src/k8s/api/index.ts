/** api/ — the shapes of the stored API objects and the context every control-plane component gets. */
export * from './context.js';
export { isPodReady, podReadyCondition } from './pod.js';
export * from './types.js';
