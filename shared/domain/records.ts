/** The records the catalog keeps (DESIGN "Records"). Times are ISO 8601 UTC strings. */

export interface Address {
  /** As written in the header; compared case-insensitively. Empty when the header gave only a name. */
  address: string;
  name: string;
}

export type ParseStatus = 'ok' | 'failed';

export interface AttachmentInfo {
  /** Position among the message's attachments, 0-based; stable across re-parses. */
  index: number;
  name: string | null;
  type: string;
  size: number;
  sha256: string;
  /** Inline parts (embedded images) do not make `has:attachment` true. */
  inline: boolean;
}

export type JournalRecipientKind = 'to' | 'cc' | 'bcc' | 'recipient';

/** A recipient named by a journal report; Bcc recipients exist only here. */
export interface JournalRecipient {
  address: string;
  kind: JournalRecipientKind;
  /** Reached through this distribution list. */
  expandedFrom?: string;
  /** Reached because this address forwarded to it. */
  forwardedFrom?: string;
}

/** none: arrived as itself; ok: unwrapped from a journal report; malformed: a report we could not unwrap, archived as it is. */
export type JournalStatus = 'none' | 'ok' | 'malformed';

export interface MessageRecord {
  /** SHA-256 hex of the exact original bytes. */
  id: string;
  messageId: string | null;
  /** The Date header, when usable. */
  date: string | null;
  /** `date`, or the first delivery's time when the message has no usable Date. */
  sent: string;
  /** The first delivery's time. */
  received: string;
  from: Address[];
  sender: Address[];
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  subject: string | null;
  inReplyTo: string | null;
  references: string[];
  threadId: string | null;
  /** Union of the envelope recipients of every delivery, lower-cased. */
  envelopeRecipients: string[];
  /** Mailboxes the message was archived for, lower-cased. */
  custodians: string[];
  size: number;
  attachments: AttachmentInfo[];
  hasAttachments: boolean;
  retainUntil: string;
  holdIds: string[];
  parseStatus: ParseStatus;
  parseError: string | null;
  /** Union over the journal reports of every delivery, each recipient with its kind. */
  journalRecipients: JournalRecipient[];
  journalStatus: JournalStatus;
  journalError: string | null;
  /** Protected mail: the decrypted copy archived beside this message, and the reverse link. */
  decryptedCopyId: string | null;
  decryptedCopyOf: string | null;
}

export type DeliverySource = 'smtp' | 'import' | 'api' | 'ses';

export interface Envelope {
  mailFrom: string | null;
  rcptTo: string[];
}

/** The receiving service's verdicts (SES: PASS, FAIL, GRAY, PROCESSING_FAILED, DISABLED); recorded, never acted on. */
export interface DeliveryVerdicts {
  spam: string;
  virus: string;
  spf: string;
  dkim: string;
  dmarc: string;
  dmarcPolicy?: string;
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

/** What a journal report said about this delivery, and where the report's own bytes are kept. */
export interface JournalDelivery extends JournalFields {
  status: 'ok' | 'malformed';
  reason: string | null;
  /** Blob key and SHA-256 of the report as received: the delivery's evidence. */
  reportKey: string;
  reportSha256: string;
}

/** One arrival of a message. Also written write-once to the store as the evidence object. */
export interface Delivery {
  id: string;
  messageSha256: string;
  receivedAt: string;
  source: DeliverySource;
  envelope: Envelope;
  /** Where it came from: a file path for imports, the client address for SMTP. */
  origin: string | null;
  /** Blob key of this delivery's envelope record. */
  evidenceKey: string;
  /** Set when the message arrived inside a journal report. */
  journal?: JournalDelivery;
  /** Recipients named by headers the receiving system added (Google: X-Gm-Original-To, Delivered-To). */
  headerRecipients?: string[];
  verdicts?: DeliveryVerdicts;
  /** Protected mail: the links between an original and its decrypted copy, kept for rebuild. */
  decryptedCopyId?: string;
  decryptedCopyOf?: string;
}

export type Role = 'admin' | 'officer' | 'auditor' | 'legal-api';

export interface User {
  name: string;
  role: Role;
  /** SHA-256 hex of the API token; the token itself is never stored. */
  tokenHash: string;
  createdAt: string;
}
