import type { Catalog } from '../ports/catalog.js';
import type { SearchIndex, SearchSort } from '../ports/search-index.js';
import type { MessageRecord } from '../domain/records.js';
import { parseQuery } from '../query/parser.js';
import type { QueryNode } from '../query/ast.js';

export const MAX_SEARCH_LIMIT = 500;

export interface SearchInput {
  query: string;
  limit?: number;
  cursor?: string;
  sort?: SearchSort;
}

export interface SearchHit {
  id: string;
  messageId: string | null;
  sent: string;
  /** Same as `sent`: the first API draft called it `date`. */
  date: string;
  from: string | null;
  to: string[];
  subject: string | null;
  size: number;
  hasAttachments: boolean;
  parseStatus: MessageRecord['parseStatus'];
}

export interface SearchOutput {
  total: number;
  hits: SearchHit[];
  nextCursor?: string;
}

/** eDiscovery search: the query language on the index, records from the catalog. */
export class SearchMessages {
  constructor(private readonly deps: { index: SearchIndex; catalog: Catalog }) {}

  async execute(input: SearchInput): Promise<SearchOutput> {
    return this.executeQuery(parseQuery(input.query), input);
  }

  /** The same on an already-built query (a hold's scope, a policy's query). */
  async executeQuery(query: QueryNode, input: Omit<SearchInput, 'query'>): Promise<SearchOutput> {
    const limit = Math.min(Math.max(input.limit ?? 50, 1), MAX_SEARCH_LIMIT);
    const result = await this.deps.index.search({
      query,
      limit,
      sort: input.sort ?? 'sent:desc',
      ...(input.cursor !== undefined ? { cursor: input.cursor } : {}),
    });
    const records = await this.deps.catalog.getMessages(result.ids);
    return {
      total: result.total,
      hits: records.map(toHit),
      ...(result.nextCursor !== undefined ? { nextCursor: result.nextCursor } : {}),
    };
  }
}

function toHit(record: MessageRecord): SearchHit {
  const from = record.from[0];
  return {
    id: record.id,
    messageId: record.messageId,
    sent: record.sent,
    date: record.sent,
    from: from ? formatAddress(from) : null,
    to: record.to.map(formatAddress),
    subject: record.subject,
    size: record.size,
    hasAttachments: record.hasAttachments,
    parseStatus: record.parseStatus,
  };
}

function formatAddress(a: { name: string; address: string }): string {
  return a.name && a.address ? `${a.name} <${a.address}>` : a.address || a.name;
}
