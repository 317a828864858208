/**
 * Typed errors with stable codes. The code is the contract (documented in docs/errors.md);
 * the HTTP status for each code is decided in one place: shared/http/error-response.ts.
 */
export type ErrorCode =
  | 'QUERY.SYNTAX'
  | 'QUERY.UNKNOWN_OPERATOR'
  | 'REQUEST.INVALID'
  | 'REQUEST.TOO_LARGE'
  | 'AUTH.MISSING'
  | 'AUTH.INVALID'
  | 'AUTH.FORBIDDEN'
  | 'MESSAGE.NOT_FOUND'
  | 'MESSAGE.TOO_LARGE'
  | 'BLOB.NOT_FOUND'
  | 'BLOB.LOCKED'
  | 'BLOB.EXISTS'
  | 'BLOB.CHECKSUM_MISMATCH'
  | 'AUDIT.CONFLICT'
  | 'CONFIG.INVALID'
  | 'GOVERNANCE.CONFLICT'
  | 'CASE.NOT_FOUND'
  | 'HOLD.NOT_FOUND'
  | 'HOLD.STATE'
  | 'JOB.NOT_FOUND'
  | 'POLICY.NOT_FOUND'
  | 'POLICY.SHORTENS'
  | 'APPROVAL.NOT_FOUND'
  | 'APPROVAL.SELF'
  | 'APPROVAL.STATE'
  | 'INTERNAL';

export class CofferError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A query that cannot be parsed; `column` is 1-based, as the user counts. */
export class QuerySyntaxError extends CofferError {
  constructor(
    message: string,
    readonly column: number,
    code: 'QUERY.SYNTAX' | 'QUERY.UNKNOWN_OPERATOR' = 'QUERY.SYNTAX',
  ) {
    super(code, `column ${column}: ${message}`);
  }
}

/** The store refused to delete, overwrite or shorten the retention of a protected object. */
export class BlobLockedError extends CofferError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super('BLOB.LOCKED', `object ${key} is protected: ${reason}`);
  }
}

export class NotFoundError extends CofferError {
  constructor(code: 'MESSAGE.NOT_FOUND' | 'BLOB.NOT_FOUND', what: string) {
    super(code, `${what} not found`);
  }
}

export class TooLargeError extends CofferError {
  constructor(
    code: 'MESSAGE.TOO_LARGE' | 'REQUEST.TOO_LARGE',
    readonly limitBytes: number,
  ) {
    super(code, `larger than the limit of ${limitBytes} bytes`);
  }
}
