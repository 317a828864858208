import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { Delivery, MessageRecord } from '../domain/records.js';
import { NotFoundError } from '../errors.js';
import { messageKey } from '../intake/keys.js';

const SHA256 = /^[0-9a-f]{64}$/;

/** Reading archived messages: the record, its deliveries, and the exact original bytes. */
export class ReadMessage {
  constructor(private readonly deps: { catalog: Catalog; blobs: BlobStore }) {}

  async record(id: string): Promise<MessageRecord> {
    const record = SHA256.test(id) ? await this.deps.catalog.getMessage(id) : null;
    if (!record) throw new NotFoundError('MESSAGE.NOT_FOUND', `message ${id}`);
    return record;
  }

  async deliveries(id: string): Promise<Delivery[]> {
    await this.record(id);
    return this.deps.catalog.listDeliveries(id);
  }

  /** The original bytes as stored; the caller can re-hash them against the id. */
  async raw(id: string): Promise<{ size: number; body: AsyncIterable<Uint8Array> }> {
    const record = await this.record(id);
    return { size: record.size, body: await this.deps.blobs.get(messageKey(id)) };
  }
}
