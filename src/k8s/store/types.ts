/**
 * The shape of API objects as the API server stores them (k8s.io/apimachinery pkg/apis/meta/v1 ObjectMeta,
 * TypeMeta): every object has apiVersion, kind and metadata; most have spec and status. Times are
 * simulated nanoseconds, not RFC 3339 strings, because only src/sim owns time.
 *
 * Stored objects are frozen: a read returns the stored value itself, and a write builds a new object
 * (`{...pod, spec: {...pod.spec, nodeName}}`), as client-go's "never mutate the cache" rule asks.
 */

/** metav1.OwnerReference: the controller that owns an object (garbage collection, adoption). */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/** metav1.ObjectMeta as stored: the server-owned fields are always set. */
export interface ObjectMeta {
  readonly name: string;
  /** Undefined for cluster-scoped kinds (Node, Namespace, ...). */
  readonly namespace?: string | undefined;
  readonly uid: string;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
  /** etcd's modification revision of this object, as a decimal string (opaque to clients). */
  readonly resourceVersion: string;
  /** Bumped by the server on every change of spec (metadata.generation). */
  readonly generation: number;
  /** Simulated time of creation, ns. */
  readonly creationTimestamp: number;
  /** Set when a graceful or finalizer-blocked deletion starts: the time the object should be gone, ns. */
  readonly deletionTimestamp?: number | undefined;
  readonly deletionGracePeriodSeconds?: number | undefined;
  readonly ownerReferences?: readonly OwnerReference[] | undefined;
  readonly finalizers?: readonly string[] | undefined;
  readonly generateName?: string | undefined;
}

/** A stored API object. Kinds without spec/status (Endpoints' subsets, ConfigMap's data) use other fields. */
export interface KubeObject<S = unknown, T = unknown> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly spec?: S;
  readonly status?: T;
  readonly [field: string]: unknown;
}

/** Metadata a client sends: the server fills uid, resourceVersion, generation and the timestamps. */
export interface ObjectMetaInput {
  readonly name?: string | undefined;
  readonly generateName?: string | undefined;
  readonly namespace?: string | undefined;
  readonly uid?: string | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
  /** On update: the version the client read; a stale one is a Conflict. Empty/absent: last write wins. */
  readonly resourceVersion?: string | undefined;
  readonly ownerReferences?: readonly OwnerReference[] | undefined;
  readonly finalizers?: readonly string[] | undefined;
  /** Server-owned; ignored on input, present so a stored object's metadata can be sent back. */
  readonly generation?: number | undefined;
  readonly creationTimestamp?: number | undefined;
  readonly deletionTimestamp?: number | undefined;
  readonly deletionGracePeriodSeconds?: number | undefined;
}

/** An object as a client sends it to create or update. */
export interface ObjectInput<S = unknown, T = unknown> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMetaInput;
  readonly spec?: S | undefined;
  readonly status?: T | undefined;
  readonly [field: string]: unknown;
}

/** Kinds the API server serves cluster-scoped (no namespace in their key). */
const CLUSTER_SCOPED = new Set([
  'Node',
  'Namespace',
  'PersistentVolume',
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
]);

/** True when objects of `kind` live in a namespace. */
export function isNamespaced(kind: string): boolean {
  return !CLUSTER_SCOPED.has(kind);
}

/** Plural resource names that do not follow the regular rule. */
const IRREGULAR: Readonly<Record<string, string>> = {
  Endpoints: 'endpoints',
  Ingress: 'ingresses',
  NetworkPolicy: 'networkpolicies',
  PriorityClass: 'priorityclasses',
  IngressClass: 'ingressclasses',
  StorageClass: 'storageclasses',
  RuntimeClass: 'runtimeclasses',
};

/**
 * The group-qualified resource the server names in its messages (schema.GroupResource.String()):
 * `pods` for core/v1, `deployments.apps` for apps/v1, `endpointslices.discovery.k8s.io`.
 */
export function qualifiedResource(apiVersion: string, kind: string): string {
  const plural = IRREGULAR[kind] ?? regularPlural(kind.toLowerCase());
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? plural : `${plural}.${apiVersion.slice(0, slash)}`;
}

/** gengo's namer: -y after a consonant becomes -ies, -s/-x/-z/-ch/-sh take -es, others take -s. */
function regularPlural(lower: string): string {
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}
