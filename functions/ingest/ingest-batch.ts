import { createHash } from 'node:crypto';
import type { BlobStore } from '../../shared/ports/blob-store.js';
import type { Logger } from '../../shared/ports/logger.js';
import type { IngestMessage, RawSource } from '../../shared/intake/ingest-message.js';
import { messageKey } from '../../shared/intake/keys.js';
import { parseSqsS3Batch } from '../../shared/intake/ses-events.js';
import type { S3ObjectRef } from '../../shared/intake/ses-events.js';
import { sesIntakeRequest } from '../../shared/intake/ses-intake.js';
import { CofferError } from '../../shared/errors.js';
import type { Clock } from '../../shared/ports/clock.js';
import type { Inbox } from './inbox.js';
import { sesDeliveryFromObject } from './ses-object.js';

export interface IngestBatchDeps {
  ingest: IngestMessage;
  blobs: BlobStore;
  clock: Clock;
  inbox: Inbox;
  logger: Logger;
  settings: {
    inboxBucket: string;
    /** The receipt rule's object key prefix, e.g. `inbound/`. */
    inboxPrefix: string;
    journalAddress?: string;
    maxMessageBytes: number;
  };
}

/** The Lambda partial batch response: the SQS messages to retry; the others are deleted. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** SES writes this object when the receipt rule is created, to test the bucket: not mail. */
const SES_SETUP_NOTIFICATION = 'AMAZON_SES_SETUP_NOTIFICATION';

/**
 * One SQS batch of S3 events for objects SES wrote into the inbox bucket. Each object is read,
 * archived through the one intake use case (delivery id from the SES message id, so a redelivered
 * event records one delivery), its archived copy verified by checksum, and only then deleted from
 * the inbox. A record that fails in any step is reported in `batchItemFailures`, so SQS retries
 * it (then dead-letters it) while the rest of the batch is done.
 */
export async function ingestBatch(event: unknown, deps: IngestBatchDeps): Promise<SqsBatchResponse> {
  const records = sqsRecords(event);
  const failures: { itemIdentifier: string }[] = [];
  await Promise.all(
    records.map(async (record, i) => {
      const log = deps.logger.child({ sqsMessageId: record.messageId ?? `#${i}` });
      try {
        // One record at a time: a malformed body fails its own record, not the batch.
        const [message] = parseSqsS3Batch({ Records: [record] });
        for (const object of message?.objects ?? []) await archiveObject(object, deps, log);
      } catch (err) {
        log.error('inbox object not archived; SQS will retry it', err);
        failures.push({ itemIdentifier: record.messageId ?? '' });
      }
    }),
  );
  return { batchItemFailures: failures };
}

async function archiveObject(ref: S3ObjectRef, deps: IngestBatchDeps, parent: Logger): Promise<void> {
  const { settings, inbox } = deps;
  const log = parent.child({ bucket: ref.bucket, key: ref.key });
  if (ref.bucket !== settings.inboxBucket || !ref.key.startsWith(settings.inboxPrefix)) {
    throw new CofferError('REQUEST.INVALID', `object s3://${ref.bucket}/${ref.key} is not in the inbox (${settings.inboxBucket}/${settings.inboxPrefix})`);
  }
  const sesMessageId = ref.key.slice(settings.inboxPrefix.length);
  if (sesMessageId === SES_SETUP_NOTIFICATION) {
    await inbox.delete(ref.bucket, ref.key);
    log.info('SES setup notification removed from the inbox');
    return;
  }
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(sesMessageId)) {
    throw new CofferError('REQUEST.INVALID', `inbox key ${ref.key} does not end in an SES message id`);
  }

  const object = await inbox.read(ref.bucket, ref.key, settings.maxMessageBytes);
  if (!object) {
    // Deleted only after its archived copy was verified: this is a repeat of a finished event.
    log.info('inbox object already archived and removed');
    return;
  }
  const sha256 = createHash('sha256').update(object.bytes).digest('hex');
  const ses = sesDeliveryFromObject(object.bytes, {
    bucket: ref.bucket,
    key: ref.key,
    sesMessageId,
    storedAt: object.storedAt,
    ...(settings.journalAddress ? { journalAddress: settings.journalAddress } : {}),
  });
  const result = await deps.ingest.execute(sesIntakeRequest(ses, bytesSource(object.bytes)));
  await verifyArchived(deps, sha256, result.id);
  await inbox.delete(ref.bucket, ref.key);
  log.info('inbox object archived', { id: result.id, size: object.bytes.length, inboxSha256: sha256, deliveryId: result.deliveryId, messageCreated: result.messageCreated });
}

/**
 * The inbox bytes must be in the archive, under Object Lock, hashing to what was read: as the
 * message itself, or (a journal report) as the report kept as the delivery's evidence, beside the
 * unwrapped original. S3 verified the SHA-256 on upload; `verify` asks it again.
 */
async function verifyArchived(deps: IngestBatchDeps, inboxSha256: string, messageId: string): Promise<void> {
  const candidates = [messageKey(inboxSha256), `reports/${inboxSha256.slice(0, 2)}/${inboxSha256}`];
  let copy: string | undefined;
  for (const key of candidates) {
    const check = await deps.blobs.verify(key);
    if (check.ok && check.sha256 === inboxSha256) {
      copy = key;
      break;
    }
  }
  if (!copy) throw new CofferError('BLOB.CHECKSUM_MISMATCH', `no archived copy of inbox bytes ${inboxSha256} verifies; the inbox object is kept`);
  const keys = copy === messageKey(messageId) ? [copy] : [copy, messageKey(messageId)];
  const now = deps.clock.now().getTime();
  for (const key of keys) {
    const head = await deps.blobs.head(key);
    if (!head || head.retainUntil.getTime() <= now) {
      throw new CofferError('INTERNAL', `archived object ${key} is not under retention; the inbox object is kept`);
    }
  }
  if (keys.length > 1) {
    const original = await deps.blobs.verify(messageKey(messageId));
    if (!original.ok || original.sha256 !== messageId) {
      throw new CofferError('BLOB.CHECKSUM_MISMATCH', `archived message ${messageId} does not verify; the inbox object is kept`);
    }
  }
}

/** The records of an SQS event, untyped beyond what is needed to report each one's failure. */
function sqsRecords(event: unknown): { messageId?: string; body?: unknown }[] {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) throw new CofferError('REQUEST.INVALID', 'invalid SQS event: Records is not a list');
  return records as { messageId?: string; body?: unknown }[];
}

function bytesSource(bytes: Uint8Array): RawSource {
  return {
    async *open() {
      yield bytes;
    },
  };
}
