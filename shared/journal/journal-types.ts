/** How a recipient line of an Exchange journal report names its recipient. */
export type JournalRecipientKind = 'to' | 'cc' | 'bcc' | 'recipient';

export interface JournalRecipient {
  /** Lower-cased SMTP address. */
  address: string;
  kind: JournalRecipientKind;
  /** `, Expanded: dl@x`: reached through this distribution list. */
  expandedFrom?: string;
  /** `, Forwarded: addr`: reached by forwarding from this address. */
  forwardedFrom?: string;
}

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
