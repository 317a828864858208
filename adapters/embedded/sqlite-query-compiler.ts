/**
 * Compiles the query AST (QUERY.md) into one SQLite boolean expression over the `docs` row `d`.
 *
 * SQL text is only ever assembled from the fixed fragments in this file; every value from the
 * query — including the FTS5 MATCH expression — travels as a bound parameter, so the SQL text
 * depends only on the shape of the query, never on what the user typed.
 *
 * The schema these fragments refer to is created by SqliteFtsIndex; the storage conventions
 * both sides must agree on (separator token, field codes, reversed domains, extensions) live here.
 */
import type { AddressField, AddressMatch, QueryNode, TextField, TextMatch } from '../../shared/query/ast.js';
import { foldFileName, normalizeWords, reversedDomain } from '../../shared/query/text.js';

export type SqlParam = string | number;

export interface CompiledQuery {
  /** A boolean SQL expression over the `docs` table aliased `d`. */
  sql: string;
  params: SqlParam[];
}

/**
 * Stored between values that share an FTS5 column (two attachment names, two recipients, a name
 * and its local part) so that a phrase cannot run from one into the next. It is a token for the
 * `ascii` tokenizer (non-ASCII) but never a word (`normalizeWords` emits only \p{L}\p{N}).
 */
export const SEGMENT_BREAK = ' \u00a7 ';

/** Codes of `doc_addresses.field`; people FTS columns are named alike. */
export const ADDRESS_FIELD = {
  from: 1,
  sender: 2,
  to: 3,
  cc: 4,
  bcc: 5,
  envelope: 6,
  custodian: 7,
} as const;

interface PeopleTarget {
  /** SQL list of `doc_addresses.field` codes. */
  codes: string;
  /** FTS5 column filter on `people_fts`. */
  columns: string;
}

const PEOPLE: Record<AddressField, PeopleTarget> = {
  from: { codes: '1', columns: '{from_w}' },
  to: { codes: '3', columns: '{to_w}' },
  cc: { codes: '4', columns: '{cc_w}' },
  bcc: { codes: '5', columns: '{bcc_w}' },
  participants: {
    codes: '1, 2, 3, 4, 5, 6',
    columns: '{from_w sender_w to_w cc_w bcc_w env_w}',
  },
  custodian: { codes: '7', columns: '{cust_w}' },
};

const TEXT_COLUMNS: Record<TextField, string> = {
  any: '{subject body attachment}',
  subject: '{subject}',
  body: '{body}',
  attachment: '{attachment}',
};

const RANGE_COLUMN = { sent: 'd.sent', received: 'd.received', size: 'd.size' } as const;

type FtsTable = 'text_fts' | 'people_fts';

interface FtsExpr {
  table: FtsTable;
  expr: string;
}

const TRUE: CompiledQuery = { sql: '1', params: [] };
const FALSE: CompiledQuery = { sql: '0', params: [] };

export function compileQuery(node: QueryNode): CompiledQuery {
  const fts = ftsOf(node);
  if (fts) return ftsIn(fts);
  switch (node.kind) {
    case 'all':
      return TRUE;
    case 'and':
      return compileAnd(node.children);
    case 'or':
      return compileOr(node.children);
    case 'not': {
      const inner = ftsOf(node.child);
      if (inner) return ftsIn(inner, true);
      const child = compileQuery(node.child);
      return { sql: `NOT (${child.sql})`, params: child.params };
    }
    case 'hasAttachment':
      return { sql: 'd.has_attachment = 1', params: [] };
    case 'messageId':
      // IS, not =: message_id may be NULL, and NOT (NULL = ?) would drop the row from a NOT.
      return { sql: 'd.message_id IS ?', params: [node.value] };
    case 'range':
      return compileRange(RANGE_COLUMN[node.field], node.min, node.max);
    case 'text':
      return node.match.type === 'extension' ? compileExtension(node.match.extension) : FALSE;
    case 'address':
      return compileAddress(node.field, node.match);
  }
}

