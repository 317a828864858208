/**
 * The query language (QUERY.md) to its AST (ast.ts). Recursive descent over the lexer's tokens:
 *
 *   query   := or?
 *   or      := and ("OR" and)*
 *   and     := unary (("AND")? unary)*          adjacency is AND
 *   unary   := ("NOT" | "-")* primary           so NOT binds tighter than AND, AND than OR
 *   primary := "(" or ")" | term
 *
 * Every value is interpreted here, not in the engines, so all engines agree on what it means.
 */
import { QuerySyntaxError } from '../errors.js';
import type { AddressField, AddressMatch, QueryNode, RangeField, Span, TextField, TextMatch } from './ast.js';
import { tokenize } from './lexer.js';
import type { OperatorPrefix, TermToken, Token } from './lexer.js';
import { isOperatorName, suggestOperator } from './suggest.js';
import type { OperatorName } from './suggest.js';
import { foldText, normalizeWords } from './text.js';

export const MAX_QUERY_LENGTH = 4096;
export const MAX_NESTING = 64;

/** Parses a query; throws QuerySyntaxError with the 1-based column of the problem. */
export function parseQuery(text: string): QueryNode {
  if (text.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(`expected at most ${MAX_QUERY_LENGTH} characters in a query`, MAX_QUERY_LENGTH + 1);
  }
  const tokens = tokenize(text);
  if (tokens.length === 0) return { kind: 'all', span: { start: 1, end: text.length + 1 } };
  checkParentheses(tokens);
  return new Parser(tokens, text).parse();
}

/**
 * Balance and depth are checked up front so that the error points at the offending parenthesis
 * rather than at wherever the descent happens to notice, and so recursion depth is bounded.
 */
function checkParentheses(tokens: readonly Token[]): void {
  const open: Token[] = [];
  for (const token of tokens) {
    if (token.type === 'lparen') {
      open.push(token);
      if (open.length > MAX_NESTING) {
        throw new QuerySyntaxError(`expected at most ${MAX_NESTING} levels of nested parentheses`, token.start);
      }
    } else if (token.type === 'rparen' && open.pop() === undefined) {
      throw new QuerySyntaxError('expected a "(" before this ")"', token.start);
    }
  }
  const unclosed = open.at(-1);
  if (unclosed) throw new QuerySyntaxError('expected a ")" to close this "("', unclosed.start);
}

/** A parsed operand and the text it covers, parentheses included (a node's span excludes them). */
interface Parsed {
  node: QueryNode;
  start: number;
  end: number;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly text: string,
  ) {}

  parse(): QueryNode {
    const result = this.parseOr(undefined);
    // Unreachable after checkParentheses: only a stray ")" could stop the descent early.
    const extra = this.peek();
    if (extra) throw new QuerySyntaxError(`expected the end of the query, found ${describe(extra)}`, extra.start);
    return result.node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private parseOr(after: Token | undefined): Parsed {
    const items = [this.parseAnd(after)];
    for (let t = this.peek(); t?.type === 'or'; t = this.peek()) {
      this.pos++;
      items.push(this.parseAnd(t));
    }
    return combine('or', items);
  }

  private parseAnd(after: Token | undefined): Parsed {
    const items = [this.parseUnary(after)];
    for (let t = this.peek(); t && t.type !== 'or' && t.type !== 'rparen'; t = this.peek()) {
      if (t.type === 'and') {
        this.pos++;
        items.push(this.parseUnary(t));
      } else {
        items.push(this.parseUnary(undefined));
      }
    }
    return combine('and', items);
  }

  /** Iterative, so that a run of thousands of `-` or NOT cannot exhaust the stack. */
  private parseUnary(after: Token | undefined): Parsed {
    const negations: Token[] = [];
    for (let t = this.peek(); t?.type === 'not' || t?.type === 'minus'; t = this.peek()) {
      negations.push(t);
      this.pos++;
    }
    let result = this.parsePrimary(negations.at(-1) ?? after);
    for (const negation of negations.reverse()) {
      const span = { start: negation.start, end: result.end };
      result = { node: { kind: 'not', child: result.node, span }, ...span };
    }
    return result;
  }

  private parsePrimary(after: Token | undefined): Parsed {
    const t = this.peek();
    if (t === undefined || t.type === 'rparen' || t.type === 'and' || t.type === 'or') {
      throw this.missingTerm(after, t);
    }
    this.pos++;
    if (t.type === 'lparen') {
      const inner = this.parseOr(t);
      const close = this.peek();
      if (close?.type !== 'rparen') throw new QuerySyntaxError('expected a ")" to close this "("', t.start);
      this.pos++;
      return { node: inner.node, start: t.start, end: close.end };
    }
    if (t.type !== 'term') throw this.missingTerm(after, t);
    const node = termNode(t, this.text.charAt(t.end - 1));
    this.rejectDetachedUnit(t);
    return { node, start: t.start, end: t.end };
  }

  private missingTerm(after: Token | undefined, found: Token | undefined): QuerySyntaxError {
    const column = found?.start ?? this.text.length + 1;
    const what = found ? describe(found) : 'the end of the query';
    if (after === undefined && (found?.type === 'and' || found?.type === 'or')) {
      return new QuerySyntaxError(`expected a term before ${what}`, column);
    }
    const where = after ? ` after ${describe(after)}` : '';
    return new QuerySyntaxError(`expected a term${where}, found ${what}`, column);
  }

  /** `size>1 MB` would otherwise silently mean "more than one byte, and the word mb". */
  private rejectDetachedUnit(t: TermToken): void {
    if (t.operator?.name !== 'size' || t.quoted || !/\d$/.test(t.value)) return;
    const next = this.peek();
    if (next?.type === 'term' && next.operator === null && !next.quoted && UNITS.has(next.value.toLowerCase())) {
      throw new QuerySyntaxError(
        `expected the unit right after the number, as in "${t.operator.written}${t.value}${next.value}"`,
        next.start,
      );
    }
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'and':
      return 'AND';
    case 'or':
      return 'OR';
    case 'not':
      return 'NOT';
    case 'minus':
      return '"-"';
    case 'lparen':
      return '"("';
    case 'rparen':
      return '")"';
    case 'term':
      return 'a term';
  }
}

