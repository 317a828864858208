import type { Delivery, MessageRecord } from '../../shared/domain/records.js';
import { sha256 } from './bytes.js';

/** Object mothers: valid records with what a test cares about overridden. */
export function aMessage(overrides: Partial<MessageRecord> = {}): MessageRecord {
  const id = overrides.id ?? sha256(`message-${Math.random()}`);
  return {
    id,
    messageId: `${id.slice(0, 8)}@example.com`,
    date: '2024-01-15T10:00:00.000Z',
    sent: '2024-01-15T10:00:00.000Z',
    received: '2024-01-15T10:00:05.000Z',
    from: [{ address: 'alice@example.com', name: 'Alice' }],
    sender: [],
    to: [{ address: 'bob@example.com', name: 'Bob' }],
    cc: [],
    bcc: [],
    replyTo: [],
    subject: 'Quarterly numbers',
    inReplyTo: null,
    references: [],
    threadId: 'thread-1',
    envelopeRecipients: [],
    custodians: [],
    size: 1234,
    attachments: [],
    hasAttachments: false,
    retainUntil: '2033-01-15T10:00:00.000Z',
    holdIds: [],
    parseStatus: 'ok',
    parseError: null,
    journalRecipients: [],
    journalStatus: 'none',
    journalError: null,
    decryptedCopyId: null,
    decryptedCopyOf: null,
    ...overrides,
  };
}

export function aDelivery(message: MessageRecord, overrides: Partial<Delivery> = {}): Delivery {
  const id = overrides.id ?? `d-${Math.random().toString(36).slice(2)}`;
  return {
    id,
    messageSha256: message.id,
    receivedAt: '2024-01-15T10:00:05.000Z',
    source: 'smtp',
    envelope: { mailFrom: 'alice@example.com', rcptTo: ['bob@example.com'] },
    origin: 'smtp:127.0.0.1',
    evidenceKey: `deliveries/${message.id.slice(0, 2)}/${message.id}/${id}.json`,
    ...overrides,
  };
}