/** An FTS5 string literal: the only way a word enters a MATCH expression. */
export function ftsString(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

function compileAnd(children: readonly QueryNode[]): CompiledQuery {
  const { groups, rest } = groupFts(children);
  const parts: CompiledQuery[] = [];
  for (const [table, { positive, negative }] of groups) {
    if (positive.length > 0) {
      parts.push(ftsIn({ table, expr: ftsAndNot(positive, negative) }));
    } else {
      parts.push(ftsIn({ table, expr: ftsJoin(negative, 'OR') }, true));
    }
  }
  for (const child of rest) parts.push(compileQuery(child));
  return join(parts, 'AND', TRUE);
}

function compileOr(children: readonly QueryNode[]): CompiledQuery {
  const byTable = new Map<FtsTable, string[]>();
  const rest: QueryNode[] = [];
  for (const child of children) {
    const fts = ftsOf(child);
    if (!fts) {
      rest.push(child);
      continue;
    }
    const exprs = byTable.get(fts.table) ?? [];
    exprs.push(fts.expr);
    byTable.set(fts.table, exprs);
  }
  const parts = [...byTable].map(([table, exprs]) => ftsIn({ table, expr: ftsJoin(exprs, 'OR') }));
  return join([...parts, ...rest.map(compileQuery)], 'OR', FALSE);
}

function compileRange(column: string, min?: number, max?: number): CompiledQuery {
  if (min !== undefined && max !== undefined) {
    return { sql: `${column} BETWEEN ? AND ?`, params: [min, max] };
  }
  if (min !== undefined) return { sql: `${column} >= ?`, params: [min] };
  if (max !== undefined) return { sql: `${column} <= ?`, params: [max] };
  return TRUE;
}

function compileExtension(extension: string): CompiledQuery {
  const ext = foldFileName(extension).replace(/^\./, '');
  if (ext === '') return FALSE;
  return {
    sql: 'd.doc IN (SELECT doc FROM attachment_exts WHERE ext = ?)',
    params: [ext],
  };
}

function compileAddress(field: AddressField, match: AddressMatch): CompiledQuery {
  const { codes } = PEOPLE[field];
  if (match.type === 'exact') {
    const address = match.address.trim().toLowerCase();
    if (address === '') return FALSE;
    return {
      sql:
        'd.doc IN (SELECT doc FROM doc_addresses WHERE aid = (SELECT aid FROM addresses WHERE address = ?)' +
        ` AND field IN (${codes}))`,
      params: [address],
    };
  }
  if (match.type === 'domain') {
    const low = reversedDomain(match.domain);
    if (low === '') return FALSE;
    // Every string starting with `com.example.` sorts in [`com.example.`, `com.example/`):
    // a plain index range, so no LIKE and nothing in the domain needs escaping.
    const high = `${low.slice(0, -1)}/`;
    return {
      sql:
        'd.doc IN (SELECT doc FROM doc_addresses WHERE aid IN' +
        ` (SELECT aid FROM addresses WHERE rdomain >= ? AND rdomain < ?) AND field IN (${codes}))`,
      params: [low, high],
    };
  }
  // Words and prefixes are FTS matches; ftsOf took them unless they had no words at all.
  return FALSE;
}

/** The node as one FTS5 expression on one table, when it can be; null otherwise. */
function ftsOf(node: QueryNode): FtsExpr | null {
  switch (node.kind) {
    case 'text': {
      const phrase = ftsPhrase(node.match);
      return phrase === null ? null : { table: 'text_fts', expr: `${TEXT_COLUMNS[node.field]} : ${phrase}` };
    }
    case 'address': {
      const { match } = node;
      if (match.type !== 'words' && match.type !== 'prefix') return null;
      const phrase = ftsPhrase(match);
      return phrase === null ? null : { table: 'people_fts', expr: `${PEOPLE[node.field].columns} : ${phrase}` };
    }
    case 'and': {
      const { groups, rest } = groupFts(node.children);
      const [only, ...others] = groups;
      if (rest.length > 0 || others.length > 0 || !only) return null;
      const [table, { positive, negative }] = only;
      return positive.length > 0 ? { table, expr: ftsAndNot(positive, negative) } : null;
    }
    case 'or': {
      const parts = node.children.map(ftsOf);
      const first = parts[0];
      if (!first || parts.some((p) => !p || p.table !== first.table)) return null;
      return { table: first.table, expr: ftsJoin(parts.map((p) => (p as FtsExpr).expr), 'OR') };
    }
    default:
      return null;
  }
}

interface FtsGroup {
  positive: string[];
  negative: string[];
}

/** Splits AND operands into per-table FTS5 operands (negated or not) and everything else. */
function groupFts(children: readonly QueryNode[]): { groups: [FtsTable, FtsGroup][]; rest: QueryNode[] } {
  const groups = new Map<FtsTable, FtsGroup>();
  const rest: QueryNode[] = [];
  const add = (fts: FtsExpr, sign: keyof FtsGroup): void => {
    const group = groups.get(fts.table) ?? { positive: [], negative: [] };
    group[sign].push(fts.expr);
    groups.set(fts.table, group);
  };
  for (const child of children) {
    const fts = ftsOf(child);
    const negated = child.kind === 'not' ? ftsOf(child.child) : null;
    if (fts) add(fts, 'positive');
    else if (negated) add(negated, 'negative');
    else rest.push(child);
  }
  return { groups: [...groups], rest };
}

/** Null when the match has no words: such a match matches nothing. */
function ftsPhrase(match: TextMatch | AddressMatch): string | null {
  if (match.type === 'words') {
    const words = normalizeWords(match.words.join(' '));
    return words.length > 0 ? ftsString(words.join(' ')) : null;
  }
  if (match.type === 'prefix') {
    const words = normalizeWords(match.prefix);
    return words.length > 0 ? `${ftsString(words.join(' '))} *` : null;
  }
  return null;
}

/** `a AND NOT b AND NOT c` as `a NOT (b OR c)`: FTS5 NOT is binary, and this keeps nesting flat. */
function ftsAndNot(positive: readonly string[], negative: readonly string[]): string {
  const expr = ftsJoin(positive, 'AND');
  return negative.length === 0 ? expr : `(${expr}) NOT (${ftsJoin(negative, 'OR')})`;
}

function ftsJoin(exprs: readonly string[], op: 'AND' | 'OR'): string {
  return exprs.length === 1 ? (exprs[0] as string) : exprs.map((e) => `(${e})`).join(` ${op} `);
}

function ftsIn(fts: FtsExpr, negate = false): CompiledQuery {
  // The table name comes from the closed FtsTable union, never from the query.
  const table = fts.table === 'text_fts' ? 'text_fts' : 'people_fts';
  return {
    sql: `d.doc ${negate ? 'NOT IN' : 'IN'} (SELECT rowid FROM ${table} WHERE ${table} MATCH ?)`,
    params: [fts.expr],
  };
}

function join(parts: readonly CompiledQuery[], op: 'AND' | 'OR', empty: CompiledQuery): CompiledQuery {
  if (parts.length === 0) return empty;
  if (parts.length === 1) return parts[0] as CompiledQuery;
  return {
    sql: parts.map((p) => `(${p.sql})`).join(` ${op} `),
    params: parts.flatMap((p) => p.params),
  };
}
