// One definition of a journal recipient and of the report's fields: the records the catalog keeps (domain/records.ts).
import type { JournalFields } from '../domain/records.js';

export type { JournalFields, JournalRecipient, JournalRecipientKind } from '../domain/records.js';

export type JournalUnwrap =
  | { kind: 'not-journal' }
  | { kind: 'report'; fields: JournalFields; original: Buffer; decrypted: Buffer | null }
  | { kind: 'malformed'; reason: string; fields: JournalFields | null };
