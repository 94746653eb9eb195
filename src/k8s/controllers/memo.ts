/**
 * Answers the workload controllers compute on every sync, remembered per stored object. The store
 * freezes what it keeps, and a write shares every frozen part it did not change (frozenCopy), so a
 * selector, a pod's labels or a pod template keeps its identity for as long as its content: an answer
 * keyed by identity in a WeakMap is never stale and goes away with the object. Anything not frozen (a
 * test's literal, an object being built) is computed afresh every time.
 */

import { compileSelector, type LabelMatcher, type LabelSelector } from '../store/index.js';

type Labels = Parameters<LabelMatcher>[0];

export interface CompiledSelector {
  readonly match: LabelMatcher;
  /** The answer for each frozen labels object (none for a selector that is not frozen). */
  readonly answers: WeakMap<object, boolean> | undefined;
}

const selectors = new WeakMap<object, CompiledSelector>();

/** compileSelector(selector)(labels), remembered for a frozen selector and frozen labels. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  return matchesCompiled(compiledSelector(selector), labels);
}

/**
 * The selector compiled, with its answers when it is frozen: what a loop over many objects looks up once
 * and hands to matchesCompiled for each.
 */
export function compiledSelector(selector: LabelSelector): CompiledSelector {
  if (!Object.isFrozen(selector)) return { match: compileSelector(selector), answers: undefined };
  let c = selectors.get(selector);
  if (c === undefined) {
    c = { match: compileSelector(selector), answers: new WeakMap() };
    selectors.set(selector, c);
  }
  return c;
}

/** compileSelector(selector)(labels) for a selector from compiledSelector. */
export function matchesCompiled(c: CompiledSelector, labels: Labels): boolean {
  if (c.answers === undefined || labels === undefined || !Object.isFrozen(labels)) return c.match(labels);
  let answer = c.answers.get(labels);
  if (answer === undefined) {
    answer = c.match(labels);
    c.answers.set(labels, answer);
  }
  return answer;
}

/**
 * A predicate over two objects, remembered per pair: `f(a, b)` is computed once for each ordered pair of
 * frozen arguments, and every time when either is not frozen.
 */
export function pairMemo<A extends object, B extends object>(
  f: (a: A, b: B) => boolean,
): (a: A, b: B) => boolean {
  const memo = new WeakMap<A, WeakMap<B, boolean>>();
  return (a, b) => {
    if (!Object.isFrozen(a) || !Object.isFrozen(b)) return f(a, b);
    let row = memo.get(a);
    if (row === undefined) {
      row = new WeakMap();
      memo.set(a, row);
    }
    let answer = row.get(b);
    if (answer === undefined) {
      answer = f(a, b);
      row.set(b, answer);
    }
    return answer;
  };
}
