import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { isS3NotFound } from '../../adapters/aws/s3-errors.js';
import { TooLargeError } from '../../shared/errors.js';

export interface InboxObject {
  bytes: Uint8Array;
  storedAt: Date;
}

/** The plain bucket SES writes into. Objects are read whole (SES accepts at most 40 MB) and deleted once archived. */
export interface Inbox {
  /** The object's bytes, or null when it is gone (an earlier delivery of the same event archived and deleted it). */
  read(bucket: string, key: string, maxBytes: number): Promise<InboxObject | null>;
  delete(bucket: string, key: string): Promise<void>;
}

export class S3Inbox implements Inbox {
  constructor(private readonly client: S3Client) {}

  async read(bucket: string, key: string, maxBytes: number): Promise<InboxObject | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      // Refused before reading: the intake would refuse it after, with the bytes in memory.
      if ((out.ContentLength ?? 0) > maxBytes) {
        (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw new TooLargeError('MESSAGE.TOO_LARGE', maxBytes);
      }
      const bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
      return { bytes, storedAt: out.LastModified ?? new Date() };
    } catch (err) {
      if (isS3NotFound(err)) return null;
      throw err;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
}
