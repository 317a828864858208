import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import { deliveriesPrefix, messageKey } from '../intake/keys.js';

/**
 * Every stored object that is part of one message: its bytes, each delivery's envelope record
 * and each journal report it arrived in. A hold protects all of them; disposal removes all.
 */
export async function messageObjectKeys(id: string, deps: { blobs: BlobStore; catalog: Catalog }): Promise<string[]> {
  const keys = new Set<string>([messageKey(id)]);
  for await (const key of deps.blobs.list(deliveriesPrefix(id))) keys.add(key);
  for (const delivery of await deps.catalog.listDeliveries(id)) {
    keys.add(delivery.evidenceKey);
    if (delivery.journal?.reportKey) keys.add(delivery.journal.reportKey);
  }
  return [...keys];
}
