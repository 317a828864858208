import { S3ServiceException } from '@aws-sdk/client-s3';
import { BlobLockedError, CofferError, NotFoundError } from '../../shared/errors.js';

/**
 * The one place where S3 errors become our typed errors.
 *
 * `op` matters for AccessDenied: on a delete or a retention change of a locked version it is
 * Object Lock refusing (BLOB.LOCKED); on a read it is a permissions problem and stays as is.
 */
export type S3Op = 'read' | 'write' | 'protect' | 'delete';

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);
const CHECKSUM = new Set(['BadDigest', 'InvalidDigest', 'XAmzContentSHA256Mismatch']);

export function s3ErrorName(err: unknown): string | undefined {
  if (err instanceof S3ServiceException) return err.name;
  if (typeof err === 'object' && err !== null) {
    const { name, Code } = err as { name?: unknown; Code?: unknown };
    if (typeof Code === 'string') return Code;
    if (typeof name === 'string') return name;
  }
  return undefined;
}

export function s3Status(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export function isS3NotFound(err: unknown): boolean {
  const name = s3ErrorName(err);
  return (name !== undefined && NOT_FOUND.has(name)) || (s3Status(err) === 404 && name !== 'NoSuchBucket');
}

/** Returns the typed error for `err`, or `err` itself when it has no meaning for the port. */
export function mapS3Error(err: unknown, key: string, op: S3Op): unknown {
  if (err instanceof CofferError) return err;
  const name = s3ErrorName(err);
  const message = err instanceof Error ? err.message : String(err);
  if (isS3NotFound(err)) {
    const notFound = new NotFoundError('BLOB.NOT_FOUND', `object ${key}`);
    notFound.cause = err;
    return notFound;
  }
  if (name === 'AccessDenied' && (op === 'delete' || op === 'protect')) {
    return new BlobLockedError(key, `S3 Object Lock refused the ${op === 'delete' ? 'deletion' : 'change'} (${message})`);
  }
  if (name === 'PreconditionFailed') {
    return new CofferError('BLOB.EXISTS', `object ${key} exists with other bytes; it cannot be overwritten`, { cause: err });
  }
  if ((name !== undefined && CHECKSUM.has(name)) || (name === 'InvalidRequest' && /checksum|digest/i.test(message))) {
    return new CofferError('BLOB.CHECKSUM_MISMATCH', `S3 rejected the checksum of ${key}: ${message}`, { cause: err });
  }
  return err;
}

/** Runs one S3 call and rethrows its failure as a typed error where one applies. */
export async function s3Call<T>(key: string, op: S3Op, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw mapS3Error(err, key, op);
  }
}
