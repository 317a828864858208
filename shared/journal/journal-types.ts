// One definition of a journal recipient: the record the catalog keeps (domain/records.ts).
import type { JournalRecipient } from '../domain/records.js';

export type { JournalRecipient, JournalRecipientKind } from '../domain/records.js';

/** The envelope written in the report's text part. */
export interface JournalFields {
  sender: string | null;
  onBehalfOf: string | null;
  subject: string | null;
  /** Without the angle brackets. */
  messageId: string | null;
  /** Lower-cased, in report order, duplicates (same address, kind and annotations) removed. */
  recipients: JournalRecipient[];
  /** Body lines that are not a known field, kept verbatim so nothing is lost. */
  unknownLines: string[];
}

export type JournalUnwrap =
  | { kind: 'not-journal' }
  | { kind: 'report'; fields: JournalFields; original: Buffer; decrypted: Buffer | null }
  | { kind: 'malformed'; reason: string; fields: JournalFields | null };
