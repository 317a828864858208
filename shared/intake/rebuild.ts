import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { Logger } from '../ports/logger.js';
import type { SearchIndex } from '../ports/search-index.js';
import type { CoreConfig } from '../config.js';
import type { Delivery, MessageRecord } from '../domain/records.js';
import type { IndexDocument } from '../ports/search-index.js';
import { MESSAGES_PREFIX, deliveriesPrefix, messageIdFromKey } from './keys.js';
import { parseMessage } from './parse-message.js';
import { buildIndexDocument, buildRecord } from './build-record.js';
import type { RecordContext } from './build-record.js';
import { mergeDelivery } from './merge-delivery.js';

const BATCH = 200;

interface Recovered {
  record: MessageRecord;
  deliveries: Delivery[];
  /** Envelope records found in the store (0 for an orphan). */
  stored: number;
  doc: IndexDocument;
}

export interface RebuildReport {
  messages: number;
  deliveries: number;
  /** Message objects without any envelope record: rebuilt with their store time as delivery time. */
  orphans: number;
}

/**
 * Recreates catalog records and search documents from the write-once store alone
 * (DESIGN invariant 6): every message object is parsed again and every envelope record replayed
 * in time order, exactly as the intake recorded them.
 */
export class RebuildFromStore {
  constructor(
    private readonly deps: { blobs: BlobStore; catalog: Catalog; index: SearchIndex; logger: Logger; config: CoreConfig },
  ) {}

  async execute(onProgress?: (done: number) => void): Promise<RebuildReport> {
    const report: RebuildReport = { messages: 0, deliveries: 0, orphans: 0 };
    let batch: Recovered[] = [];
    for await (const key of this.deps.blobs.list(MESSAGES_PREFIX)) {
      const recovered = await this.recover(key);
      if (!recovered) continue;
      batch.push(recovered);
      report.messages++;
      report.deliveries += recovered.stored;
      if (recovered.stored === 0) report.orphans++;
      if (batch.length >= BATCH) {
        await this.commit(batch);
        batch = [];
        onProgress?.(report.messages);
      }
    }
    await this.commit(batch);
    this.deps.logger.info('rebuild finished', { ...report });
    return report;
  }

  /** A message object parsed again, with its envelope records replayed in time order. */
  private async recover(key: string): Promise<Recovered | null> {
    const { blobs, config } = this.deps;
    const id = messageIdFromKey(key);
    const head = id ? await blobs.head(key) : null;
    if (!id || !head) return null;
    const stored = await this.deliveriesOf(id);
    // A crash between storing the bytes and the envelope record leaves a message with no
    // delivery: it is recovered under a delivery that says so, never dropped.
    const deliveries = stored.length > 0 ? stored : [orphanDelivery(id, head.storedAt)];
    const parsed = await parseMessage(await blobs.get(key), config.parseLimits);
    const record = buildRecord(parsed, {
      id,
      size: head.size,
      retainUntil: head.retainUntil,
      firstReceivedAt: new Date(deliveries[0]?.receivedAt ?? head.storedAt),
      internalDomains: config.internalDomains,
      ...journalContext(deliveries),
    });
    const merged = deliveries.reduce((r, d) => mergeDelivery(r, d).record, record);
    return { record, deliveries, stored: stored.length, doc: buildIndexDocument(merged, parsed.text) };
  }

  private async commit(batch: Recovered[]): Promise<void> {
    if (batch.length === 0) return;
    await this.deps.index.index(batch.map((r) => r.doc));
    await this.deps.catalog.recordIntakes(batch.flatMap((r) => r.deliveries.map((delivery) => ({ message: r.record, delivery }))));
  }

  private async deliveriesOf(id: string): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    for await (const key of this.deps.blobs.list(deliveriesPrefix(id))) {
      const raw = JSON.parse(Buffer.from(await this.deps.blobs.getBytes(key)).toString('utf8')) as Delivery & {
        type?: string;
        version?: number;
      };
      const { type: _type, version: _version, ...delivery } = raw;
      deliveries.push(delivery);
    }
    return deliveries.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.id.localeCompare(b.id));
  }
}

function orphanDelivery(id: string, storedAt: Date): Delivery {
  return {
    id: `recovered-${id.slice(0, 16)}`,
    messageSha256: id,
    receivedAt: storedAt.toISOString(),
    source: 'import',
    envelope: { mailFrom: null, rcptTo: [] },
    origin: 'recovered by rebuild: the store holds no envelope record for this message',
    evidenceKey: '',
  };
}

/** What the envelope records say about journal unwrapping and protected-mail links. */
function journalContext(deliveries: Delivery[]): Pick<RecordContext, 'journal' | 'decryptedCopyId' | 'decryptedCopyOf'> {
  const journal = deliveries.find((d) => d.journal)?.journal;
  const copyId = deliveries.find((d) => d.decryptedCopyId)?.decryptedCopyId;
  const copyOf = deliveries.find((d) => d.decryptedCopyOf)?.decryptedCopyOf;
  return {
    ...(journal ? { journal: { status: journal.status, error: journal.reason } } : {}),
    ...(copyId ? { decryptedCopyId: copyId } : {}),
    ...(copyOf ? { decryptedCopyOf: copyOf } : {}),
  };
}
