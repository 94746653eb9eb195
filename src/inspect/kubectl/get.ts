/**
 * The part of `kubectl get` every resource shares (kubectl/pkg/cmd/get/get.go with cli-runtime's
 * printers): which objects a namespace selects, the API server's list order, `-A` adding NAMESPACE,
 * the tabwriter table, `-o json|yaml` (one object for `get KIND NAME`, else a `List`), `-o name`, and
 * what goes to stderr: server warnings, `No resources found …`, NotFound errors.
 */

import { type KubeObject, qualifiedResource } from '../../k8s/index.js';
import { humanDuration, tabwrite } from '../kubectl-get.js';
import { apiObject } from './api-object.js';
import { goJsonIndent } from './go-json.js';
import { goYaml } from './go-yaml.js';

export type GetOutput = 'table' | 'wide' | 'json' | 'yaml' | 'name';

/** The flags of `kubectl get` the printers honour. */
export interface GetOptions {
  /** `-o`: the table (default), `wide`, `json`, `yaml` or `name`. */
  readonly output: GetOutput;
  /** `-A`: every namespace (ignored for cluster-scoped kinds). */
  readonly allNamespaces: boolean;
  /** `-n` (default `default`). */
  readonly namespace?: string;
  /** The simulated time of the request, ns: ages are measured against it. */
  readonly nowNs: number;
  /** `kubectl get KIND NAME`: just that object (printed bare with -o json|yaml). */
  readonly name?: string;
}

/** What kubectl writes on each stream. */
export interface GetResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** One resource's table: the columns of its printers.go handler and the cells of one object. */
export interface ResourceTable<T extends KubeObject> {
  /** Lower-case kind and group as `-o name` prints them: `pod`, `deployment.apps`. */
  readonly nameKind: string;
  readonly namespaced: boolean;
  /** Header names (kubectl upper-cases the column names). */
  readonly columns: readonly string[];
  /** The Priority 1 columns `-o wide` adds. */
  readonly wideColumns: readonly string[];
  cells(obj: T, wide: boolean, nowNs: number): string[];
  /** A warning the API server attaches to every response for this resource. */
  readonly warning?: string;
}

const NS_PER_S = 1_000_000_000;

/**
 * printers.go translateTimestampSince: HumanDuration(now - t). The server's copy of a timestamp has
 * whole seconds (it went through RFC 3339), the clock it reads does not.
 */
export function age(sinceNs: number, nowNs: number): string {
  return humanDuration(nowNs - Math.floor(sinceNs / NS_PER_S) * NS_PER_S);
}

/** The API server lists by storage key, `/registry/<resource>/<namespace>/<name>`. */
function byKey(a: KubeObject, b: KubeObject): number {
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function listDocument(items: readonly Record<string, unknown>[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/** `kubectl get <resource>` over the objects the store holds. */
export function kubectlGet<T extends KubeObject>(
  table: ResourceTable<T>,
  objects: readonly T[],
  opts: GetOptions,
): GetResult {
  const warning = table.warning === undefined ? '' : `Warning: ${table.warning}\n`;
  const allNs = table.namespaced && opts.allNamespaces;
  const namespace = opts.namespace ?? 'default';
  if (opts.name !== undefined && allNs)
    return {
      stdout: '',
      stderr: 'error: a resource cannot be retrieved by name across all namespaces\n',
    };
  let shown = objects
    .filter((o) => !table.namespaced || allNs || o.metadata.namespace === namespace)
    .sort(byKey);
  if (opts.name !== undefined) {
    shown = shown.filter((o) => o.metadata.name === opts.name);
    const [first] = objects;
    if (shown.length === 0) {
      const resource =
        first === undefined ? `${table.nameKind}s` : qualifiedResource(first.apiVersion, first.kind);
      return {
        stdout: '',
        stderr: `${warning}Error from server (NotFound): ${resource} "${opts.name}" not found\n`,
      };
    }
  }
  switch (opts.output) {
    case 'json':
    case 'yaml': {
      const items = shown.map(apiObject);
      const doc = opts.name !== undefined && items[0] !== undefined ? items[0] : listDocument(items);
      return { stdout: opts.output === 'json' ? goJsonIndent(doc) : goYaml(doc), stderr: warning };
    }
    case 'name':
      return {
        stdout: shown.map((o) => `${table.nameKind}/${o.metadata.name}\n`).join(''),
        stderr: warning,
      };
    default: {
      if (shown.length === 0) {
        const none =
          table.namespaced && !allNs ? `No resources found in ${namespace} namespace.` : 'No resources found';
        return { stdout: '', stderr: `${warning}${none}\n` };
      }
      const wide = opts.output === 'wide';
      const header = [...table.columns, ...(wide ? table.wideColumns : [])];
      const rows = shown.map((o) => table.cells(o, wide, opts.nowNs));
      if (allNs) {
        header.unshift('NAMESPACE');
        for (const [i, r] of rows.entries()) r.unshift(shown[i]?.metadata.namespace ?? '');
      }
      return { stdout: tabwrite([header, ...rows]), stderr: warning };
    }
  }
}
