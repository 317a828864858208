import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entryHash, withHash } from '../../shared/audit/hash-chain.js';
import { GENESIS_HASH } from '../../shared/ports/audit-log.js';
import type { AuditEntry, AuditLog } from '../../shared/ports/audit-log.js';

export interface AuditLogHarness {
  log: AuditLog;
  cleanup(): Promise<void>;
}

const T0 = Date.parse('2026-03-01T09:00:00.000Z');
const MINUTE = 60_000;

/** Entry n (1-based) of a valid chain: one minute apart, actors and actions in a small rotation. */
export function anEntry(seq: number, prev: AuditEntry | null, overrides: Partial<Omit<AuditEntry, 'seq' | 'hash' | 'prevHash'>> = {}): AuditEntry {
  return withHash({
    seq,
    at: new Date(T0 + seq * MINUTE).toISOString(),
    actor: ['alice', 'bob', 'carol'][seq % 3] ?? 'alice',
    role: 'officer',
    action: ['search', 'message.read', 'hold.create'][seq % 3] ?? 'search',
    target: `target-${seq}`,
    ...overrides,
    prevHash: prev?.hash ?? GENESIS_HASH,
  });
}

export function aChain(length: number): AuditEntry[] {
  const chain: AuditEntry[] = [];
  for (let seq = 1; seq <= length; seq++) chain.push(anEntry(seq, chain[chain.length - 1] ?? null));
  return chain;
}

export const atMinute = (seq: number) => new Date(T0 + seq * MINUTE);

