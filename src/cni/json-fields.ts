/**
 * Reading fields of a decoded JSON config the way Go's encoding/json fills a struct: a missing key or
 * `null` leaves the zero value, a value of the wrong JSON type is an error. The error texts follow
 * encoding/json's `UnmarshalTypeError` ("json: cannot unmarshal number into Go struct field … of
 * type string"); the field path is podwire's rendering of it, not byte-identical to every Go release.
 */

/** A JSON object (not an array, not null). */
export type JsonObject = Readonly<Record<string, unknown>>;

/** A field read: absent (missing or null), a value, or the decoding error text. */
export type FieldRead<T> =
  | { readonly kind: 'absent' }
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'error'; readonly msg: string };

/** True for a JSON object. */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON type name encoding/json uses in its errors. */
export function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** encoding/json's text for a value of the wrong type. */
export function typeError(v: unknown, path: string, goType: string): string {
  return `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${path} of type ${goType}`;
}

/** A string field. */
export function readString(obj: JsonObject, key: string, path: string, goType = 'string'): FieldRead<string> {
  const v = obj[key];
  if (v === undefined || v === null) return { kind: 'absent' };
  if (typeof v !== 'string') return { kind: 'error', msg: typeError(v, `${path}.${key}`, goType) };
  return { kind: 'value', value: v };
}

/** An object field. */
export function readObject(
  obj: JsonObject,
  key: string,
  path: string,
  goType: string,
): FieldRead<JsonObject> {
  const v = obj[key];
  if (v === undefined || v === null) return { kind: 'absent' };
  if (!isJsonObject(v)) return { kind: 'error', msg: typeError(v, `${path}.${key}`, goType) };
  return { kind: 'value', value: v };
}

/** An array field (its elements unchecked). */
export function readArray(
  obj: JsonObject,
  key: string,
  path: string,
  goType: string,
): FieldRead<readonly unknown[]> {
  const v = obj[key];
  if (v === undefined || v === null) return { kind: 'absent' };
  if (!Array.isArray(v)) return { kind: 'error', msg: typeError(v, `${path}.${key}`, goType) };
  return { kind: 'value', value: v };
}
