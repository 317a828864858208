import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { Governance } from '../ports/governance.js';
import type { Delivery, MessageRecord } from '../domain/records.js';
import { NotFoundError } from '../errors.js';
import { messageKey } from '../intake/keys.js';

const SHA256 = /^[0-9a-f]{64}$/;

/** Reading archived messages: the record, its deliveries, and the exact original bytes. */
export class ReadMessage {
  constructor(private readonly deps: { catalog: Catalog; blobs: BlobStore; governance: Governance }) {}

  async record(id: string): Promise<MessageRecord> {
    const record = SHA256.test(id) ? await this.deps.catalog.getMessage(id) : null;
    if (!record) throw new NotFoundError('MESSAGE.NOT_FOUND', `message ${id}`);
    // Membership lives with the holds (it survives a rebuild); the record shows the live ones.
    return { ...record, holdIds: await this.deps.governance.holdsOf(id) };
  }

  async deliveries(id: string): Promise<Delivery[]> {
    await this.record(id);
    return this.deps.catalog.listDeliveries(id);
  }

  /**
   * The evidence of one delivery as received: the journal report's bytes when the message came
   * inside one, else the envelope record written at intake.
   */
  async evidence(id: string, deliveryId: string): Promise<{ contentType: string; sha256: string; body: AsyncIterable<Uint8Array> }> {
    const delivery = (await this.deliveries(id)).find((d) => d.id === deliveryId);
    if (!delivery) throw new NotFoundError('MESSAGE.NOT_FOUND', `delivery ${deliveryId} of message ${id}`);
    const key = delivery.journal?.reportKey ?? delivery.evidenceKey;
    const head = await this.deps.blobs.head(key);
    if (!head) throw new NotFoundError('BLOB.NOT_FOUND', `evidence ${key}`);
    return {
      contentType: delivery.journal ? 'message/rfc822' : 'application/json',
      sha256: head.sha256,
      body: await this.deps.blobs.get(key),
    };
  }

  /** The original bytes as stored; the caller can re-hash them against the id. */
  async raw(id: string): Promise<{ size: number; body: AsyncIterable<Uint8Array> }> {
    const record = await this.record(id);
    return { size: record.size, body: await this.deps.blobs.get(messageKey(id)) };
  }
}
