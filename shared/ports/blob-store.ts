/**
 * Write-once object store: the source of truth (DESIGN invariants 2, 3, 6).
 * Adapters enforce protection themselves: S3 Object Lock, or the file store's own refusals.
 *
 * Keys are '/'-separated paths such as `messages/<sha256>` or `deliveries/<sha256>/<id>.json`.
 */
export type BlobBody = Uint8Array | AsyncIterable<Uint8Array>;

export interface PutOptions {
  /** SHA-256 hex of the exact bytes; the store verifies it and refuses a mismatch. */
  sha256: string;
  /** Protected from deletion and overwrite until this instant. */
  retainUntil: Date;
  contentType?: string;
  /**
   * 'immediate' (default): durable when put resolves — SMTP answers 250 only then.
   * 'batch': durable after the next `flush()`; bulk imports flush once per batch.
   */
  durability?: 'immediate' | 'batch';
}

export interface PutResult {
  /** false when an object with this key and these exact bytes already existed (idempotent put). */
  created: boolean;
  size: number;
  /** The stored object's retain-until: the one asked for, or the existing object's when not created. */
  retainUntil: Date;
}

export interface BlobHead {
  key: string;
  size: number;
  sha256: string;
  retainUntil: Date;
  legalHold: boolean;
  storedAt: Date;
}

export interface BlobStore {
  /**
   * Stores bytes under `key` once. Putting the same bytes again is a no-op (`created: false`);
   * putting different bytes under an existing key is refused with BLOB.EXISTS.
   */
  put(key: string, body: BlobBody, options: PutOptions): Promise<PutResult>;
  /** Makes every earlier 'batch' put durable. */
  flush(): Promise<void>;
  /** The stored bytes, streamed. Throws BLOB.NOT_FOUND. */
  get(key: string): Promise<AsyncIterable<Uint8Array>>;
  /** The stored bytes in memory; for small objects such as envelope records. */
  getBytes(key: string): Promise<Uint8Array>;
  /** Metadata without the bytes, or null when absent. */
  head(key: string): Promise<BlobHead | null>;
  /** Keys under a prefix, in lexical order. */
  list(prefix: string): AsyncIterable<string>;
  /** Re-hashes the stored bytes and compares with the checksum recorded at put time. */
  verify(key: string): Promise<{ ok: boolean; sha256: string | null }>;
  setLegalHold(key: string, on: boolean): Promise<void>;
  /** Moves retain-until later; an earlier date is refused with BLOB.LOCKED. */
  extendRetention(key: string, until: Date): Promise<void>;
  /** Refused with BLOB.LOCKED while retain-until is in the future or a legal hold is set. */
  delete(key: string): Promise<void>;
}
