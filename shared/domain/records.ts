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
}

export type DeliverySource = 'smtp' | 'import' | 'api' | 'ses';

export interface Envelope {
  mailFrom: string | null;
  rcptTo: string[];
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
}

export type Role = 'admin' | 'officer' | 'auditor' | 'legal-api';

export interface User {
  name: string;
  role: Role;
  /** SHA-256 hex of the API token; the token itself is never stored. */
  tokenHash: string;
  createdAt: string;
}
