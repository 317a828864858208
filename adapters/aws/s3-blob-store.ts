import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, HeadObjectCommandOutput, ObjectLockMode } from '@aws-sdk/client-s3';
import type { BlobBody, BlobHead, BlobStore, PutOptions, PutResult } from '../../shared/ports/blob-store.js';
import { BlobLockedError, CofferError, NotFoundError } from '../../shared/errors.js';
import { isS3NotFound, mapS3Error, s3Call, s3ErrorName } from './s3-errors.js';
import { MIN_PART_SIZE, checksumHex, hexToBase64, partsOf } from './s3-parts.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Defaults to `new S3Client({})` (region and credentials from the environment). */
  client?: S3Client;
  /** COMPLIANCE (default) cannot be lifted by anyone; GOVERNANCE is for throwaway test stages. */
  lockMode?: ObjectLockMode;
  /** Bodies larger than this go up as multipart uploads of this part size. Default 8 MiB. */
  partSize?: number;
}

/** Where an object's bytes live, and what has been stacked on top of them. */
export interface S3ObjectVersions {
  /** The first version: the one written (and locked) by `put`, which every read goes to. */
  versionId: string;
  /** Later versions of the key: a put after a delete marker. Never read. */
  laterVersions: string[];
  /** Delete markers: DELETE without a version id. Object Lock does not prevent them; tampering. */
  deleteMarkers: string[];
}

const SHA256_META = 'sha256';

/**
 * Write-once blob store on an S3 bucket with Object Lock (versioning is implied).
 *
 * Protection is the bucket's, not ours: every object version is written with a retain-until
 * date in `lockMode`, and S3 itself refuses deleting a locked or held version. What Object Lock
 * does NOT prevent is a DELETE without a version id, which only stacks a delete marker on top;
 * so every read resolves the key to its first version and reads that version by id. Markers
 * are reported by `inspect()` and never hide the bytes.
 */
