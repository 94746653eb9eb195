/** Constructors for `CniResult`, so every failure carries a code from `CNI_ERR` and the plugin's text. */
import type { CniError, CniErrorCode, CniResult } from './types.js';

/** A successful plugin operation. */
export function cniOk<T>(value: T): CniResult<T> {
  return { ok: true, value };
}

/** A failed plugin operation with the code and message the real plugin prints. */
export function cniFail(
  cniVersion: string,
  code: CniErrorCode,
  msg: string,
  details?: string,
): CniResult<never> {
  const error: CniError =
    details === undefined ? { cniVersion, code, msg } : { cniVersion, code, msg, details };
  return { ok: false, error };
}
