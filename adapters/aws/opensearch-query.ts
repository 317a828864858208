/**
 * Compiles the query AST (QUERY.md) into OpenSearch query DSL, with the same membership as the
 * SQLite engine (adapters/embedded/sqlite-query-compiler.ts).
 *
 * The output is a closed set of query types (`Dsl`): bool, match_all/none, term, range,
 * match_phrase, prefix and span queries. User text only ever lands in a `value` or `query` slot of
 * one of these — never in `query_string`, `simple_query_string`, a script, or a field name — so no
 * query parser ever sees it: a `*`, a quote or a JSON-looking value is just characters.
 *
 * Words are normalized with `normalizeWords` again here, as the SQLite compiler does, and the
 * stored text went through the same function (opensearch-mapping.ts), so a word means the same
 * on both sides; the whitespace analyzer only splits where we put spaces.
 */
import type { AddressField, AddressMatch, QueryNode, RangeField, TextField, TextMatch } from '../../shared/query/ast.js';
import { normalizeWords } from '../../shared/query/text.js';
import { foldFileName, reversedDomain } from '../../shared/query/text.js';
import { FIELD, TEXT_FIELDS, peopleFields } from './opensearch-mapping.js';

type Empty = Record<string, never>;

export interface BoolDsl {
  filter?: Dsl[];
  should?: Dsl[];
  must_not?: Dsl[];
  minimum_should_match?: number;
}

export type SpanDsl =
  | { span_term: Record<string, { value: string }> }
  | { span_multi: { match: { prefix: Record<string, { value: string }> } } };

export type Dsl =
  | { match_all: Empty }
  | { match_none: Empty }
  | { bool: BoolDsl }
  | { term: Record<string, { value: string | boolean }> }
  | { range: Record<string, { gte?: number; lte?: number }> }
  | { match_phrase: Record<string, { query: string; slop: 0 }> }
  | { prefix: Record<string, { value: string }> }
  | { span_near: { clauses: SpanDsl[]; slop: 0; in_order: true } };

export const MATCH_ALL: Dsl = { match_all: {} };
export const MATCH_NONE: Dsl = { match_none: {} };

const TEXT_TARGETS: Record<TextField, readonly string[]> = {
  any: [TEXT_FIELDS.subject, TEXT_FIELDS.body, TEXT_FIELDS.attachment],
  subject: [TEXT_FIELDS.subject],
  body: [TEXT_FIELDS.body],
  attachment: [TEXT_FIELDS.attachment],
};

const RANGE_FIELD: Record<RangeField, string> = {
  sent: FIELD.sent,
  received: FIELD.received,
  size: FIELD.size,
};

export function compileQuery(node: QueryNode): Dsl {
  switch (node.kind) {
    case 'all':
      return MATCH_ALL;
    case 'and':
      return compileAnd(node.children);
    case 'or':
      return anyOf(node.children.map(compileQuery));
    case 'not':
      return not(compileQuery(node.child));
    case 'hasAttachment':
      return { term: { [FIELD.hasAttachment]: { value: true } } };
    case 'messageId':
      // Exact and case-sensitive, as written; a message without one never matches.
      return { term: { [FIELD.messageId]: { value: node.value } } };
    case 'range':
      return compileRange(RANGE_FIELD[node.field], node.min, node.max);
    case 'text':
      return compileText(node.field, node.match);
    case 'address':
      return compileAddress(node.field, node.match);
  }
}

/** NOT operands go to must_not of the same bool: `a -b -c` is one bool, not nested ones. */
function compileAnd(children: readonly QueryNode[]): Dsl {
  if (children.length === 0) return MATCH_ALL;
  if (children.length === 1) return compileQuery(children[0] as QueryNode);
  const filter: Dsl[] = [];
  const mustNot: Dsl[] = [];
  for (const child of children) {
    if (child.kind === 'not') mustNot.push(compileQuery(child.child));
    else filter.push(compileQuery(child));
  }
  // A bool with only must_not matches every document but those: "all except", as QUERY.md says.
  const bool: BoolDsl = {};
  if (filter.length > 0) bool.filter = filter;
  if (mustNot.length > 0) bool.must_not = mustNot;
  return { bool };
}

function anyOf(parts: readonly Dsl[]): Dsl {
  if (parts.length === 0) return MATCH_NONE;
  if (parts.length === 1) return parts[0] as Dsl;
  return { bool: { should: [...parts], minimum_should_match: 1 } };
}

function not(inner: Dsl): Dsl {
  return { bool: { must_not: [inner] } };
}

function compileRange(field: string, min?: number, max?: number): Dsl {
  if (min === undefined && max === undefined) return MATCH_ALL;
  const bounds: { gte?: number; lte?: number } = {};
  if (min !== undefined) bounds.gte = min;
  if (max !== undefined) bounds.lte = max;
  return { range: { [field]: bounds } };
}

function compileText(field: TextField, match: TextMatch): Dsl {
  if (match.type === 'extension') {
    const ext = foldFileName(match.extension).replace(/^\./, '');
    return ext === '' ? MATCH_NONE : { term: { [FIELD.extension]: { value: ext } } };
  }
  return wordsIn(TEXT_TARGETS[field], match);
}

function compileAddress(field: AddressField, match: AddressMatch): Dsl {
  const f = peopleFields(field);
  switch (match.type) {
    case 'exact': {
      const address = match.address.trim().toLowerCase();
      return address === '' ? MATCH_NONE : { term: { [f.address]: { value: address } } };
    }
    case 'domain': {
      // `com.example.` is a prefix of `com.example.` and `com.example.mail.`, not of `com.examples.`.
      const rdomain = reversedDomain(match.domain);
      return rdomain === '' ? MATCH_NONE : { prefix: { [f.rdomain]: { value: rdomain } } };
    }
    case 'words':
    case 'prefix':
      return wordsIn([f.words], match);
  }
}

/** A phrase (one word is a phrase of one) or a prefix, in any of `fields`; no words matches nothing. */
function wordsIn(fields: readonly string[], match: Extract<TextMatch, { type: 'words' | 'prefix' }>): Dsl {
  const words = normalizeWords(match.type === 'words' ? match.words.join(' ') : match.prefix);
  if (words.length === 0) return MATCH_NONE;
  const one = match.type === 'words' ? phrase : prefixPhrase;
  return anyOf(fields.map((field) => one(field, words)));
}

function phrase(field: string, words: readonly string[]): Dsl {
  return { match_phrase: { [field]: { query: words.join(' '), slop: 0 } } };
}

/**
 * The last word is a prefix. The parser only makes one-word prefixes, which are a plain `prefix`
 * query (rewritten to a constant-score filter: no cap on how many words it expands to). A prefix
 * of several words, as FTS5's `"a b" *`, needs positions: a span_near of the words.
 */
function prefixPhrase(field: string, words: readonly string[]): Dsl {
  const last = words[words.length - 1] as string;
  const prefix = { prefix: { [field]: { value: last } } };
  if (words.length === 1) return prefix;
  const clauses: SpanDsl[] = words.slice(0, -1).map((w) => ({ span_term: { [field]: { value: w } } }));
  clauses.push({ span_multi: { match: prefix } });
  return { span_near: { clauses, slop: 0, in_order: true } };
}