/** Nested AND in AND (and OR in OR) is flattened: `(a b) c` is one AND of three. */
function combine(kind: 'and' | 'or', items: Parsed[]): Parsed {
  const [first] = items;
  const last = items.at(-1);
  if (!first || !last) throw new Error('combine needs at least one operand');
  if (items.length === 1) return first;
  const children = items.flatMap(({ node }) => (node.kind === kind ? node.children : [node]));
  const span = { start: first.start, end: last.end };
  return { node: { kind, children, span }, ...span };
}

// ---------------------------------------------------------------------------------------------
// Terms and their values

type OperatorKind =
  | { kind: 'text'; field: TextField }
  | { kind: 'address'; field: AddressField }
  | { kind: 'range'; field: RangeField }
  | { kind: 'has' }
  | { kind: 'messageId' };

const OPERATORS: Record<OperatorName, OperatorKind> = {
  from: { kind: 'address', field: 'from' },
  to: { kind: 'address', field: 'to' },
  cc: { kind: 'address', field: 'cc' },
  bcc: { kind: 'address', field: 'bcc' },
  participants: { kind: 'address', field: 'participants' },
  custodian: { kind: 'address', field: 'custodian' },
  subject: { kind: 'text', field: 'subject' },
  body: { kind: 'text', field: 'body' },
  attachment: { kind: 'text', field: 'attachment' },
  has: { kind: 'has' },
  messageid: { kind: 'messageId' },
  sent: { kind: 'range', field: 'sent' },
  received: { kind: 'range', field: 'received' },
  size: { kind: 'range', field: 'size' },
};

/** What each kind of value looks like, for "expected … after "from:"". */
function expectation(kind: OperatorKind): string {
  switch (kind.kind) {
    case 'text':
      return kind.field === 'attachment' ? 'a word, "phrase" or *.ext' : 'a word, "phrase" or prefix*';
    case 'address':
      return 'an address, @domain or name';
    case 'range':
      return kind.field === 'size' ? 'a size like 5MB' : 'a date like 2024-01-31';
    case 'has':
      return '"attachment"';
    case 'messageId':
      return 'a Message-ID like <id@example.com>';
  }
}

function expectedAfter(what: string, after: string): string {
  return `expected ${what} after "${after}"`;
}

/** The value the user typed, shortened so that a message stays readable on hostile input. */
function quote(value: string): string {
  return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
}

