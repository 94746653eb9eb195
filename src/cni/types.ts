/**
 * CNI-shaped records: the result a plugin prints on ADD (spec §"Success", cni pkg/types/040 and
 * pkg/types/100) and the error it prints on failure (cni pkg/types/types.go `Error`). Field order is
 * the order Go marshals them in, so `JSON.stringify` of a record prints what the plugin prints.
 */

/** The well-known CNI error codes (cni pkg/types/types.go, "Well known error codes"). */
export const CNI_ERR = {
  /** ErrUnknown. */
  unknown: 0,
  /** ErrIncompatibleCNIVersion. */
  incompatibleCniVersion: 1,
  /** ErrUnsupportedField. */
  unsupportedField: 2,
  /** ErrUnknownContainer. */
  unknownContainer: 3,
  /** ErrInvalidEnvironmentVariables. */
  invalidEnvironmentVariables: 4,
  /** ErrIOFailure. */
  ioFailure: 5,
  /** ErrDecodingFailure. */
  decodingFailure: 6,
  /** ErrInvalidNetworkConfig. */
  invalidNetworkConfig: 7,
  /** ErrTryAgainLater. */
  tryAgainLater: 11,
  /** ErrInternal: what skel reports for any plain Go error a plugin returns. */
  internal: 999,
} as const;

/** One of the well-known CNI error codes. */
export type CniErrorCode = (typeof CNI_ERR)[keyof typeof CNI_ERR];

/** The error a plugin prints on stdout when it fails (spec §"Error"). */
export interface CniError {
  readonly cniVersion: string;
  readonly code: CniErrorCode;
  readonly msg: string;
  readonly details?: string;
}

/** A plugin operation's outcome: a value, or the CNI error the real plugin would print. */
export type CniResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: CniError };

/** An interface a plugin created or configured (`sandbox` only for one inside a pod netns). */
export interface CniInterface {
  readonly name: string;
  readonly mac: string;
  readonly sandbox?: string;
}

/**
 * An address in a result. `version` is printed for spec 0.3.x/0.4.0 and dropped from 1.0.0 on;
 * `interface` indexes `interfaces` (IPAM plugins leave it out; the bridge plugin fills it in).
 */
export interface CniIpConfig {
  readonly version?: '4';
  readonly interface?: number;
  /** "a.b.c.d/len", the address with its subnet's prefix length. */
  readonly address: string;
  readonly gateway?: string;
}

/** A route in a result; without `gw` the bridge plugin uses the gateway of the address's family. */
export interface CniRoute {
  /** "a.b.c.d/len" as written in the config (host bits kept, as cni's `types.IPNet` prints it). */
  readonly dst: string;
  readonly gw?: string;
}

/** DNS settings of a result; host-local fills these only from `resolvConf`, so usually `{}`. */
export interface CniDns {
  readonly nameservers?: readonly string[];
  readonly domain?: string;
  readonly search?: readonly string[];
  readonly options?: readonly string[];
}

/** The success result of ADD (spec 0.3.0 … 1.1.0); empty lists are left out, as Go's `omitempty` does. */
export interface CniAddResult {
  readonly cniVersion: string;
  readonly interfaces?: readonly CniInterface[];
  readonly ips?: readonly CniIpConfig[];
  readonly routes?: readonly CniRoute[];
  readonly dns: CniDns;
}
