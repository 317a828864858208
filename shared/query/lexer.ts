/**
 * Splits a query into tokens (QUERY.md "Combining"). One pass, no backtracking, so hostile input
 * costs time linear in its length. Columns are 1-based UTF-16 positions — what JavaScript UIs use
 * to place a caret — and spans are end-exclusive.
 */
import { QuerySyntaxError } from '../errors.js';
import { isOperatorName, suggestOperator } from './suggest.js';

export type Comparator = ':' | '>' | '>=' | '<' | '<=';

export interface OperatorPrefix {
  /** Lower-cased: operator names are not case-sensitive (`From:` = `from:`). */
  name: string;
  /** As typed, with its comparator (`Sent>=`), for messages. */
  written: string;
  comparator: Comparator;
  start: number;
  comparatorStart: number;
}

export interface TermToken {
  type: 'term';
  start: number;
  end: number;
  operator: OperatorPrefix | null;
  /** Without the quotes when quoted; may be empty after an operator (`from: alice`). */
  value: string;
  valueStart: number;
  quoted: boolean;
}

export interface PunctuationToken {
  type: 'lparen' | 'rparen' | 'minus' | 'and' | 'or' | 'not';
  start: number;
  end: number;
}

export type Token = TermToken | PunctuationToken;

const KEYWORDS: ReadonlyMap<string, PunctuationToken['type']> = new Map([
  ['AND', 'and'],
  ['OR', 'or'],
  ['NOT', 'not'],
]);

const WHITESPACE = /\s/u;

function isSpace(ch: string): boolean {
  return WHITESPACE.test(ch);
}

/** Whitespace and parentheses end a bare word; a quote inside one is an error (see `bareEnd`). */
function endsWord(ch: string): boolean {
  return ch === '' || ch === '(' || ch === ')' || isSpace(ch);
}

function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (isSpace(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ type: ch === '(' ? 'lparen' : 'rparen', start: i + 1, end: i + 2 });
      i++;
    } else if (ch === '-') {
      // Only a leading `-` negates; inside a word (`café-bar`, `2024-01`) it is text.
      const next = text.charAt(i + 1);
      if (next === '' || next === ')' || isSpace(next)) {
        throw new QuerySyntaxError('expected a term right after "-" (no space between them)', i + 1);
      }
      tokens.push({ type: 'minus', start: i + 1, end: i + 2 });
      i++;
    } else {
      const token = term(text, i);
      tokens.push(token);
      i = token.end - 1;
    }
  }
  return tokens;
}

function term(text: string, start: number): Token {
  const operator = operatorPrefix(text, start);
  const valueAt = operator === null ? start : operator.comparatorStart - 1 + operator.comparator.length;
  if (text.charAt(valueAt) === '"') {
    const close = text.indexOf('"', valueAt + 1);
    if (close === -1) throw new QuerySyntaxError('unclosed quote; expected a closing "', valueAt + 1);
    if (!endsWord(text.charAt(close + 1))) {
      throw new QuerySyntaxError('expected a space after the closing quote', close + 2);
    }
    return {
      type: 'term',
      start: start + 1,
      end: close + 2,
      operator,
      value: text.slice(valueAt + 1, close),
      valueStart: valueAt + 2,
      quoted: true,
    };
  }
  const end = bareEnd(text, valueAt);
  const value = text.slice(valueAt, end);
  if (operator === null) {
    const keyword = KEYWORDS.get(value);
    if (keyword !== undefined) return { type: keyword, start: start + 1, end: end + 1 };
    // Reserved like AND/OR/NOT, so that a KQL `a NEAR b` is not silently the word "near".
    if (value === 'NEAR') {
      throw new QuerySyntaxError(
        'NEAR(...) is not supported yet; to search for the word, write it in lower case',
        start + 1,
      );
    }
  }
  return { type: 'term', start: start + 1, end: end + 1, operator, value, valueStart: valueAt + 1, quoted: false };
}

/**
 * A quote may open a term or an operator's value but not sit inside a word: `subject:re"x"` has
 * no reading that is clearly what the user meant, and guessing changes which messages match.
 */
function bareEnd(text: string, from: number): number {
  let j = from;
  for (; !endsWord(text.charAt(j)); j++) {
    if (text.charAt(j) === '"') throw new QuerySyntaxError('expected a space before the opening quote', j + 1);
  }
  return j;
}

/**
 * `name:` is an operator attempt when `name` is ASCII letters (plus inner `-` or `_`, so that
 * `message-id:` gets a suggestion rather than becoming words). Unknown names are then errors, as
 * QUERY.md requires — including `http://…` and `re:`: text that looks like an operator is too
 * easily a mistyped one, and quoting (`"http://x.example"`) searches for it as words. `10:30` is
 * not a name and stays text.
 *
 * `name>`/`name<` is an attempt only for a known or nearly-known name: `Alice<alice@x.example>`
 * pasted from a header is text, while `sise>1MB` gets "did you mean size:?".
 */
function operatorPrefix(text: string, start: number): OperatorPrefix | null {
  let j = start;
  while (j < text.length) {
    const code = text.charCodeAt(j);
    if (!(isAsciiLetter(code) || (j > start && (code === 45 || code === 95)))) break;
    j++;
  }
  if (j === start) return null;
  const name = text.slice(start, j).toLowerCase();
  const ch = text.charAt(j);
  let comparator: Comparator;
  if (ch === ':') {
    comparator = ':';
  } else if (ch === '>' || ch === '<') {
    if (!isOperatorName(name) && suggestOperator(name) === undefined) return null;
    comparator = text.charAt(j + 1) === '=' ? (ch === '>' ? '>=' : '<=') : ch;
  } else {
    return null;
  }
  return {
    name,
    written: text.slice(start, j + comparator.length),
    comparator,
    start: start + 1,
    comparatorStart: j + 1,
  };
}
