import type { Role } from '../domain/records.js';
import type { Page } from './catalog.js';

/**
 * The append-only audit log (DESIGN invariant 5). There is no update and no delete here on
 * purpose: the only way to change the log is to add to its end. The hash chain, its verification
 * and the seals live in shared/audit/; the log stores entries and guards their order.
 */
export type AuditDetail = string | number | boolean | null;

export interface AuditEntry {
  /** 1, 2, 3… with no gaps. */
  seq: number;
  /** ISO 8601 UTC; never earlier than the previous entry's (the log refuses it). */
  at: string;
  actor: string;
  role: Role | 'system';
  /** Dotted: 'search', 'message.read', 'message.raw', 'hold.create', 'disposition.run', … */
  action: string;
  target?: string;
  /** Query text as the user typed it: it belongs in the audit log (never in the operational log). */
  query?: string;
  /** Result count. */
  count?: number;
  details?: Record<string, AuditDetail>;
  /** The previous entry's `hash`; GENESIS_HASH for seq 1. */
  prevHash: string;
  /** SHA-256 hex of the entry's canonical JSON without `hash` (shared/audit/hash-chain.ts). */
  hash: string;
}

/** prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The last entry's position: what the next entry links to. */
export interface AuditHead {
  seq: number;
  hash: string;
  at: string;
}

export interface AuditFilter {
  /** Entries at or after this instant. */
  from?: Date;
  /** Entries strictly before this instant. */
  to?: Date;
  /** Exact match. */
  actor?: string;
  /** Exact match ('hold.create'). */
  action?: string;
  /** nextCursor of the previous page. */
  cursor?: string;
  limit: number;
}

export interface AuditLog {
  /** The last entry's seq, hash and time; null while the log is empty. */
  head(): Promise<AuditHead | null>;
  /**
   * Adds one entry at the end, atomically. Refused with AUDIT.CONFLICT, writing nothing, unless
   * the entry extends the current head: `seq` is head.seq + 1 (1 for an empty log), `prevHash` is
   * head.hash (GENESIS_HASH for an empty log) and `at` is not earlier than head.at. Two writers
   * racing for the same seq: exactly one wins. The log does not recompute `hash` (the trail does,
   * and verify checks it).
   */
  append(entry: AuditEntry): Promise<void>;
  /** Up to `limit` entries with seq >= fromSeq, in seq order (what verify and seal walk). */
  range(fromSeq: number, limit: number): Promise<AuditEntry[]>;
  /**
   * Entries matching the filter, newest first (descending seq, which is also time order since
   * `at` never goes backwards). A page may hold fewer than `limit` entries and still carry a
   * nextCursor (the adapter bounds the work per page); no nextCursor means the end.
   * A cursor that the log could not have produced is refused with REQUEST.INVALID.
   */
  list(filter: AuditFilter): Promise<Page<AuditEntry>>;
}
