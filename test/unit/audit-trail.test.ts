import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../adapters/embedded/fs-blob-store.js';
import { SqliteAuditLog } from '../../adapters/embedded/sqlite-audit-log.js';
import { canonicalJson, checkLink, entryHash, withHash } from '../../shared/audit/hash-chain.js';
import { parseSealKey, sealKey } from '../../shared/audit/seals.js';
import { GENESIS_HASH } from '../../shared/ports/audit-log.js';
import type { AuditEntry } from '../../shared/ports/audit-log.js';
import { ManualClock } from '../support/clock.js';
import { auditTrailScenarios } from '../contracts/audit-log.trail.js';

auditTrailScenarios('SqliteAuditLog + FsBlobStore', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-audit-trail-'));
  const file = path.join(dir, 'audit.db');
  const clock = new ManualClock();
  const log = SqliteAuditLog.open(file);
  const others: SqliteAuditLog[] = [];
  // The attacker: a raw connection to the file, dropping the append-only triggers first.
  const attacker = () => {
    const raw = new Database(file);
    raw.exec('DROP TRIGGER IF EXISTS audit_entries_no_update; DROP TRIGGER IF EXISTS audit_entries_no_delete;');
    return raw;
  };
  return {
    log,
    another: () => {
      const other = SqliteAuditLog.open(file);
      others.push(other);
      return other;
    },
    blobs: new FsBlobStore(path.join(dir, 'store'), clock),
    clock,
    tamper: {
      overwrite: async (entry) => {
        const raw = attacker();
        raw
          .prepare(
            'UPDATE audit_entries SET at = @at, actor = @actor, role = @role, action = @action, target = @target, query = @query, ' +
              'count = @count, details = @details, prev_hash = @prevHash, hash = @hash WHERE seq = @seq',
          )
          .run({
            ...entry,
            target: entry.target ?? null,
            query: entry.query ?? null,
            count: entry.count ?? null,
            details: entry.details ? JSON.stringify(entry.details) : null,
          });
        raw.close();
      },
      remove: async (seq) => {
        const raw = attacker();
        raw.prepare('DELETE FROM audit_entries WHERE seq = ?').run(seq);
        raw.close();
      },
    },
    cleanup: async () => {
      for (const other of others) other.close();
      log.close();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
});

describe('audit hash chain', () => {
  const entry = (): AuditEntry =>
    withHash({ seq: 1, at: '2026-01-15T12:00:00.000Z', actor: 'alice', role: 'officer', action: 'search', query: 'x', prevHash: GENESIS_HASH });

  it('writes canonical JSON: keys sorted at every level, no whitespace, absent members left out', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'é"' }, z: undefined })).toBe('{"a":{"c":"é\\"","d":[true,null]},"b":1}');
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow(/finite/);
  });

  it('hashes the entry without its hash, whatever the field order, and changes with every field', () => {
    const e = entry();
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    const reordered = Object.fromEntries(Object.entries(e).reverse()) as unknown as AuditEntry;
    expect(entryHash(reordered)).toBe(e.hash);
    for (const change of [{ seq: 2 }, { at: '2026-01-15T12:00:00.001Z' }, { actor: 'bob' }, { role: 'admin' as const }, { action: 'message.read' }, { query: 'y' }, { prevHash: 'f'.repeat(64) }, { count: 0 }, { target: '' }]) {
      expect(entryHash({ ...e, ...change })).not.toBe(e.hash);
    }
  });

  it('checks a link: next seq, previous hash, own hash', () => {
    const first = entry();
    const genesis = { seq: 0, hash: GENESIS_HASH };
    expect(checkLink(first, genesis)).toEqual({ ok: true });
    expect(checkLink({ ...first, actor: 'mallory' }, genesis)).toMatchObject({ ok: false, reason: expect.stringMatching(/altered/) });
    expect(checkLink(first, { seq: 1, hash: GENESIS_HASH })).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) });
    expect(checkLink(first, { seq: 0, hash: 'f'.repeat(64) })).toMatchObject({ ok: false, reason: expect.stringMatching(/link/) });
  });

  it('names seals so that lexical order is seq order, and ignores anything else under the prefix', () => {
    expect(sealKey(1, 250)).toBe('audit/seals/000000000001-000000000250.jsonl');
    expect(sealKey(9, 10) < sealKey(10, 12)).toBe(true);
    expect(parseSealKey(sealKey(7, 9))).toEqual({ key: sealKey(7, 9), first: 7, last: 9 });
    expect(parseSealKey('audit/seals/readme.txt')).toBeNull();
    expect(parseSealKey('audit/seals/000000000009-000000000007.jsonl')).toBeNull();
  });
});