/** `next` is the character after the term, to explain an empty operator value. */
function termNode(t: TermToken, next: string): QueryNode {
  const span: Span = { start: t.start, end: t.end };
  const op = t.operator;
  if (op === null) return { kind: 'text', field: 'any', match: textMatch(t, undefined), span };
  if (!isOperatorName(op.name)) throw unknownOperator(op);
  const kind = OPERATORS[op.name];
  if (op.comparator !== ':' && kind.kind !== 'range') {
    throw new QuerySyntaxError(
      `expected ":" after "${op.written.slice(0, -op.comparator.length)}" (only sent, received and size compare with < and >)`,
      op.comparatorStart,
    );
  }
  const expected = expectedAfter(expectation(kind), op.written);
  if (t.value === '' && !t.quoted) {
    // The two likely habits: a space after the colon, and Gmail's `subject:(a b)` grouping.
    const hint =
      next === '('
        ? ` (an operator takes one value; write (${op.written}a OR ${op.written}b))`
        : next !== '' && next !== ')'
          ? ' (with no space after the operator)'
          : '';
    throw new QuerySyntaxError(`${expected}${hint}`, t.valueStart);
  }
  switch (kind.kind) {
    case 'text': {
      const match = kind.field === 'attachment' ? attachmentMatch(t, expected) : textMatch(t, expected);
      return { kind: 'text', field: kind.field, match, span };
    }
    case 'address':
      return { kind: 'address', field: kind.field, match: addressMatch(t, expected), span };
    case 'has':
      if (t.value.toLowerCase() !== 'attachment') throw new QuerySyntaxError(expected, t.valueStart);
      return { kind: 'hasAttachment', span };
    case 'messageId':
      return { kind: 'messageId', value: messageId(t, expected), span };
    case 'range': {
      const what = expectation(kind);
      const range = kind.field === 'size' ? bounds(t, op, what, sizeBytes) : bounds(t, op, what, datePeriod);
      return { kind: 'range', field: kind.field, ...range, span };
    }
  }
}

function unknownOperator(op: OperatorPrefix): QuerySyntaxError {
  const suggestion = suggestOperator(op.name, op.comparator);
  const message =
    suggestion === undefined
      ? `unknown operator "${op.written}"; to search for the text itself, put it in quotes`
      : `unknown operator "${op.written}"; did you mean ${suggestion}?`;
  return new QuerySyntaxError(message, op.start, 'QUERY.UNKNOWN_OPERATOR');
}

/**
 * `*.pdf` is an extension; anything else is text. Folded like attachment names are at intake
 * (foldText), so `*.PDF` and `*.pdf` are one query.
 */
function attachmentMatch(t: TermToken, expected: string): TextMatch {
  if (t.quoted || !t.value.startsWith('*')) return textMatch(t, expected);
  const extension = foldText(t.value.slice(2));
  if (!t.value.startsWith('*.') || extension === '' || /^\.|\.$|\*/.test(extension)) {
    throw new QuerySyntaxError(`${expected} (an extension is written like *.pdf)`, t.valueStart);
  }
  return { type: 'extension', extension };
}

/** Words or a prefix. `expected` is undefined for a bare term: there is no operator to name. */
function textMatch(t: TermToken, expected: string | undefined): TextMatch {
  const { value, valueStart: column } = t;
  if (!t.quoted && value.includes('*')) return { type: 'prefix', prefix: prefix(value, column) };
  const words = normalizeWords(value);
  if (words.length === 0) {
    const message =
      expected === undefined
        ? `expected a word with letters or digits, found ${quote(value)}`
        : `${expected}; ${quote(value)} has no letters or digits`;
    throw new QuerySyntaxError(message, column);
  }
  return { type: 'words', words };
}

/** `contract*`: one word of at least two characters, then a single trailing `*`. */
function prefix(value: string, column: number): string {
  const star = value.indexOf('*');
  if (star !== value.length - 1) {
    throw new QuerySyntaxError('expected "*" only at the end of a word, as in contract*', column + star);
  }
  const words = normalizeWords(value.slice(0, -1));
  const [word] = words;
  if (words.length > 1) {
    throw new QuerySyntaxError(`expected a single word before "*", found ${quote(value)}`, column);
  }
  // Counted in code points: a one-letter prefix would match a large part of the archive.
  if (word === undefined || [...word].length < 2) {
    throw new QuerySyntaxError('expected at least 2 letters or digits before "*"', column);
  }
  return word;
}

/**
 * QUERY.md "Address values". A quoted value with a space (`"alice smith"`) is always a name; a
 * quoted value without one is classified like a bare value, so that `from:"alice@example.com"`
 * still means that address — but its `*` is literal, as quoting promises.
 */
function addressMatch(t: TermToken, expected: string): AddressMatch {
  const { value, valueStart: column } = t;
  const words = (): AddressMatch => {
    const list = normalizeWords(value);
    if (list.length === 0) throw new QuerySyntaxError(`${expected}; ${quote(value)} has no letters or digits`, column);
    return { type: 'words', words: list };
  };
  if (t.quoted && /\s/u.test(value)) return words();
  const at = value.indexOf('@');
  const dotted = at === -1 && value.includes('.');
  if ((at !== -1 || dotted) && !t.quoted && value.includes('*')) {
    throw new QuerySyntaxError(
      `${expected} ("*" only ends a name, as in ali*; for a whole domain write @example.com)`,
      column + value.indexOf('*'),
    );
  }
  if (at > 0) {
    if (at === value.length - 1 || value.includes('@', at + 1)) {
      throw new QuerySyntaxError(`${expected} (an address is written like alice@example.com)`, column);
    }
    return { type: 'exact', address: value.toLowerCase() };
  }
  if (at === 0 || dotted) {
    const domain = trimDots(value.slice(at + 1).toLowerCase());
    if (normalizeWords(domain).length === 0 || domain.includes('@')) {
      throw new QuerySyntaxError(`${expected} (a domain is written like @example.com)`, column);
    }
    return { type: 'domain', domain };
  }
  if (!t.quoted && value.includes('*')) return { type: 'prefix', prefix: prefix(value, column) };
  return words();
}

