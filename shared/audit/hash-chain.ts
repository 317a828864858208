import { createHash } from 'node:crypto';
import type { AuditEntry } from '../ports/audit-log.js';

/** An entry before it is hashed. */
export type UnhashedEntry = Omit<AuditEntry, 'hash'>;

/**
 * Canonical JSON: object keys in code-unit order at every level, no whitespace, absent
 * (undefined) members left out. The same entry always gives the same bytes, whatever the order
 * its fields were built or stored in (DynamoDB maps, SQLite columns, a JSON-lines seal).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const record = value as Record<string, unknown>;
      const members = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`cannot be part of an audit entry: ${typeof value}`);
  }
}

/** SHA-256 hex of the entry's canonical JSON without its `hash` (prevHash included: that is the chain). */
export function entryHash(entry: UnhashedEntry | AuditEntry): string {
  const { hash: _hash, ...rest } = entry as AuditEntry;
  return createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex');
}

/** The entry with its hash. */
export function withHash(entry: UnhashedEntry): AuditEntry {
  return { ...entry, hash: entryHash(entry) };
}

export type ChainCheck = { ok: true } | { ok: false; reason: string };

/** Checks one entry against the one before it; before seq 1 comes `{ seq: 0, hash: GENESIS_HASH }`. */
export function checkLink(entry: AuditEntry, prev: { seq: number; hash: string }): ChainCheck {
  if (entry.seq !== prev.seq + 1) {
    return { ok: false, reason: `entry ${prev.seq + 1} is missing (the next entry is ${entry.seq})` };
  }
  if (entry.prevHash !== prev.hash) {
    return { ok: false, reason: `entry ${entry.seq} does not link to entry ${prev.seq} (prevHash differs)` };
  }
  if (entryHash(entry) !== entry.hash) {
    return { ok: false, reason: `entry ${entry.seq} was altered (its hash does not match its content)` };
  }
  return { ok: true };
}
