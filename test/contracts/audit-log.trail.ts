import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../shared/audit/audit-trail.js';
import type { AuditTrailDeps } from '../../shared/audit/audit-trail.js';
import { entryHash, withHash } from '../../shared/audit/hash-chain.js';
import { decodeSeal } from '../../shared/audit/seals.js';
import { GENESIS_HASH } from '../../shared/ports/audit-log.js';
import type { AuditEntry, AuditLog } from '../../shared/ports/audit-log.js';
import type { BlobStore } from '../../shared/ports/blob-store.js';
import type { Logger, LogFields } from '../../shared/ports/logger.js';
import { DAY } from '../support/clock.js';
import type { ManualClock } from '../support/clock.js';

/** What an attacker with write access to the log's storage can do, bypassing the adapter. */
export interface LogTamper {
  /** Replaces the stored entry at entry.seq with these fields (and the head too when it is the last one). */
  overwrite(entry: AuditEntry): Promise<void>;
  /** Removes the stored entry. */
  remove(seq: number): Promise<void>;
}

export interface TrailHarness {
  log: AuditLog;
  /** Another handle on the same log, as another process would hold. */
  another(): AuditLog;
  blobs: BlobStore;
  clock: ManualClock;
  tamper: LogTamper;
  cleanup(): Promise<void>;
}

interface Logged {
  level: string;
  msg: string;
  fields?: LogFields | undefined;
}

function recordingLogger(lines: Logged[]): Logger {
  const logger: Logger = {
    debug: (msg, fields) => lines.push({ level: 'debug', msg, fields }),
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, _err, fields) => lines.push({ level: 'error', msg, fields }),
    child: () => logger,
  };
  return logger;
}

/** The log, counting the appends it refused with AUDIT.CONFLICT. */
function countingConflicts(log: AuditLog): { log: AuditLog; conflicts(): number } {
  let conflicts = 0;
  return {
    conflicts: () => conflicts,
    log: {
      head: () => log.head(),
      range: (from, limit) => log.range(from, limit),
      list: (filter) => log.list(filter),
      append: async (entry) => {
        try {
          await log.append(entry);
        } catch (err) {
          if ((err as { code?: string }).code === 'AUDIT.CONFLICT') conflicts++;
          throw err;
        }
      },
    },
  };
}

