import { CofferError } from '../errors.js';

/**
 * The search cursor every SearchIndex adapter issues and accepts: base64url JSON of [sent, id],
 * the sort key of the last hit of a page. One format, so pages mean the same on every engine.
 */
export interface SearchPosition {
  /** Epoch milliseconds. */
  sent: number;
  id: string;
}

/** The most hits one search page returns, whatever the caller asks for. */
export const MAX_PAGE_HITS = 500;

export function encodeSearchCursor({ sent, id }: SearchPosition): string {
  return Buffer.from(JSON.stringify([sent, id]), 'utf8').toString('base64url');
}

export function decodeSearchCursor(cursor: string): SearchPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [sent, id] = value as unknown[];
      // `sent` is whole milliseconds: anything else is not a cursor we issued.
      if (typeof sent === 'number' && Number.isSafeInteger(sent) && typeof id === 'string') return { sent, id };
    }
  } catch {
    // Falls through to the same error as a well-formed but wrong cursor.
  }
  throw new CofferError('REQUEST.INVALID', 'invalid search cursor');
}

/** A page size an engine can use: whole, 0 to MAX_PAGE_HITS. */
export function clampPageSize(limit: number): number {
  if (!Number.isFinite(limit)) return MAX_PAGE_HITS;
  return Math.min(MAX_PAGE_HITS, Math.max(0, Math.trunc(limit)));
}
