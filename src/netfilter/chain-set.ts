/**
 * A table's chains in one namespace: a layer of the namespace's own changes over a map of chain records
 * that many namespaces share (kube-proxy gives every node the same records when their rules agree).
 */
import { BUILTIN_CHAINS, type Chain, type TableName } from './rule.js';

const BUILTIN_NAMES = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/** An empty built-in chain with policy ACCEPT, per name (immutable, so shared). */
export const EMPTY_BUILTIN = new Map<string, Chain>(
  BUILTIN_NAMES.map((h) => [h, Object.freeze({ name: h, policy: 'ACCEPT', rules: Object.freeze([]) })]),
);

/** A chain with no rules. */
export function emptyChain(name: string, policy: 'ACCEPT' | 'DROP' | undefined): Chain {
  return Object.freeze({ name, policy, rules: Object.freeze([]) });
}

/**
 * The chains of one table in one namespace: the caller's map (shared between namespaces, never written)
 * with this namespace's own changes laid over it, and empty ACCEPT built-in chains where neither has
 * one. Jumps into the shared map are resolved once for every namespace sharing it (`shared`).
 */
export class ChainSet {
  private own: Map<string, Chain | null> | undefined;

  constructor(
    private base: ReadonlyMap<string, Chain>,
    private readonly table: TableName,
  ) {}

  get(name: string): Chain | undefined {
    const o = this.own?.get(name);
    if (o !== undefined) return o ?? undefined;
    return this.base.get(name) ?? this.defaultBuiltin(name);
  }

  /** This namespace's own version of `name`: a chain, null if it deleted it, undefined if it has none. */
  override(name: string): Chain | null | undefined {
    return this.own?.get(name);
  }

  /** The shared map under the overlay. */
  get shared(): ReadonlyMap<string, Chain> {
    return this.base;
  }

  /** Every chain: the shared map's in its order (as overridden), then the ones added here, then defaults. */
  *chains(): IterableIterator<Chain> {
    const own = this.own;
    for (const [name, c] of this.base) {
      const o = own?.get(name);
      if (o === undefined) yield c;
      else if (o !== null) yield o;
    }
    if (own !== undefined) for (const [name, c] of own) if (c !== null && !this.base.has(name)) yield c;
    for (const n of BUILTIN_CHAINS[this.table]) {
      if (own?.has(n) !== true && !this.base.has(n)) yield this.defaultBuiltin(n) ?? emptyChain(n, 'ACCEPT');
    }
  }

  /** A copy to try changes on (only the overlay is copied). */
  fork(): ChainSet {
    const f = new ChainSet(this.base, this.table);
    if (this.own !== undefined) f.own = new Map(this.own);
    return f;
  }

  set(name: string, chain: Chain | null): void {
    if (this.own === undefined) this.own = new Map();
    this.own.set(name, chain);
    // Mostly own chains: one merged map (a new shared key) is cheaper than two lookups.
    if (this.own.size > 64 && this.own.size * 2 > this.base.size) {
      const merged = new Map<string, Chain>();
      for (const c of this.chains()) merged.set(c.name, c);
      this.base = merged;
      this.own = undefined;
    }
  }

  private defaultBuiltin(name: string): Chain | undefined {
    return BUILTIN_CHAINS[this.table].includes(name) ? EMPTY_BUILTIN.get(name) : undefined;
  }
}
