import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { Logger } from '../ports/logger.js';
import type { SearchIndex } from '../ports/search-index.js';
import type { CoreConfig } from '../config.js';
import type { Delivery } from '../domain/records.js';
import { DELIVERIES_PREFIX, MESSAGES_PREFIX, messageIdFromKey } from './keys.js';
import { parseMessage } from './parse-message.js';
import { buildIndexDocument, buildRecord } from './build-record.js';
import { mergeDelivery } from './merge-delivery.js';

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
    const { blobs, catalog, index, config } = this.deps;
    const report: RebuildReport = { messages: 0, deliveries: 0, orphans: 0 };
    for await (const key of blobs.list(MESSAGES_PREFIX)) {
      const id = messageIdFromKey(key);
      const head = id ? await blobs.head(key) : null;
      if (!id || !head) continue;
      const deliveries = await this.deliveriesOf(id);
      const first = deliveries[0];
      const firstReceivedAt = first ? new Date(first.receivedAt) : head.storedAt;
      const parsed = await parseMessage(await blobs.get(key), config.parseLimits);
      const record = buildRecord(parsed, {
        id,
        size: head.size,
        retainUntil: head.retainUntil,
        firstReceivedAt,
        internalDomains: config.internalDomains,
      });
      const merged = deliveries.reduce((r, d) => mergeDelivery(r, d).record, record);
      await index.index([buildIndexDocument(merged, parsed.text)]);
      // A crash between storing the bytes and the envelope record leaves a message with no
      // delivery: it is recovered under a delivery that says so, never dropped.
      const replay = deliveries.length > 0 ? deliveries : [orphanDelivery(id, head.storedAt)];
      for (const delivery of replay) await catalog.recordIntake(record, delivery);
      if (deliveries.length === 0) report.orphans++;
      report.messages++;
      report.deliveries += deliveries.length;
      onProgress?.(report.messages);
    }
    this.deps.logger.info('rebuild finished', { ...report });
    return report;
  }

  private async deliveriesOf(id: string): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    for await (const key of this.deps.blobs.list(`${DELIVERIES_PREFIX}${id.slice(0, 2)}/${id}/`)) {
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
