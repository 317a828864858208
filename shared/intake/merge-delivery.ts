import type { Delivery, MessageRecord } from '../domain/records.js';

/**
 * Folds one delivery into a message record: envelope recipients are the union over deliveries,
 * and every envelope recipient is a custodian (the mailbox it was archived for). Shared by every
 * catalog adapter so that all merge the same way.
 */
export function mergeDelivery(record: MessageRecord, delivery: Delivery): { record: MessageRecord; changed: boolean } {
  const recipients = union(record.envelopeRecipients, delivery.envelope.rcptTo);
  const custodians = union(record.custodians, delivery.envelope.rcptTo);
  const changed =
    recipients.length !== record.envelopeRecipients.length || custodians.length !== record.custodians.length;
  return changed ? { record: { ...record, envelopeRecipients: recipients, custodians }, changed } : { record, changed };
}

function union(existing: readonly string[], added: readonly string[]): string[] {
  const all = new Set(existing);
  for (const address of added) {
    const normalized = address.trim().toLowerCase();
    if (normalized) all.add(normalized);
  }
  return all.size === existing.length ? [...existing] : [...all].sort();
}