/**
 * `example.com.` and `.example.com` name the same domain. A loop, not /\.+$/, which backtracks
 * quadratically on a long run of dots.
 */
function trimDots(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charAt(start) === '.') start++;
  while (end > start && text.charAt(end - 1) === '.') end--;
  return text.slice(start, end);
}

/** Angle brackets are optional and dropped; `*` is literal because IDs are matched exactly. */
function messageId(t: TermToken, expected: string): string {
  const id = t.value.replace(/^</, '').replace(/>$/, '');
  if (id === '' || /\s/u.test(id)) throw new QuerySyntaxError(expected, t.valueStart);
  return id;
}

interface Bounds {
  min?: number;
  max?: number;
}

/** Inclusive bounds of a period, both in epoch ms or both in bytes. */
interface Interval {
  first: number;
  last: number;
}

/**
 * One shape for dates and sizes: a value is an interval (a whole day, month or year; or one
 * byte count), and each comparator picks the end of it that the user means.
 */
function bounds(
  t: TermToken,
  op: OperatorPrefix,
  what: string,
  interval: (value: string, column: number, expected: string) => Interval,
): Bounds {
  const { value, valueStart: column } = t;
  const { comparator } = op;
  const expected = expectedAfter(what, op.written);
  if (comparator !== ':') {
    const v = interval(value, column, expected);
    switch (comparator) {
      case '>':
        return { min: v.last + 1 };
      case '>=':
        return { min: v.first };
      case '<':
        return { max: v.first - 1 };
      case '<=':
        return { max: v.last };
    }
  }
  const dots = value.indexOf('..');
  if (dots === -1) {
    const v = interval(value, column, expected);
    return { min: v.first, max: v.last };
  }
  const from = interval(value.slice(0, dots), column, expected);
  const to = interval(value.slice(dots + 2), column + dots + 2, expectedAfter(what, '..'));
  if (from.first > to.last) {
    throw new QuerySyntaxError(`expected the lower end first in ${quote(value)} (the range is reversed)`, column);
  }
  return { min: from.first, max: to.last };
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DAY_MS = 86_400_000;

/** Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not. Months and days may overflow. */
function utc(year: number, monthIndex: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date.getTime();
}

/** A whole UTC year, month or day (QUERY.md "Dates and sizes"). */
function datePeriod(value: string, column: number, expected: string): Interval {
  const m = DATE.exec(value);
  if (!m) throw new QuerySyntaxError(expected, column);
  const [, y = '', mm, dd] = m;
  const year = Number(y);
  if (mm === undefined) return { first: utc(year, 0, 1), last: utc(year + 1, 0, 1) - 1 };
  const month = Number(mm);
  if (month < 1 || month > 12) throw new QuerySyntaxError(`${expected} (month ${mm} is not 01 to 12)`, column);
  if (dd === undefined) return { first: utc(year, month - 1, 1), last: utc(year, month, 1) - 1 };
  const day = Number(dd);
  const days = (utc(year, month, 1) - utc(year, month - 1, 1)) / DAY_MS;
  if (day < 1 || day > days) {
    throw new QuerySyntaxError(`${expected} (${y}-${mm} has ${days} days)`, column);
  }
  const first = utc(year, month - 1, day);
  return { first, last: first + DAY_MS - 1 };
}

const SIZE = /^(\d+(?:\.\d+)?)([a-z]*)$/i;
const UNITS: ReadonlyMap<string, number> = new Map([
  ['b', 1],
  ['kb', 1024],
  ['mb', 1024 ** 2],
  ['gb', 1024 ** 3],
]);

/**
 * A byte count, rounded to a whole byte before the comparator applies: `size>1.5KB` is more
 * than 1536 bytes, and `size:1MB` is exactly 1,048,576 bytes (like a date, `:` names the value
 * itself; Gmail's "larger than" reading of `size:` is `size>`).
 */
function sizeBytes(value: string, column: number, expected: string): Interval {
  const m = SIZE.exec(value);
  const unit = UNITS.get((m?.[2] ?? '').toLowerCase() || 'b');
  if (!m || unit === undefined) throw new QuerySyntaxError(`${expected} (units are B, KB, MB, GB)`, column);
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new QuerySyntaxError(`${expected} (this one is too large)`, column);
  return { first: bytes, last: bytes };
}
