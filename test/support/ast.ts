/**
 * Query AST builders for tests, so engine contracts do not depend on the parser. Words are
 * normalized here as the parser would; spans are dummies because engines ignore them.
 */
import type { AddressField, QueryNode, RangeField, Span, TextField } from '../../shared/query/ast.js';
import { foldText, normalizeWords } from '../../shared/query/text.js';

const span = (): Span => ({ start: 1, end: 1 });

function text(field: TextField, value: string): QueryNode {
  return { kind: 'text', field, match: { type: 'words', words: normalizeWords(value) }, span: span() };
}

function textPrefix(field: TextField, prefix: string): QueryNode {
  return { kind: 'text', field, match: { type: 'prefix', prefix: foldText(prefix) }, span: span() };
}

/** A bare word, or a phrase when `value` has several words. */
export const word = (value: string): QueryNode => text('any', value);
export const phrase = word;
export const prefix = (value: string): QueryNode => textPrefix('any', value);

export const subject = { words: (v: string) => text('subject', v), prefix: (v: string) => textPrefix('subject', v) };
export const body = { words: (v: string) => text('body', v), prefix: (v: string) => textPrefix('body', v) };
export const attachment = {
  words: (v: string): QueryNode => text('attachment', v),
  prefix: (v: string): QueryNode => textPrefix('attachment', v),
  extension: (extension: string): QueryNode => ({
    kind: 'text',
    field: 'attachment',
    match: { type: 'extension', extension },
    span: span(),
  }),
};

function addressField(field: AddressField) {
  const node = (match: Extract<QueryNode, { kind: 'address' }>['match']): QueryNode => ({
    kind: 'address',
    field,
    match,
    span: span(),
  });
  return {
    exact: (address: string) => node({ type: 'exact', address }),
    domain: (domain: string) => node({ type: 'domain', domain }),
    words: (value: string) => node({ type: 'words', words: normalizeWords(value) }),
    prefix: (value: string) => node({ type: 'prefix', prefix: foldText(value) }),
  };
}

export const from = addressField('from');
export const to = addressField('to');
export const cc = addressField('cc');
export const bcc = addressField('bcc');
export const participants = addressField('participants');
export const custodian = addressField('custodian');
export const addressFields = { from, to, cc, bcc, participants, custodian } as const;

export const and = (...children: QueryNode[]): QueryNode => ({ kind: 'and', children, span: span() });
export const or = (...children: QueryNode[]): QueryNode => ({ kind: 'or', children, span: span() });
export const not = (child: QueryNode): QueryNode => ({ kind: 'not', child, span: span() });
export const all = (): QueryNode => ({ kind: 'all', span: span() });
export const hasAttachment = (): QueryNode => ({ kind: 'hasAttachment', span: span() });
export const messageId = (value: string): QueryNode => ({ kind: 'messageId', value, span: span() });

/** Inclusive bounds; leave one out for an open range. */
export function range(field: RangeField, bounds: { min?: number; max?: number }): QueryNode {
  const node: QueryNode = { kind: 'range', field, span: span() };
  if (bounds.min !== undefined) node.min = bounds.min;
  if (bounds.max !== undefined) node.max = bounds.max;
  return node;
}
