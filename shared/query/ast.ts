/**
 * The query language's AST (QUERY.md). Every engine — SQLite FTS5, OpenSearch, the in-memory
 * matcher — consumes this and nothing else, so that all give the same set of messages.
 *
 * Words in the AST are already normalized with `normalizeWords` (lower-cased, diacritics removed).
 */

/** 1-based column range in the query text, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

/** A bare word matches subject, body and attachment names; the others one field. */
export type TextField = 'any' | 'subject' | 'body' | 'attachment';

export type TextMatch =
  /** One word, or a phrase: words adjacent and in order, in one field. */
  | { type: 'words'; words: string[] }
  /** Any word starting with `prefix` (at least 2 characters). */
  | { type: 'prefix'; prefix: string }
  /** `attachment:*.pdf` — an attachment name ending in `.pdf` (lower-cased, without the dot). */
  | { type: 'extension'; extension: string };

export type AddressField = 'from' | 'to' | 'cc' | 'bcc' | 'participants' | 'custodian';

export type AddressMatch =
  /** `alice@example.com`: that exact address, case-insensitive (stored lower-cased). */
  | { type: 'exact'; address: string }
  /** `@example.com` or `example.com`: that domain or a subdomain of it. */
  | { type: 'domain'; domain: string }
  /** `alice`, `"alice smith"`: words of the display name or of the local part, adjacent. */
  | { type: 'words'; words: string[] }
  /** `ali*`: a word of the display name or local part starting with the prefix. */
  | { type: 'prefix'; prefix: string };

export type RangeField = 'sent' | 'received' | 'size';

export type QueryNode =
  | { kind: 'and'; children: QueryNode[]; span: Span }
  | { kind: 'or'; children: QueryNode[]; span: Span }
  | { kind: 'not'; child: QueryNode; span: Span }
  | { kind: 'text'; field: TextField; match: TextMatch; span: Span }
  | { kind: 'address'; field: AddressField; match: AddressMatch; span: Span }
  | { kind: 'hasAttachment'; span: Span }
  /** Exact Message-ID without angle brackets; compared case-sensitively as written. */
  | { kind: 'messageId'; value: string; span: Span }
  /**
   * Inclusive integer bounds: epoch milliseconds for dates (whole UTC days, so `sent:2024-01-15`
   * is min 2024-01-15T00:00:00.000Z, max 2024-01-15T23:59:59.999Z), bytes for size.
   */
  | { kind: 'range'; field: RangeField; min?: number; max?: number; span: Span }
  /** Every message: the empty query, or the left side of a purely negative query. */
  | { kind: 'all'; span: Span };
