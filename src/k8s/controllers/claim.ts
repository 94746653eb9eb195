/**
 * ControllerRefManager.ClaimObject (pkg/controller/controller_ref_manager.go): a controller's objects are
 * those whose controller reference names it and whose labels its selector still matches; an orphan that
 * matches (and is not being deleted) is adopted by adding the reference, an owned object that no longer
 * matches is released by removing it. Adoption first re-reads the owner from the API server
 * (RecheckDeletionTimestamp), so a deleted or replaced owner adopts nothing.
 */

import type { ControlPlaneContext } from '../api/index.js';
import { type KubeObject, type LabelSelector, type OwnerReference, StatusError } from '../store/index.js';
import { type CompiledSelector, compiledSelector, matchesCompiled } from './memo.js';
import { controllerRefOf, isTerminating, newControllerRef } from './pods.js';

export interface ClaimOptions {
  /** The owner as the controller's cache has it. */
  readonly owner: KubeObject;
  readonly ownerApiVersion: string;
  readonly ownerKind: string;
  readonly selector: LabelSelector;
  /**
   * Objects the cache's owner index files under the owner's uid: their controller reference is known to
   * name the owner, so it is not read again (SharedInformer.ownedBy). Looked at before `candidates`.
   */
  readonly owned?: readonly KubeObject[];
  /** The owned objects and the orphans of the namespace (anything owned by others is ignored anyway). */
  readonly candidates: readonly KubeObject[];
  /** Only objects passing this are looked at (the ReplicaSet controller's FilterActivePods). */
  readonly accept?: (obj: KubeObject) => boolean;
}

/**
 * Returns the objects the owner controls after adoption and release, in the order of `owned` then
 * `candidates`. Indexed loops and one selector lookup: the ReplicaSet controller claims every pod of a
 * ReplicaSet in every sync.
 */
export function claim<O extends KubeObject>(ctx: ControlPlaneContext, kind: string, o: ClaimOptions): O[] {
  const out: O[] = [];
  const selector = compiledSelector(o.selector);
  const accept = o.accept;
  const owned = o.owned;
  if (owned !== undefined) {
    for (let i = 0; i < owned.length; i++) {
      const obj = owned[i] as KubeObject;
      if (accept === undefined || accept(obj)) claimOwned(ctx, kind, o, selector, obj, out);
    }
  }
  let canAdopt: boolean | undefined;
  const ownerUid = o.owner.metadata.uid;
  const candidates = o.candidates;
  for (let i = 0; i < candidates.length; i++) {
    const obj = candidates[i] as KubeObject;
    if (accept !== undefined && !accept(obj)) continue;
    const ref = controllerRefOf(obj);
    if (ref !== undefined) {
      if (ref.uid === ownerUid) claimOwned(ctx, kind, o, selector, obj, out);
      continue;
    }
    if (!matchesCompiled(selector, obj.metadata.labels) || isTerminating(obj)) continue;
    if (canAdopt === undefined) {
      const live = ctx.store.tryGet(o.owner.kind, o.owner.metadata.namespace, o.owner.metadata.name);
      canAdopt = live !== undefined && live.metadata.uid === ownerUid && !isTerminating(live);
    }
    if (!canAdopt) continue;
    const ownerRef = newControllerRef(o.owner, o.ownerApiVersion, o.ownerKind);
    const adopted = patchOwnerRefs(ctx, kind, obj, (refs) =>
      refs.some((r) => r.controller === true) ? undefined : [...refs, ownerRef],
    );
    if (adopted !== undefined) out.push(adopted as O);
  }
  return out;
}

/** An object the owner controls: kept while the selector matches it, else released. */
function claimOwned<O extends KubeObject>(
  ctx: ControlPlaneContext,
  kind: string,
  o: ClaimOptions,
  selector: CompiledSelector,
  obj: KubeObject,
  out: O[],
): void {
  if (matchesCompiled(selector, obj.metadata.labels)) {
    out.push(obj as O);
  } else if (!isTerminating(o.owner) && !isTerminating(obj)) {
    const ownerUid = o.owner.metadata.uid;
    patchOwnerRefs(ctx, kind, obj, (refs) => refs.filter((r) => r.uid !== ownerUid));
  }
}

/**
 * A strategic-merge patch of metadata.ownerReferences with a uid precondition: applied to the live object,
 * so a stale cache does not conflict. `edit` returning undefined means the precondition failed.
 */
function patchOwnerRefs(
  ctx: ControlPlaneContext,
  kind: string,
  obj: KubeObject,
  edit: (refs: readonly OwnerReference[]) => readonly OwnerReference[] | undefined,
): KubeObject | undefined {
  const live = ctx.store.tryGet(kind, obj.metadata.namespace, obj.metadata.name);
  if (live === undefined || live.metadata.uid !== obj.metadata.uid) return undefined;
  const refs = edit(live.metadata.ownerReferences ?? []);
  if (refs === undefined) return undefined;
  try {
    return ctx.store.update({
      ...live,
      metadata: {
        ...live.metadata,
        resourceVersion: '',
        ownerReferences: refs.length > 0 ? refs : undefined,
      },
    });
  } catch (e) {
    if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
    throw e;
  }
}
