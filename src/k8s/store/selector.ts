/**
 * Label selectors (k8s.io/apimachinery pkg/labels): the structured form of metav1.LabelSelector
 * (matchLabels AND matchExpressions with In, NotIn, Exists, DoesNotExist) and the string form of
 * `kubectl -l` (`app=web,tier!=db,env in (a,b),!canary`). Both compile to one predicate over labels.
 */

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export type Labels = Readonly<Record<string, string>> | undefined;
export type LabelMatcher = (labels: Labels) => boolean;

/**
 * labels.SelectorFromSet(set).Matches(labels): every pair of `set` is among `labels` (an empty set selects
 * everything) — compileSelector({ matchLabels: set }) without compiling a matcher, for loops that test
 * many sets.
 */
export function setSelects(set: Readonly<Record<string, string>>, labels: Labels): boolean {
  for (const k in set) {
    if (labels === undefined || !Object.hasOwn(labels, k) || labels[k] !== set[k]) return false;
  }
  return true;
}

/** Compiles a selector; `undefined` and `{}` select everything (LabelSelectorAsSelector). */
export function compileSelector(selector: LabelSelector | string | undefined): LabelMatcher {
  if (selector === undefined) return everything;
  const reqs = typeof selector === 'string' ? parseSelector(selector) : requirementsOf(selector);
  if (reqs.length === 0) return everything;
  return (labels) => reqs.every((r) => matches(r, labels));
}

function everything(): boolean {
  return true;
}

function requirementsOf(s: LabelSelector): LabelSelectorRequirement[] {
  const reqs: LabelSelectorRequirement[] = [];
  for (const [key, value] of Object.entries(s.matchLabels ?? {})) {
    reqs.push({ key, operator: 'In', values: [value] });
  }
  for (const r of s.matchExpressions ?? []) reqs.push(r);
  return reqs;
}

function matches(r: LabelSelectorRequirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'In':
      return has && (r.values ?? []).includes(labels?.[r.key] ?? '');
    case 'NotIn':
      return !has || !(r.values ?? []).includes(labels?.[r.key] ?? '');
  }
}

const SET_RE = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)$/;
const EQ_RE = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/;
const KEY_RE = /^(!?)\s*([^\s!=(),]+)$/;

/** Parses the string form (labels.Parse); throws a RangeError naming the bad term. */
export function parseSelector(text: string): LabelSelectorRequirement[] {
  const reqs: LabelSelectorRequirement[] = [];
  for (const raw of splitTerms(text)) {
    const term = raw.trim();
    if (term === '') continue;
    let m = SET_RE.exec(term);
    if (m !== null) {
      const values = (m[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      reqs.push({ key: m[1] ?? '', operator: m[2] === 'in' ? 'In' : 'NotIn', values });
      continue;
    }
    m = EQ_RE.exec(term);
    if (m !== null) {
      reqs.push({ key: m[1] ?? '', operator: m[2] === '!=' ? 'NotIn' : 'In', values: [m[3] ?? ''] });
      continue;
    }
    m = KEY_RE.exec(term);
    if (m !== null) {
      reqs.push({ key: m[2] ?? '', operator: m[1] === '!' ? 'DoesNotExist' : 'Exists' });
      continue;
    }
    throw new RangeError(`unable to parse requirement: ${JSON.stringify(term)}`);
  }
  return reqs;
}

/** Splits on commas outside parentheses. */
function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}
