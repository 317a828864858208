import type { Address, Delivery, MessageRecord } from '../domain/records.js';
import type { IndexDocument, IndexPeople, IndexedAddress } from '../ports/search-index.js';
import type { ParsedMessage } from './parse-message.js';
import { sha256Hex } from './hash.js';

export interface RecordContext {
  id: string;
  size: number;
  retainUntil: Date;
  /** The first delivery's time: `sent` falls back to it when the Date header is unusable. */
  firstReceivedAt: Date;
  /** Domains of the organisation: an internal sender is a custodian of what it sent. */
  internalDomains: readonly string[];
  journal?: { status: 'ok' | 'malformed'; error: string | null };
  decryptedCopyId?: string;
  decryptedCopyOf?: string;
}

/** The catalog record of a freshly parsed message, before any delivery is merged in. */
export function buildRecord(parsed: ParsedMessage, ctx: RecordContext): MessageRecord {
  const sent = parsed.date ?? ctx.firstReceivedAt;
  const attachments = parsed.attachments;
  return {
    id: ctx.id,
    messageId: parsed.messageId,
    date: parsed.date?.toISOString() ?? null,
    sent: sent.toISOString(),
    received: ctx.firstReceivedAt.toISOString(),
    from: parsed.from,
    sender: parsed.sender,
    to: parsed.to,
    cc: parsed.cc,
    bcc: parsed.bcc,
    replyTo: parsed.replyTo,
    subject: parsed.subject,
    inReplyTo: parsed.inReplyTo,
    references: parsed.references,
    threadId: threadIdOf(parsed, ctx.id),
    envelopeRecipients: [],
    custodians: internalSenders(parsed, ctx.internalDomains),
    size: ctx.size,
    attachments,
    hasAttachments: attachments.some((a) => !a.inline),
    retainUntil: ctx.retainUntil.toISOString(),
    holdIds: [],
    parseStatus: parsed.status,
    parseError: parsed.error,
    journalRecipients: [],
    journalStatus: ctx.journal?.status ?? 'none',
    journalError: ctx.journal?.error ?? null,
    decryptedCopyId: ctx.decryptedCopyId ?? null,
    decryptedCopyOf: ctx.decryptedCopyOf ?? null,
  };
}

/** The search document; body text comes from the parse, everything else from the record. */
export function buildIndexDocument(record: MessageRecord, bodyText: string): IndexDocument {
  return {
    id: record.id,
    sent: Date.parse(record.sent),
    received: Date.parse(record.received),
    size: record.size,
    subject: record.subject ?? '',
    body: bodyText,
    attachmentNames: record.attachments.map((a) => a.name).filter((n): n is string => n !== null),
    hasAttachment: record.hasAttachments,
    messageId: record.messageId,
    ...peopleOf(record),
  };
}

export function peopleOf(record: MessageRecord): IndexPeople {
  return {
    from: indexed(record.from),
    sender: indexed(record.sender),
    to: indexed(record.to),
    cc: indexed(record.cc),
    // Bcc recipients exist only in journal reports: the original carries no Bcc header.
    bcc: [...indexed(record.bcc), ...record.journalRecipients.filter((r) => r.kind === 'bcc').map((r) => ({ address: r.address, name: '' }))],
    envelopeRecipients: record.envelopeRecipients,
    custodians: record.custodians,
  };
}

/** A delivery's envelope record as written to the store (DESIGN invariant 6). */
export function envelopeRecord(delivery: Delivery): Uint8Array {
  return Buffer.from(`${JSON.stringify({ type: 'coffer.delivery', version: 1, ...delivery })}\n`);
}

function indexed(list: Address[]): IndexedAddress[] {
  return list.map((a) => ({ address: a.address.toLowerCase(), name: a.name }));
}

function internalSenders(parsed: ParsedMessage, internalDomains: readonly string[]): string[] {
  if (internalDomains.length === 0) return [];
  const internal = (address: string) => {
    const domain = address.toLowerCase().split('@')[1] ?? '';
    return internalDomains.some((d) => domain === d || domain.endsWith(`.${d}`));
  };
  return [...new Set([...parsed.from, ...parsed.sender].map((a) => a.address.toLowerCase()).filter(internal))].sort();
}

/** Messages of one conversation share the root of their References chain. */
function threadIdOf(parsed: ParsedMessage, id: string): string {
  const root = parsed.references[0] ?? parsed.inReplyTo ?? parsed.messageId ?? id;
  return sha256Hex(root).slice(0, 24);
}
