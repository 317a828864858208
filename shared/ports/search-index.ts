import type { QueryNode } from '../query/ast.js';

/** Addresses in an index document are lower-cased; names are as written. */
export interface IndexedAddress {
  address: string;
  name: string;
}

/** Who a message concerns; replaced as a whole when a later delivery adds recipients. */
export interface IndexPeople {
  from: IndexedAddress[];
  sender: IndexedAddress[];
  to: IndexedAddress[];
  cc: IndexedAddress[];
  /** Bcc header plus Bcc recipients known from journal reports. */
  bcc: IndexedAddress[];
  envelopeRecipients: string[];
  custodians: string[];
}

export interface IndexDocument extends IndexPeople {
  id: string;
  /** Epoch milliseconds (UTC). */
  sent: number;
  received: number;
  size: number;
  subject: string;
  /** Text part, or text from HTML; bounded in length by the intake. */
  body: string;
  attachmentNames: string[];
  hasAttachment: boolean;
  /** Without angle brackets, as written. */
  messageId: string | null;
}

export type SearchSort = 'sent:desc' | 'sent:asc';

export interface SearchRequest {
  query: QueryNode;
  limit: number;
  cursor?: string;
  sort: SearchSort;
}

export interface SearchResult {
  total: number;
  ids: string[];
  nextCursor?: string;
}

export interface SearchIndex {
  /** Inserts or replaces documents by id. */
  index(docs: readonly IndexDocument[]): Promise<void>;
  updatePeople(id: string, people: IndexPeople): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
  /** Membership as QUERY.md defines it; `total` counts every match, not just this page. */
  search(request: SearchRequest): Promise<SearchResult>;
  count(): Promise<number>;
}
