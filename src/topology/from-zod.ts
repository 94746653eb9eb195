/**
 * Conversion of zod issues into topology issue details (still without a file position). zod's own
 * messages are dropped; the data it carries (expected type, bounds, enum values, unknown keys, our own
 * `custom` details) is kept, and the schema is consulted for what zod does not say (the known fields
 * of an object, both bounds of a range).
 */

import { z } from 'zod';
import { customDetailSchema } from './formats.js';
import type { IssueDetail, PathKey } from './issues.js';
import type { Anchor } from './yaml-positions.js';

/** An issue before it is placed in the file. */
export interface IssueDraft {
  readonly detail: IssueDetail;
  readonly path: readonly PathKey[];
  readonly anchor: Anchor;
}

type Schema = z.core.$ZodType;

/** Steps through wrappers (optional, default, pipe) to the schema that validates the value itself. */
function unwrap(schema: Schema): Schema {
  let s = schema;
  for (;;) {
    if (
      s instanceof z.core.$ZodOptional ||
      s instanceof z.core.$ZodDefault ||
      s instanceof z.core.$ZodPrefault
    ) {
      s = s._zod.def.innerType;
    } else if (s instanceof z.core.$ZodPipe) {
      s = s._zod.def.in;
    } else {
      return s;
    }
  }
}

/** The schema of the value at `path` below `schema`, if the path follows it. */
function schemaAt(schema: Schema, path: readonly PathKey[]): Schema | undefined {
  let s: Schema = unwrap(schema);
  for (const key of path) {
    if (s instanceof z.core.$ZodObject && typeof key === 'string') {
      const next = s._zod.def.shape[key];
      if (next === undefined) return undefined;
      s = unwrap(next);
    } else if (s instanceof z.core.$ZodArray && typeof key === 'number') {
      s = unwrap(s._zod.def.element);
    } else if (s instanceof z.core.$ZodRecord) {
      s = unwrap(s._zod.def.valueType);
    } else if (s instanceof z.core.$ZodUnion) {
      const rest = path.slice(path.indexOf(key));
      const inner = s._zod.def.options.map((o) => schemaAt(o, rest)).find((x) => x !== undefined);
      return inner;
    } else {
      return undefined;
    }
  }
  return s;
}

function knownFields(schema: Schema, path: readonly PathKey[]): readonly string[] {
  const s = schemaAt(schema, path);
  return s instanceof z.core.$ZodObject ? Object.keys(s._zod.def.shape) : [];
}

function numberBounds(schema: Schema, path: readonly PathKey[]): { min?: number; max?: number } {
  const s = schemaAt(schema, path);
  if (!(s instanceof z.core.$ZodNumber)) return {};
  const out: { min?: number; max?: number } = {};
  for (const check of s._zod.def.checks ?? []) {
    if (check instanceof z.core.$ZodCheckGreaterThan && typeof check._zod.def.value === 'number') {
      out.min = check._zod.def.value;
    } else if (check instanceof z.core.$ZodCheckLessThan && typeof check._zod.def.value === 'number') {
      out.max = check._zod.def.value;
    }
  }
  return out;
}

function toPath(path: readonly PropertyKey[]): PathKey[] {
  return path.map((k) => (typeof k === 'symbol' ? String(k) : k));
}

/** What a failed union branch wanted, if it failed right at the union's own value. */
function branchExpectation(branch: readonly z.core.$ZodIssue[]): string[] | undefined {
  const out: string[] = [];
  for (const issue of branch) {
    if (issue.path.length > 0) return undefined;
    if (issue.code === 'invalid_type') out.push(issue.expected);
    else if (issue.code === 'invalid_value') out.push(...issue.values.map((v) => JSON.stringify(v)));
    else return undefined;
  }
  return out;
}

function convert(issue: z.core.$ZodIssue, schema: Schema, base: readonly PathKey[]): IssueDraft[] {
  const path = [...base, ...toPath(issue.path)];
  const at = (detail: IssueDetail): IssueDraft[] => [{ detail, path, anchor: 'value' }];
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return at({ code: 'missing_field', expected: [issue.expected] });
      return at({ code: 'invalid_type', expected: [issue.expected], received: issue.input });
    case 'invalid_value':
      if (issue.input === undefined)
        return at({ code: 'missing_field', expected: issue.values.map((v) => JSON.stringify(v)) });
      return at({ code: 'invalid_value', received: issue.input, allowed: issue.values.map(primitive) });
    case 'too_small':
    case 'too_big': {
      if (issue.origin === 'string' || issue.origin === 'array') {
        const length = Array.isArray(issue.input) || typeof issue.input === 'string' ? issue.input.length : 0;
        const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
        const limit = issue.code === 'too_small' ? { min: bound } : { max: bound };
        const origin = issue.origin === 'string' ? 'string' : 'array';
        return at({ code: 'out_of_range', origin, received: length, ...limit });
      }
      const received = typeof issue.input === 'number' ? issue.input : Number.NaN;
      return at({ code: 'out_of_range', origin: 'number', received, ...numberBounds(schema, path) });
    }
    case 'unrecognized_keys': {
      const known = knownFields(schema, path);
      return issue.keys.map((field) => ({
        detail: { code: 'unknown_field', field, known },
        path: [...path, field],
        anchor: 'key',
      }));
    }
    case 'invalid_union': {
      // A branch that got past the value's own type (its issues lie deeper) is the one the author meant.
      const deeper = issue.errors.filter((branch) => branchExpectation(branch) === undefined);
      const [only] = deeper;
      if (deeper.length === 1 && only !== undefined) return only.flatMap((i) => convert(i, schema, path));
      const expected = issue.errors.flatMap((branch) => branchExpectation(branch) ?? []);
      if (issue.input === undefined) return at({ code: 'missing_field', expected });
      return at({ code: 'invalid_type', expected, received: issue.input });
    }
    case 'custom': {
      const parsed = customDetailSchema.safeParse(issue.params);
      // A bad mapping key (a label key) is pointed at where it is written, not at its value.
      if (parsed.success && parsed.data.code === 'invalid_format' && parsed.data.format === 'label_key')
        return [{ detail: parsed.data, path, anchor: 'key' }];
      if (parsed.success) return at(parsed.data);
      return at({ code: 'invalid_value', received: issue.input, allowed: [] });
    }
    case 'invalid_format':
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
      // The schema uses none of these; keep the value so the line still says what was refused.
      return at({ code: 'invalid_value', received: issue.input, allowed: [] });
  }
}

function primitive(v: unknown): string | number | boolean | null {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  return String(v);
}

/** Converts the issues of one `safeParse(doc, { reportInput: true })` against `schema`. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], schema: Schema): IssueDraft[] {
  return issues.flatMap((issue) => convert(issue, schema, []));
}