/** AuditTrail over a real log adapter and a real write-once store: what the use cases rely on. */
export function auditTrailScenarios(name: string, make: () => Promise<TrailHarness>): void {
  describe(`AuditTrail over ${name}`, () => {
    let h: TrailHarness;
    let logged: Logged[];
    let trail: AuditTrail;
    const trailOn = (log: AuditLog, extra: Partial<AuditTrailDeps> = {}) =>
      new AuditTrail({ log, blobs: h.blobs, clock: h.clock, logger: recordingLogger(logged), ...extra });

    beforeEach(async () => {
      h = await make();
      logged = [];
      trail = trailOn(h.log);
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const recordMany = async (n: number, from = 1) => {
      const out: AuditEntry[] = [];
      for (let i = from; i < from + n; i++) {
        out.push(await trail.record({ actor: `user-${i % 4}`, role: 'officer', action: 'message.read', target: `msg-${i}` }));
        h.clock.advance(1000);
      }
      return out;
    };

    it('grows a chain: seq 1, 2, 3…, each entry linked to the one before and hashed over its content', async () => {
      const a = await trail.record({ actor: 'alice', role: 'officer', action: 'search', query: 'from:bob subject:merger', count: 4 });
      h.clock.advance(5000);
      const b = await trail.record({ actor: 'alice', role: 'officer', action: 'message.read', target: 'abc123' });
      const c = await trail.record({ actor: 'system', role: 'system', action: 'disposition.run', details: { disposed: 3, dryRun: false } });
      expect(a).toStrictEqual({
        seq: 1,
        at: '2026-01-15T12:00:00.000Z',
        actor: 'alice',
        role: 'officer',
        action: 'search',
        query: 'from:bob subject:merger',
        count: 4,
        prevHash: GENESIS_HASH,
        hash: entryHash(a),
      });
      expect([b.seq, b.prevHash, c.seq, c.prevHash]).toEqual([2, a.hash, 3, b.hash]);
      expect(b.at).toBe('2026-01-15T12:00:05.000Z');
      expect(await h.log.range(1, 10)).toStrictEqual([a, b, c]);
      expect(await trail.verify()).toEqual({ ok: true, entries: 3, sealedThrough: 0 });
    });

    it('lands 50 concurrent records with a valid chain and no seq twice, queued in-process rather than racing', async () => {
      const counted = countingConflicts(h.log);
      trail = trailOn(counted.log);
      const entries = await Promise.all(
        Array.from({ length: 50 }, (_, i) => trail.record({ actor: `u${i}`, role: 'auditor', action: 'search', query: `q${i}` })),
      );
      expect(counted.conflicts()).toBe(0);
      expect(entries.map((e) => e.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(new Set(entries.map((e) => e.actor)).size).toBe(50);
      expect(await trail.verify()).toEqual({ ok: true, entries: 50, sealedThrough: 0 });
    });

    it('lands concurrent records from several processes (trails on separate handles) by retrying lost races', async () => {
      const handles = [h.log, h.another(), h.another()].map(countingConflicts);
      const trails = handles.map((handle) => trailOn(handle.log));
      const entries = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          trails[i % 3]!.record({ actor: `p${i % 3}`, role: 'officer', action: 'message.read', target: `t${i}` }),
        ),
      );
      expect(handles.reduce((n, handle) => n + handle.conflicts(), 0)).toBeGreaterThan(0); // the races happened, and were retried
      const stored = await h.log.range(1, 100);
      expect(stored).toHaveLength(30);
      expect([...entries].sort((x, y) => x.seq - y.seq)).toStrictEqual(stored);
      expect(await trail.verify()).toEqual({ ok: true, entries: 30, sealedThrough: 0 });
    });

    it('verifies while entries are being recorded (the log as it was when verify began)', async () => {
      await recordMany(5);
      const writer = trailOn(h.another());
      const [result] = await Promise.all([
        trail.verify(),
        ...Array.from({ length: 20 }, (_, i) => writer.record({ actor: 'w', role: 'officer', action: 'search', count: i })),
      ]);
      expect(result).toMatchObject({ ok: true });
      expect(result.entries).toBeGreaterThanOrEqual(5);
      expect(await trail.verify()).toEqual({ ok: true, entries: 25, sealedThrough: 0 });
    });

    it('never dates an entry before the previous one, even when the clock steps back', async () => {
      const first = await trail.record({ actor: 'a', role: 'admin', action: 'search' });
      h.clock.advance(-60_000);
      const second = await trail.record({ actor: 'a', role: 'admin', action: 'search' });
      expect(second.at).toBe(first.at);
      expect(await trail.verify()).toMatchObject({ ok: true, entries: 2 });
    });

    it('stores text that UTF-8 cannot carry (a lone surrogate) as U+FFFD, so the chain still verifies', async () => {
      const entry = await trail.record({ actor: 'a', role: 'officer', action: 'search', query: 'x\uD800y', details: { note: '\uDC00' } });
      expect(entry.query).toBe('x\uFFFDy');
      expect(entry.details).toEqual({ note: '\uFFFD' });
      expect(await trail.verify()).toMatchObject({ ok: true, entries: 1 });
    });

    it('refuses malformed entries before touching the log', async () => {
      await expect(trail.record({ actor: 'a', role: 'officer', action: 'Message Read' })).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(trail.record({ actor: '', role: 'officer', action: 'search' })).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(trail.record({ actor: 'a', role: 'officer', action: 'search', count: -1 })).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(trail.record({ actor: 'a', role: 'officer', action: 'search', details: { n: Number.NaN } })).rejects.toMatchObject({
        code: 'INTERNAL',
      });
      await expect(trail.list({ limit: 0 })).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
      expect(await h.log.head()).toBeNull();
    });

    it('lists through the log, newest first, with its filters', async () => {
      await recordMany(8);
      const page = await trail.list({ actor: 'user-1', limit: 10 });
      expect(page.items.map((e) => e.target)).toEqual(['msg-5', 'msg-1']);
    });

    it('never writes query text to the operational log', async () => {
      const secret = 'subject:"project nightingale layoffs"';
      await trail.record({ actor: 'alice', role: 'officer', action: 'search', query: secret, count: 2 });
      await trail.seal();
      await trail.verify();
      expect(logged.length).toBeGreaterThan(0);
      expect(JSON.stringify(logged)).not.toContain('nightingale');
    });

    it('detects an edited entry: verify names its seq', async () => {
      const entries = await recordMany(6);
      const victim = entries[3]!;
      await h.tamper.overwrite({ ...victim, target: 'msg-innocent' });
      expect(await trail.verify()).toMatchObject({ ok: false, firstBrokenSeq: 4, entries: 3, reason: expect.stringMatching(/altered/) });
    });

    it('detects an edited entry whose own hash was recomputed: the next entry no longer links to it', async () => {
      const entries = await recordMany(6);
      await h.tamper.overwrite(withHash({ ...entries[2]!, actor: 'nobody' }));
      expect(await trail.verify()).toMatchObject({ ok: false, firstBrokenSeq: 4, reason: expect.stringMatching(/does not link/) });
    });

    it('detects a deleted entry, in the middle or the first', async () => {
      await recordMany(6);
      await h.tamper.remove(3);
      expect(await trail.verify()).toMatchObject({ ok: false, firstBrokenSeq: 3, reason: expect.stringMatching(/missing/) });
      await h.tamper.remove(1);
      expect(await trail.verify()).toMatchObject({ ok: false, firstBrokenSeq: 1 });
    });

    it('detects a whole chain rewritten after an edit (every hash recomputed) thanks to the seal', async () => {
      const entries = await recordMany(8);
      expect(await trail.seal()).toEqual({ sealed: 8, key: 'audit/seals/000000000001-000000000008.jsonl' });
      // The attacker edits entry 5 and recomputes 5…8 so that every hash and link checks out again.
      let prev = entries[3]!;
      for (const original of entries.slice(4)) {
        const { hash: _hash, ...fields } = original;
        const forged = withHash({ ...fields, ...(original.seq === 5 ? { target: 'msg-innocent' } : {}), prevHash: prev.hash });
        await h.tamper.overwrite(forged);
        prev = forged;
      }
      const rewritten = await h.log.range(1, 100);
      for (let i = 1; i < rewritten.length; i++) expect(rewritten[i]!.prevHash).toBe(rewritten[i - 1]!.hash);
      expect(await trail.verify()).toMatchObject({ ok: false, firstBrokenSeq: 5, sealedThrough: 8, reason: expect.stringMatching(/seal/) });
    });

    it('cannot see a consistent rewrite of entries not sealed yet (why sealing runs often)', async () => {
      const entries = await recordMany(3);
      const forged = withHash({ ...entries[2]!, target: 'msg-innocent', prevHash: entries[1]!.hash });
      await h.tamper.overwrite(forged);
      expect(await trail.verify()).toMatchObject({ ok: true, entries: 3 });
    });

    it('detects sealed entries cut off the end of the log', async () => {
      await recordMany(5);
      await trail.seal();
      await h.tamper.remove(5);
      expect(await trail.verify()).toMatchObject({ ok: false, firstBrokenSeq: 5, reason: expect.stringMatching(/missing/) });
    });

    it('seals the entries since the last seal into the write-once store, retained for the configured days', async () => {
      trail = trailOn(h.log, { retentionDays: 30 });
      expect(await trail.seal()).toEqual({ sealed: 0 });
      const firstFive = await recordMany(5);
      expect(await trail.seal()).toEqual({ sealed: 5, key: 'audit/seals/000000000001-000000000005.jsonl' });
      expect(await trail.seal()).toEqual({ sealed: 0 });
      const nextThree = await recordMany(3, 6);
      expect(await trail.seal()).toEqual({ sealed: 3, key: 'audit/seals/000000000006-000000000008.jsonl' });

      expect(decodeSeal(await h.blobs.getBytes('audit/seals/000000000001-000000000005.jsonl'))).toStrictEqual(firstFive);
      expect(decodeSeal(await h.blobs.getBytes('audit/seals/000000000006-000000000008.jsonl'))).toStrictEqual(nextThree);
      const head = await h.blobs.head('audit/seals/000000000006-000000000008.jsonl');
      expect(head?.retainUntil.getTime()).toBe(h.clock.now().getTime() + 30 * DAY);
      await expect(h.blobs.delete('audit/seals/000000000001-000000000005.jsonl')).rejects.toMatchObject({ code: 'BLOB.LOCKED' });
      expect(await trail.verify()).toEqual({ ok: true, entries: 8, sealedThrough: 8 });
    });

    it('lets racing sealers agree (the same object, or overlapping ones verify accepts)', async () => {
      await recordMany(4);
      const other = trailOn(h.another());
      const [a, b] = await Promise.all([trail.seal(), other.seal()]);
      expect([a.key, b.key]).toEqual(['audit/seals/000000000001-000000000004.jsonl', 'audit/seals/000000000001-000000000004.jsonl']);
      await recordMany(2, 5);
      expect(await other.seal()).toMatchObject({ sealed: 2 });
      expect(await trail.verify()).toEqual({ ok: true, entries: 6, sealedThrough: 6 });
    });

    it('refuses to seal a broken log, so that a seal never certifies damage', async () => {
      await recordMany(4);
      await trail.seal();
      await recordMany(3, 5);
      await h.tamper.overwrite({ ...(await h.log.range(6, 1))[0]!, actor: 'x' });
      await expect(trail.seal()).rejects.toMatchObject({ code: 'INTERNAL' });
      const keys: string[] = [];
      for await (const key of h.blobs.list('audit/seals/')) keys.push(key);
      expect(keys).toEqual(['audit/seals/000000000001-000000000004.jsonl']);
    });
  });
}