export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly lockMode: ObjectLockMode;
  private readonly partSize: number;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.client = options.client ?? new S3Client({});
    this.lockMode = options.lockMode ?? 'COMPLIANCE';
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    if (this.partSize < MIN_PART_SIZE) {
      throw new CofferError('CONFIG.INVALID', `S3 part size must be at least ${MIN_PART_SIZE} bytes`);
    }
  }

  /**
   * Creates a bucket with Object Lock enabled, for tests and local setup (production buckets come
   * from CloudFormation). An existing bucket is accepted only if Object Lock is enabled on it.
   */
  static async ensureBucket(client: S3Client, name: string): Promise<void> {
    try {
      await client.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }));
    } catch (err) {
      if (s3ErrorName(err) !== 'BucketAlreadyOwnedByYou') throw err;
    }
    const config = await client.send(new GetObjectLockConfigurationCommand({ Bucket: name }));
    if (config.ObjectLockConfiguration?.ObjectLockEnabled !== 'Enabled') {
      throw new CofferError('CONFIG.INVALID', `bucket ${name} exists without Object Lock; it cannot hold the archive`);
    }
  }

  async put(key: string, body: BlobBody, options: PutOptions): Promise<PutResult> {
    const parts = partsOf(body, this.partSize);
    const first = await parts.next();
    if (first.done) return this.putSingle(key, Buffer.alloc(0), options);
    const second = await parts.next();
    if (second.done) return this.putSingle(key, first.value, options);
    return this.putMultipart(key, [first.value, second.value], parts, options);
  }

  /** S3 puts are durable when they return; 'batch' puts need nothing more. */
  async flush(): Promise<void> {}

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    const { versionId } = await this.requireVersions(key);
    const out = await s3Call(key, 'read', () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId })),
    );
    const stream = out.Body as unknown;
    if (stream === null || typeof stream !== 'object' || !(Symbol.asyncIterator in stream)) {
      throw new CofferError('INTERNAL', `S3 returned no readable body for ${key}`);
    }
    return stream as AsyncIterable<Uint8Array>;
  }

  async getBytes(key: string): Promise<Uint8Array> {
    const { versionId } = await this.requireVersions(key);
    const out = await s3Call(key, 'read', () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId })),
    );
    if (!out.Body) throw new CofferError('INTERNAL', `S3 returned no body for ${key}`);
    return out.Body.transformToByteArray();
  }

  async head(key: string): Promise<BlobHead | null> {
    const versions = await this.inspect(key);
    if (!versions) return null;
    const meta = await this.headVersion(key, versions.versionId);
    const sha256 = meta.Metadata?.[SHA256_META] ?? checksumHex(meta.ChecksumSHA256, meta.ChecksumType);
    if (!sha256) throw new CofferError('INTERNAL', `object ${key} has no recorded SHA-256`);
    return {
      key,
      size: meta.ContentLength ?? 0,
      sha256,
      retainUntil: await this.retainUntilOf(key, versions.versionId, meta),
      legalHold: await this.legalHoldOf(key, versions.versionId, meta),
      storedAt: meta.LastModified ?? new Date(0),
    };
  }

  /**
   * Keys under a prefix, in lexical order. Listed from the versions, not ListObjectsV2: a key whose
   * current version is a delete marker vanishes from ListObjectsV2, but its locked bytes are still
   * the archive's (reads go by version), and `coffer rebuild` must find them.
   */
  async *list(prefix: string): AsyncIterable<string> {
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let last: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(keyMarker !== undefined && { KeyMarker: keyMarker }),
          ...(versionMarker !== undefined && { VersionIdMarker: versionMarker }),
        }),
      );
      for (const version of page.Versions ?? []) {
        if (version.Key !== undefined && version.Key !== last) {
          last = version.Key;
          yield version.Key;
        }
      }
      if (!page.IsTruncated) return;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
  }

  /**
   * Fixity. Without a download where S3 can answer: GetObjectAttributes returns the SHA-256 that S3
   * verified at upload and keeps checking at rest. Falls back to streaming the version and
   * re-hashing it when there is no full-object checksum (multipart objects have a composite one)
   * or the call fails — moto 5.2.1 answers it with an ISO Last-Modified header that the SDK
   * cannot parse, so against moto every verify re-hashes.
   */
  async verify(key: string): Promise<{ ok: boolean; sha256: string | null }> {
    const versions = await this.inspect(key);
    if (!versions) return { ok: false, sha256: null };
    const meta = await this.headVersion(key, versions.versionId);
    const recorded = meta.Metadata?.[SHA256_META];
    if (!recorded) return { ok: false, sha256: null };
    try {
      const attrs = await this.client.send(
        new GetObjectAttributesCommand({
          Bucket: this.bucket,
          Key: key,
          VersionId: versions.versionId,
          ObjectAttributes: ['Checksum'],
        }),
      );
      const stored = checksumHex(attrs.Checksum?.ChecksumSHA256, attrs.Checksum?.ChecksumType);
      if (stored) return { ok: stored === recorded, sha256: stored };
    } catch (err) {
      if (isS3NotFound(err)) return { ok: false, sha256: null };
      // Fall through to re-hashing.
    }
    try {
      const hash = createHash('sha256');
      for await (const chunk of await this.get(key)) hash.update(chunk);
      const sha256 = hash.digest('hex');
      return { ok: sha256 === recorded, sha256 };
    } catch {
      return { ok: false, sha256: null };
    }
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    const { versionId } = await this.requireVersions(key);
    await s3Call(key, 'protect', () =>
      this.client.send(
        new PutObjectLegalHoldCommand({
          Bucket: this.bucket,
          Key: key,
          VersionId: versionId,
          LegalHold: { Status: on ? 'ON' : 'OFF' },
        }),
      ),
    );
  }

  async extendRetention(key: string, until: Date): Promise<void> {
    const { versionId } = await this.requireVersions(key);
    const meta = await this.headVersion(key, versionId);
    const current = await this.retainUntilOf(key, versionId, meta);
    // Refused here, before S3: COMPLIANCE mode refuses it too, but moto 5.2.1 does not.
    if (until.getTime() < current.getTime()) {
      throw new BlobLockedError(key, `retention ends ${current.toISOString()} and can only be extended`);
    }
    if (until.getTime() === current.getTime()) return;
    await this.setRetention(key, versionId, meta.ObjectLockMode ?? this.lockMode, until);
  }

  /**
   * Deletes the object's locked version by id — S3 refuses while it is retained or held — then
   * whatever was stacked on the key (delete markers, later versions).
   */
  async delete(key: string): Promise<void> {
    const { versionId, laterVersions, deleteMarkers } = await this.requireVersions(key);
    await this.deleteVersion(key, versionId);
    for (const id of [...deleteMarkers, ...laterVersions]) await this.deleteVersion(key, id);
  }

  /** The versions behind a key, or null when it has none. Not part of the port: for tamper reports. */
  async inspect(key: string): Promise<S3ObjectVersions | null> {
    const versions: string[] = [];
    const deleteMarkers: string[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      const page = await s3Call(key, 'read', () =>
        this.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.bucket,
            Prefix: key,
            ...(keyMarker !== undefined && { KeyMarker: keyMarker }),
            ...(versionMarker !== undefined && { VersionIdMarker: versionMarker }),
          }),
        ),
      );
      let past = false;
      for (const v of page.Versions ?? []) {
        if (v.Key === key && v.VersionId) versions.push(v.VersionId);
        else if (v.Key !== undefined && v.Key > key) past = true;
      }
      for (const m of page.DeleteMarkers ?? []) {
        if (m.Key === key && m.VersionId) deleteMarkers.push(m.VersionId);
        else if (m.Key !== undefined && m.Key > key) past = true;
      }
      if (past || !page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    // Versions of a key are listed newest first.
    const first = versions.pop();
    if (first === undefined) return null;
    return { versionId: first, laterVersions: versions, deleteMarkers };
  }

  private async requireVersions(key: string): Promise<S3ObjectVersions> {
    const versions = await this.inspect(key);
    if (!versions) throw new NotFoundError('BLOB.NOT_FOUND', `object ${key}`);
    return versions;
  }

  private async putSingle(key: string, bytes: Buffer, options: PutOptions): Promise<PutResult> {
    // S3 verifies ChecksumSHA256 itself; moto 5.2.1 does not (it stores whatever checksum it is
    // given), and hashing here costs nothing next to the upload, so a mismatch never leaves us.
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== options.sha256) throw checksumMismatch(key, actual, options.sha256);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ...this.writeParams(options),
          ChecksumSHA256: hexToBase64(options.sha256),
          // Write-once: S3 (and moto) answer 412 if the key has a current version. A key whose
          // current version is a delete marker passes, and gets a second version that reads ignore.
          IfNoneMatch: '*',
        }),
      );
    } catch (err) {
      if (s3ErrorName(err) === 'PreconditionFailed') return this.samePut(key, options);
      throw mapS3Error(err, key, 'write');
    }
    return { created: true, size: bytes.length, retainUntil: options.retainUntil };
  }

  private async putMultipart(
    key: string,
    head: Buffer[],
    rest: AsyncIterator<Buffer>,
    options: PutOptions,
  ): Promise<PutResult> {
    // Large bodies: look before uploading many megabytes that would be refused at the end.
    if (await this.inspect(key)) return this.samePut(key, options);
    const created = await s3Call(key, 'write', () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ...this.writeParams(options) })),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new CofferError('INTERNAL', `S3 returned no upload id for ${key}`);
    const abort = () =>
      this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
    try {
      const hash = createHash('sha256');
      const completed: CompletedPart[] = [];
      let size = 0;
      const upload = async (part: Buffer) => {
        hash.update(part);
        size += part.length;
        const partNumber = completed.length + 1;
        const checksum = createHash('sha256').update(part).digest('base64');
        const out = await this.client.send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: part,
            ContentLength: part.length,
            ChecksumAlgorithm: 'SHA256',
            ChecksumSHA256: checksum,
          }),
        );
        completed.push({ PartNumber: partNumber, ETag: out.ETag, ChecksumSHA256: out.ChecksumSHA256 ?? checksum });
      };
      for (const part of head) await upload(part);
      for (let next = await rest.next(); !next.done; next = await rest.next()) await upload(next.value);
      // S3 checks each part's checksum; the whole-body SHA-256 only we can check (S3 keeps a
      // checksum of the part checksums). Abort before completing, so nothing is stored.
      const actual = hash.digest('hex');
      if (actual !== options.sha256) throw checksumMismatch(key, actual, options.sha256);
      let versionId: string | undefined;
      try {
        const done = await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: completed },
            IfNoneMatch: '*',
          }),
        );
        versionId = done.VersionId;
      } catch (err) {
        if (s3ErrorName(err) === 'PreconditionFailed') {
          await abort();
          return this.samePut(key, options);
        }
        throw err;
      }
      await this.ensureLocked(key, versionId, options.retainUntil);
      return { created: true, size, retainUntil: options.retainUntil };
    } catch (err) {
      await abort();
      throw mapS3Error(err, key, 'write');
    }
  }

  /**
   * Fails closed if a completed multipart object came out without its lock. S3 applies the
   * Object Lock headers given to CreateMultipartUpload; moto 5.2.1 drops them (the object is
   * stored unlocked), so the retention is set on the version here whenever it is missing.
   */
  private async ensureLocked(key: string, versionId: string | undefined, retainUntil: Date): Promise<void> {
    if (!versionId) throw new CofferError('INTERNAL', `S3 returned no version id for ${key}; is versioning on?`);
    const meta = await this.headVersion(key, versionId);
    const current = meta.ObjectLockRetainUntilDate;
    if (current && current.getTime() >= retainUntil.getTime()) return;
    await this.setRetention(key, versionId, this.lockMode, retainUntil);
  }

  private async samePut(key: string, options: PutOptions): Promise<PutResult> {
    const existing = await this.head(key);
    if (!existing || existing.sha256 !== options.sha256) {
      throw new CofferError('BLOB.EXISTS', `object ${key} exists with other bytes; it cannot be overwritten`);
    }
    return { created: false, size: existing.size, retainUntil: existing.retainUntil };
  }

  private writeParams(options: PutOptions) {
    return {
      ContentType: options.contentType ?? 'application/octet-stream',
      Metadata: { [SHA256_META]: options.sha256 },
      ChecksumAlgorithm: 'SHA256' as const,
      ObjectLockMode: this.lockMode,
      ObjectLockRetainUntilDate: options.retainUntil,
      // Explicit, so HeadObject always reports the hold status and head() needs no extra call.
      ObjectLockLegalHoldStatus: 'OFF' as const,
    };
  }

  private async setRetention(key: string, versionId: string, mode: ObjectLockMode, until: Date): Promise<void> {
    await s3Call(key, 'protect', () =>
      this.client.send(
        new PutObjectRetentionCommand({
          Bucket: this.bucket,
          Key: key,
          VersionId: versionId,
          Retention: { Mode: mode, RetainUntilDate: until },
        }),
      ),
    );
  }

  private async deleteVersion(key: string, versionId: string): Promise<void> {
    await s3Call(key, 'delete', () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId })),
    );
  }

  private headVersion(key: string, versionId: string): Promise<HeadObjectCommandOutput> {
    return s3Call(key, 'read', () =>
      this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId, ChecksumMode: 'ENABLED' }),
      ),
    );
  }

  /**
   * HeadObject carries the retention when the caller may read it; GetObjectRetention is the
   * fallback (moto 5.2.1's server answers it with the object itself, which the SDK cannot parse,
   * so moto relies on the header). No retention at all is a broken invariant, not a default.
   */
  private async retainUntilOf(key: string, versionId: string, meta: HeadObjectCommandOutput): Promise<Date> {
    if (meta.ObjectLockRetainUntilDate) return meta.ObjectLockRetainUntilDate;
    const out = await s3Call(key, 'read', () =>
      this.client.send(new GetObjectRetentionCommand({ Bucket: this.bucket, Key: key, VersionId: versionId })),
    ).catch((err: unknown) => {
      if (s3ErrorName(err) === 'NoSuchObjectLockConfiguration') return null;
      throw err;
    });
    const until = out?.Retention?.RetainUntilDate;
    if (!until) throw new CofferError('INTERNAL', `object ${key} (version ${versionId}) has no Object Lock retention`);
    return until;
  }

  private async legalHoldOf(key: string, versionId: string, meta: HeadObjectCommandOutput): Promise<boolean> {
    if (meta.ObjectLockLegalHoldStatus) return meta.ObjectLockLegalHoldStatus === 'ON';
    const out = await s3Call(key, 'read', () =>
      this.client.send(new GetObjectLegalHoldCommand({ Bucket: this.bucket, Key: key, VersionId: versionId })),
    ).catch((err: unknown) => {
      if (s3ErrorName(err) === 'NoSuchObjectLockConfiguration') return null;
      throw err;
    });
    return out?.LegalHold?.Status === 'ON';
  }
}

function checksumMismatch(key: string, actual: string, declared: string): CofferError {
  return new CofferError('BLOB.CHECKSUM_MISMATCH', `bytes for ${key} hash to ${actual}, not ${declared}`);
}
