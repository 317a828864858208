import type { AuditEntry } from '../ports/audit-log.js';
import { canonicalJson } from './hash-chain.js';

/**
 * Seals: runs of audit entries copied into the write-once store, one JSON-lines object per run,
 * `audit/seals/<first seq>-<last seq>.jsonl` with both numbers zero-padded so that lexical key
 * order is seq order.
 */
export const SEAL_PREFIX = 'audit/seals/';
const SEQ_DIGITS = 12;
const SEAL_KEY = /^audit\/seals\/(\d{12})-(\d{12})\.jsonl$/;

export interface SealRef {
  key: string;
  first: number;
  last: number;
}

export function sealKey(first: number, last: number): string {
  return `${SEAL_PREFIX}${pad(first)}-${pad(last)}.jsonl`;
}

/** The seal a key names, or null for anything else found under the prefix. */
export function parseSealKey(key: string): SealRef | null {
  const match = SEAL_KEY.exec(key);
  if (!match) return null;
  const first = Number(match[1]);
  const last = Number(match[2]);
  return first >= 1 && last >= first ? { key, first, last } : null;
}

export function encodeSeal(entries: readonly AuditEntry[]): Uint8Array {
  return new TextEncoder().encode(entries.map((entry) => `${canonicalJson(entry)}\n`).join(''));
}

/** The entries of a seal object; throws on anything that is not one entry per line. */
export function decodeSeal(bytes: Uint8Array): AuditEntry[] {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, index) => {
      let entry: AuditEntry;
      try {
        entry = JSON.parse(line) as AuditEntry;
      } catch {
        // Not the parser's message: it quotes the text, and entries hold query text.
        throw new Error(`line ${index + 1} is not JSON`);
      }
      if (typeof entry !== 'object' || entry === null || !Number.isSafeInteger(entry.seq) || typeof entry.hash !== 'string') {
        throw new Error(`line ${index + 1} is not an audit entry`);
      }
      return entry;
    });
}

function pad(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0');
}
