/**
 * What kubectl prints, as data: stdout and stderr lines kept apart, the name printer's `kind.group/name`
 * (`deployment.apps/web`, `node/node1`), and cmdutil.CheckErr's rendering of errors — a server error
 * as `Error from server (Reason): …`, any other with an `error: ` prefix, an aggregate of several as one
 * line each without prefix (MultipleErrors).
 */

import { StatusError } from '../store/index.js';

export interface KubectlResult {
  readonly stdout: string[];
  readonly stderr: string[];
}

export function result(stdout: string[] = [], stderr: string[] = []): KubectlResult {
  return { stdout, stderr };
}

/** The API version kubectl maps each workload kind to (its preferred version). */
export const API_VERSIONS: Readonly<Record<string, string>> = {
  Pod: 'v1',
  Node: 'v1',
  Service: 'v1',
  Endpoints: 'v1',
  Namespace: 'v1',
  ConfigMap: 'v1',
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  Lease: 'coordination.k8s.io/v1',
};

/** `kind.group` as the name printer writes it (lower-case kind, group omitted for core). */
export function kindString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const lower = kind.toLowerCase();
  return slash < 0 ? lower : `${lower}.${apiVersion.slice(0, slash)}`;
}

/** The name printer: `deployment.apps/web scaled`. */
export function named(apiVersion: string, kind: string, name: string, operation: string): string {
  return `${kindString(apiVersion, kind)}/${name} ${operation}`;
}

/** CheckErr for one error. */
export function errorLines(e: unknown): string[] {
  if (e instanceof StatusError) return [e.message];
  const msg = e instanceof Error ? e.message : String(e);
  return [msg.startsWith('error: ') ? msg : `error: ${msg}`];
}

/** CheckErr for an aggregate: one error unwrapped (with `error: `), several one per line, bare. */
export function aggregateLines(messages: readonly string[]): string[] {
  if (messages.length === 1) return errorLines(new Error(messages[0]));
  return [...messages];
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several `[a, b]` (duplicates dropped). */
export function aggregateMessage(messages: readonly string[]): string {
  const uniq = [...new Set(messages)];
  return uniq.length === 1 ? (uniq[0] as string) : `[${uniq.join(', ')}]`;
}
