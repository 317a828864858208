import type { HoldScope } from '../domain/governance.js';
import type { QueryNode, Span } from '../query/ast.js';
import { parseQuery } from '../query/parser.js';
import { CofferError } from '../errors.js';

const DAY_MS = 86_400_000;
const NO_SPAN: Span = { start: 1, end: 1 };
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Checks a scope and normalises its addresses; a hold must say what it covers. */
export function normaliseScope(scope: HoldScope): HoldScope {
  const custodians = scope.custodians?.map((c) => c.trim().toLowerCase()).filter(Boolean);
  const query = scope.query?.trim();
  if (!custodians?.length && !query && !scope.sentFrom && !scope.sentTo) {
    throw new CofferError('REQUEST.INVALID', 'scope: give custodians, a query or a date range');
  }
  for (const c of custodians ?? []) {
    if (!/^[^\s@]*@[^\s@]+$/.test(c)) throw new CofferError('REQUEST.INVALID', `scope.custodians: ${c} is not an address or @domain`);
  }
  for (const [name, value] of [['sentFrom', scope.sentFrom], ['sentTo', scope.sentTo]] as const) {
    if (value !== undefined && (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))) {
      throw new CofferError('REQUEST.INVALID', `scope.${name}: expected YYYY-MM-DD`);
    }
  }
  if (query) parseQuery(query); // a bad query fails here, with its column
  return {
    ...(custodians?.length ? { custodians } : {}),
    ...(query ? { query } : {}),
    ...(scope.sentFrom ? { sentFrom: scope.sentFrom } : {}),
    ...(scope.sentTo ? { sentTo: scope.sentTo } : {}),
  };
}

/** The scope as one query AST: every engine and the in-memory matcher then agree on it. */
export function scopeToQuery(scope: HoldScope): QueryNode {
  const parts: QueryNode[] = [];
  if (scope.custodians?.length) {
    parts.push({
      kind: 'or',
      span: NO_SPAN,
      children: scope.custodians.map((c): QueryNode =>
        c.startsWith('@')
          ? { kind: 'address', field: 'custodian', match: { type: 'domain', domain: c.slice(1) }, span: NO_SPAN }
          : { kind: 'address', field: 'custodian', match: { type: 'exact', address: c }, span: NO_SPAN },
      ),
    });
  }
  if (scope.query) parts.push(parseQuery(scope.query));
  if (scope.sentFrom || scope.sentTo) {
    parts.push({
      kind: 'range',
      field: 'sent',
      ...(scope.sentFrom ? { min: Date.parse(`${scope.sentFrom}T00:00:00Z`) } : {}),
      ...(scope.sentTo ? { max: Date.parse(`${scope.sentTo}T00:00:00Z`) + DAY_MS - 1 } : {}),
      span: NO_SPAN,
    });
  }
  const [only] = parts;
  if (parts.length === 1 && only) return only;
  return { kind: 'and', children: parts, span: NO_SPAN };
}
