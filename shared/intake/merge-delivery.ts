import type { Delivery, JournalRecipient, MessageRecord } from '../domain/records.js';

/**
 * Folds one delivery into a message record: the mailboxes it was delivered for join the
 * envelope recipients and the custodians, and a journal report's recipients keep their kinds.
 * For a journal report the SMTP envelope names the journal mailbox, not a custodian, so the
 * report's recipient lines are used instead. Shared by every catalog adapter.
 */
export function mergeDelivery(record: MessageRecord, delivery: Delivery): { record: MessageRecord; changed: boolean } {
  const mailboxes = [
    ...(delivery.journal ? delivery.journal.recipients.map((r) => r.address) : delivery.envelope.rcptTo),
    ...(delivery.headerRecipients ?? []),
  ];
  const recipients = union(record.envelopeRecipients, mailboxes);
  const custodians = union(record.custodians, mailboxes);
  const journalRecipients = unionJournal(record.journalRecipients, delivery.journal?.recipients ?? []);
  const changed =
    recipients.length !== record.envelopeRecipients.length ||
    custodians.length !== record.custodians.length ||
    journalRecipients.length !== record.journalRecipients.length;
  return changed
    ? { record: { ...record, envelopeRecipients: recipients, custodians, journalRecipients }, changed }
    : { record, changed };
}

function union(existing: readonly string[], added: readonly string[]): string[] {
  const all = new Set(existing);
  for (const address of added) {
    const normalized = address.trim().toLowerCase();
    if (normalized) all.add(normalized);
  }
  return all.size === existing.length ? [...existing] : [...all].sort();
}

function unionJournal(existing: readonly JournalRecipient[], added: readonly JournalRecipient[]): JournalRecipient[] {
  const key = (r: JournalRecipient) => `${r.kind}|${r.address}|${r.expandedFrom ?? ''}|${r.forwardedFrom ?? ''}`;
  const all = new Map(existing.map((r) => [key(r), r]));
  for (const r of added) if (!all.has(key(r))) all.set(key(r), r);
  // Sorted, so the record is the same whatever order the reports arrive (or are replayed) in.
  return all.size === existing.length ? [...existing] : [...all.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}
