/**
 * The API server's error statuses (k8s.io/apimachinery pkg/api/errors): each carries the reason and HTTP
 * code of metav1.Status and the server's message; the Error's own message is the line kubectl prints,
 * `Error from server (NotFound): pods "web-0" not found`.
 */

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Expired'
  | 'BadRequest'
  | 'InternalError';

const CODES: Readonly<Record<StatusReason, number>> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  Expired: 410,
  BadRequest: 400,
  InternalError: 500,
};

export class StatusError extends Error {
  /** metav1.Status.code, the HTTP status. */
  readonly code: number;

  constructor(
    readonly reason: StatusReason,
    /** metav1.Status.message, as the server writes it. */
    readonly statusMessage: string,
  ) {
    super(`Error from server (${reason}): ${statusMessage}`);
    this.name = 'StatusError';
    this.code = CODES[reason];
  }
}

/** errors.NewNotFound: `pods "x" not found`. */
export function notFound(resource: string, name: string): StatusError {
  return new StatusError('NotFound', `${resource} "${name}" not found`);
}

/** errors.NewAlreadyExists: `pods "x" already exists`. */
export function alreadyExists(resource: string, name: string): StatusError {
  return new StatusError('AlreadyExists', `${resource} "${name}" already exists`);
}

/** errors.NewConflict with storage's OptimisticLockErrorMsg, what a stale resourceVersion gets. */
export function conflict(resource: string, name: string): StatusError {
  return new StatusError(
    'Conflict',
    `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; ` +
      'please apply your changes to the latest version and try again',
  );
}

/** The watch cache's answer to a resourceVersion it no longer holds (errors.NewResourceExpired). */
export function expired(requested: number, oldest: number): StatusError {
  return new StatusError('Expired', `too old resource version: ${requested} (${oldest})`);
}

export function invalid(message: string): StatusError {
  return new StatusError('Invalid', message);
}
