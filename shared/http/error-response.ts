import type { ErrorCode } from '../errors.js';
import { CofferError, QuerySyntaxError } from '../errors.js';
import type { Logger } from '../ports/logger.js';

/** The one place where error codes become HTTP statuses. */
const STATUS: Record<ErrorCode, number> = {
  'QUERY.SYNTAX': 400,
  'QUERY.UNKNOWN_OPERATOR': 400,
  'REQUEST.INVALID': 400,
  'REQUEST.TOO_LARGE': 413,
  'AUTH.MISSING': 401,
  'AUTH.INVALID': 401,
  'AUTH.FORBIDDEN': 403,
  'MESSAGE.NOT_FOUND': 404,
  'MESSAGE.TOO_LARGE': 413,
  'BLOB.NOT_FOUND': 404,
  'BLOB.LOCKED': 409,
  'BLOB.EXISTS': 409,
  'BLOB.CHECKSUM_MISMATCH': 422,
  'AUDIT.CONFLICT': 409,
  'CONFIG.INVALID': 500,
  'GOVERNANCE.CONFLICT': 409,
  'CASE.NOT_FOUND': 404,
  'HOLD.NOT_FOUND': 404,
  'HOLD.STATE': 409,
  'JOB.NOT_FOUND': 404,
  'POLICY.NOT_FOUND': 404,
  'POLICY.SHORTENS': 422,
  'APPROVAL.NOT_FOUND': 404,
  'APPROVAL.SELF': 403,
  'APPROVAL.STATE': 409,
  INTERNAL: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; column?: number };
}

/** Client errors say what is wrong; server errors say nothing that could leak internals. */
export function toErrorResponse(err: unknown, logger: Logger): Response {
  if (err instanceof CofferError && STATUS[err.code] < 500) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err instanceof QuerySyntaxError) body.error.column = err.column;
    return Response.json(body, { status: STATUS[err.code] });
  }
  logger.error('request failed', err);
  const body: ErrorBody = { error: { code: 'INTERNAL', message: 'internal error; the request was logged' } };
  return Response.json(body, { status: 500 });
}
