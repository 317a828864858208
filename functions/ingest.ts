import { requireSetting } from './compose.js';
import { S3Inbox } from './ingest/inbox.js';
import { ingestBatch } from './ingest/ingest-batch.js';
import type { IngestBatchDeps, SqsBatchResponse } from './ingest/ingest-batch.js';
import { ensureSearchIndex, functionRuntime } from './runtime/runtime.js';

let deps: IngestBatchDeps | undefined;

function intake(): IngestBatchDeps {
  if (deps) return deps;
  const { config, logger, archive } = functionRuntime('ingest');
  const journalAddress = config.COFFER_JOURNAL_ADDRESS;
  deps = {
    ingest: archive.ingest,
    blobs: archive.blobs,
    clock: archive.clock,
    inbox: new S3Inbox(archive.clients.s3),
    logger,
    settings: {
      inboxBucket: requireSetting(config, 'COFFER_INBOX_BUCKET'),
      inboxPrefix: config.COFFER_INBOX_PREFIX,
      maxMessageBytes: archive.config.maxMessageBytes,
      ...(journalAddress ? { journalAddress } : {}),
    },
  };
  return deps;
}

/** SQS (S3 events from the SES inbox bucket) → the archive. `ReportBatchItemFailures` is on. */
export async function handler(event: unknown): Promise<SqsBatchResponse> {
  const batch = intake();
  await ensureSearchIndex(functionRuntime('ingest'));
  return ingestBatch(event, batch);
}