/** The AuditLog contract: the SQLite and DynamoDB logs run exactly this suite. */
export function auditLogContract(name: string, make: () => Promise<AuditLogHarness>): void {
  describe(`AuditLog contract: ${name}`, () => {
    let h: AuditLogHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const appendAll = async (entries: readonly AuditEntry[]) => {
      for (const entry of entries) await h.log.append(entry);
    };

    it('starts empty: no head, no entries', async () => {
      expect(await h.log.head()).toBeNull();
      expect(await h.log.range(1, 10)).toEqual([]);
      expect(await h.log.list({ limit: 10 })).toEqual({ items: [] });
    });

    it('reads every entry back exactly as appended, optional fields absent or present, so its hash still matches', async () => {
      const first = anEntry(1, null, {
        role: 'system',
        action: 'disposition.run',
        query: '',
        count: 0,
        details: { policy: 'default', days: 2557, ratio: 0.25, dryRun: false, reason: null, note: 'Zoë 🙂 "quoted" \\ \n' },
      });
      const { target: _target, ...bare } = anEntry(2, first, { actor: 'ünïcode 名前', query: 'from:alice@example.com "merger agreement"', count: 12 });
      const second = withHash({ ...bare });
      const third = withHash({ ...anEntry(3, second), details: {} });
      await appendAll([first, second, third]);

      const read = await h.log.range(1, 10);
      expect(read).toStrictEqual([first, second, third]);
      for (const entry of read) expect(entryHash(entry)).toBe(entry.hash);
      expect(await h.log.head()).toEqual({ seq: 3, hash: third.hash, at: third.at });
    });

    it('refuses a seq that is taken, writing nothing', async () => {
      const [one, two] = aChain(2) as [AuditEntry, AuditEntry];
      await appendAll([one, two]);
      const forged = anEntry(2, one, { target: 'something else' });
      await expect(h.log.append(forged)).rejects.toMatchObject({ code: 'AUDIT.CONFLICT' });
      await expect(h.log.append(one)).rejects.toMatchObject({ code: 'AUDIT.CONFLICT' });
      expect(await h.log.range(1, 10)).toStrictEqual([one, two]);
    });

    it('refuses an entry that does not extend the head: a gap, a wrong link, a time before the head, a first entry off genesis', async () => {
      const chain = aChain(3);
      const [one, two, three] = chain as [AuditEntry, AuditEntry, AuditEntry];
      await expect(h.log.append(withHash({ ...one, prevHash: 'f'.repeat(64) }))).rejects.toMatchObject({ code: 'AUDIT.CONFLICT' });
      await expect(h.log.append(two)).rejects.toMatchObject({ code: 'AUDIT.CONFLICT' });
      expect(await h.log.head()).toBeNull();
      await h.log.append(one);
      await expect(h.log.append(three)).rejects.toMatchObject({ code: 'AUDIT.CONFLICT' }); // gap
      await expect(h.log.append(anEntry(2, three))).rejects.toMatchObject({ code: 'AUDIT.CONFLICT' }); // wrong prevHash
      await expect(h.log.append(anEntry(2, one, { at: new Date(Date.parse(one.at) - 1).toISOString() }))).rejects.toMatchObject({
        code: 'AUDIT.CONFLICT',
      });
      expect(await h.log.range(1, 10)).toStrictEqual([one]);
      const sameTime = anEntry(2, one, { at: one.at });
      await h.log.append(sameTime);
      expect(await h.log.head()).toEqual({ seq: 2, hash: sameTime.hash, at: one.at });
    });

    it('lets exactly one of many racing writers take a seq', async () => {
      const [one] = aChain(1) as [AuditEntry];
      await h.log.append(one);
      const rivals = Array.from({ length: 10 }, (_, i) => anEntry(2, one, { actor: `writer-${i}` }));
      const outcomes = await Promise.allSettled(rivals.map((entry) => h.log.append(entry)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'AUDIT.CONFLICT' });
      const stored = await h.log.range(1, 10);
      expect(stored).toHaveLength(2);
      const winner = rivals[outcomes.findIndex((o) => o.status === 'fulfilled')];
      expect(stored[1]).toStrictEqual(winner);
      expect((await h.log.head())?.hash).toBe(winner?.hash);
    });

    it('reads ranges in seq order, page by page', async () => {
      const chain = aChain(25);
      await appendAll(chain);
      expect((await h.log.range(1, 10)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await h.log.range(11, 10)).toStrictEqual(chain.slice(10, 20));
      expect((await h.log.range(21, 10)).map((e) => e.seq)).toEqual([21, 22, 23, 24, 25]);
      expect(await h.log.range(26, 10)).toEqual([]);
      expect((await h.log.range(24, 1)).map((e) => e.seq)).toEqual([24]);
    });

    it('lists newest first, every entry once across pages', async () => {
      const chain = aChain(23);
      await appendAll(chain);
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await h.log.list({ limit: 5, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.items.map((e) => e.seq));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      expect(seen).toEqual(chain.map((e) => e.seq).reverse());
      const first = await h.log.list({ limit: 2 });
      expect(first.items).toStrictEqual([chain[22], chain[21]]);
    });

    it('filters by actor, action and time (from inclusive, to exclusive), alone and together, across pages', async () => {
      const chain = aChain(30);
      await appendAll(chain);
      const collect = async (filter: { from?: Date; to?: Date; actor?: string; action?: string }) => {
        const seqs: number[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await h.log.list({ ...filter, limit: 3, ...(cursor ? { cursor } : {}) });
          seqs.push(...page.items.map((e) => e.seq));
          cursor = page.nextCursor;
          pages++;
        } while (cursor && pages < 100);
        return seqs;
      };
      const expected = (keep: (e: AuditEntry) => boolean) => chain.filter(keep).map((e) => e.seq).reverse();

      expect(await collect({ actor: 'bob' })).toEqual(expected((e) => e.actor === 'bob'));
      expect(await collect({ action: 'hold.create' })).toEqual(expected((e) => e.action === 'hold.create'));
      expect(await collect({ from: atMinute(7), to: atMinute(19) })).toEqual(expected((e) => e.seq >= 7 && e.seq < 19));
      expect(await collect({ from: atMinute(28) })).toEqual([30, 29, 28]);
      expect(await collect({ to: atMinute(3) })).toEqual([2, 1]);
      expect(await collect({ from: new Date(atMinute(7).getTime() + 1), to: atMinute(9) })).toEqual([8]);
      expect(await collect({ actor: 'carol', from: atMinute(4), to: atMinute(25) })).toEqual(
        expected((e) => e.actor === 'carol' && e.seq >= 4 && e.seq < 25),
      );
      expect(await collect({ actor: 'alice', action: 'search' })).toEqual(expected((e) => e.seq % 3 === 0));
      expect(await collect({ actor: 'carol', action: 'search' })).toEqual([]);
      expect(await collect({ actor: 'nobody' })).toEqual([]);
      expect(await collect({ from: atMinute(40) })).toEqual([]);
      expect(await collect({ from: atMinute(10), to: atMinute(5) })).toEqual([]);
    });

    it('refuses a cursor it could not have produced', async () => {
      await appendAll(aChain(3));
      for (const cursor of ['not a cursor', '-1', '0', '1.5', '99999999999999999999']) {
        await expect(h.log.list({ limit: 5, cursor })).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
      }
    });
  });
}
