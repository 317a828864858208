import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { Governance } from '../ports/governance.js';
import { CofferError } from '../errors.js';
import { messageObjectKeys } from './message-objects.js';

interface Deps {
  blobs: BlobStore;
  catalog: Catalog;
  governance: Governance;
}

interface ReleaseDeps extends Deps {
  /** The hold being released: its own membership no longer counts. */
  exceptHoldId: string;
}

/** Sets the store's legal hold on every object of a message; false when the message is gone. */
export async function protectMessage(id: string, deps: Deps): Promise<boolean> {
  const keys = await messageObjectKeys(id, deps);
  let found = false;
  for (const key of keys) {
    try {
      await deps.blobs.setLegalHold(key, true);
      found = true;
    } catch (err) {
      if (!(err instanceof CofferError && err.code === 'BLOB.NOT_FOUND')) throw err;
    }
  }
  return found;
}

/**
 * Clears the store's legal hold of a message that no other live hold covers; the releasing hold
 * drops its membership only afterwards, so a crash in between leaves the message protected. A hold
 * that adds the message meanwhile sets the store hold after adding membership, so checking again
 * after clearing converges on "protected".
 */
export async function unprotectIfFree(id: string, deps: ReleaseDeps): Promise<boolean> {
  if (await coveredByLiveHold(id, deps)) return false;
  const keys = await messageObjectKeys(id, deps);
  for (const key of keys) await setIfPresent(deps.blobs, key, false);
  if (await coveredByLiveHold(id, deps)) {
    for (const key of keys) await setIfPresent(deps.blobs, key, true);
    return false;
  }
  return true;
}

async function coveredByLiveHold(id: string, { governance, exceptHoldId }: ReleaseDeps): Promise<boolean> {
  for (const holdId of await governance.holdsOf(id)) {
    if (holdId === exceptHoldId) continue;
    const hold = await governance.getHold(holdId);
    if (hold && hold.status !== 'released') return true;
  }
  return false;
}

async function setIfPresent(blobs: BlobStore, key: string, on: boolean): Promise<void> {
  try {
    await blobs.setLegalHold(key, on);
  } catch (err) {
    if (!(err instanceof CofferError && err.code === 'BLOB.NOT_FOUND')) throw err;
  }
}
