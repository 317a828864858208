import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import type { BlobStore } from '../../shared/ports/blob-store.js';
import type { Clock } from '../../shared/ports/clock.js';
import { CofferError } from '../../shared/errors.js';
import { chunked, collect, sha256 } from '../support/bytes.js';

export interface BlobStoreHarness {
  store: BlobStore;
  clock: Clock;
  /** Lets time pass for the store: a manual clock for local stores, real waiting for S3. */
  elapse(ms: number): Promise<void>;
  /** A retention short enough to wait out in a test. */
  shortRetentionMs: number;
  cleanup(): Promise<void>;
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CofferError) return err.code;
    throw err;
  }
  return 'resolved';
}

/**
 * The BlobStore contract. Every adapter — the file store, S3 with Object Lock — runs exactly this
 * suite; it pins down the write-once promises of DESIGN invariants 2 and 3.
 */
export function blobStoreContract(name: string, make: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let h: BlobStoreHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const body = Buffer.from('From: a@example.com\r\nSubject: hello\r\n\r\nbody\r\n');
    const key = `messages/${sha256(body).slice(0, 2)}/${sha256(body)}`;
    const later = (days: number) => new Date(h.clock.now().getTime() + days * 86_400_000);

    it('stores bytes and returns them exactly, with their checksum and retention', async () => {
      const result = await h.store.put(key, body, { sha256: sha256(body), retainUntil: later(30) });
      expect(result).toEqual({ created: true, size: body.length, retainUntil: later(30) });
      expect(await collect(await h.store.get(key))).toEqual(body);
      expect(Buffer.from(await h.store.getBytes(key))).toEqual(body);
      const head = await h.store.head(key);
      expect(head).toMatchObject({ key, size: body.length, sha256: sha256(body), legalHold: false });
      expect(head?.retainUntil.getTime()).toBe(later(30).getTime());
    });

    it('streams a body given in chunks', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'x');
      const bigKey = `messages/${sha256(big).slice(0, 2)}/${sha256(big)}`;
      await h.store.put(bigKey, chunked(big), { sha256: sha256(big), retainUntil: later(1) });
      expect(sha256(await collect(await h.store.get(bigKey)))).toBe(sha256(big));
    });

    it('keeps batch puts readable and protected, durable after flush', async () => {
      await h.store.put(key, body, { sha256: sha256(body), retainUntil: later(30), durability: 'batch' });
      await h.store.flush();
      expect(await collect(await h.store.get(key))).toEqual(body);
      expect(await code(h.store.delete(key))).toBe('BLOB.LOCKED');
    });

    it('is idempotent: the same bytes again are not a new object', async () => {
      await h.store.put(key, body, { sha256: sha256(body), retainUntil: later(30) });
      const again = await h.store.put(key, body, { sha256: sha256(body), retainUntil: later(60) });
      expect(again.created).toBe(false);
      // The existing object's protection, not the one asked for.
      expect(again.retainUntil.getTime()).toBe(later(30).getTime());
      expect((await h.store.head(key))?.retainUntil.getTime()).toBe(later(30).getTime());
    });

    it('lets exactly one of several racing writers of a key create it, all agreeing on its retention', async () => {
      const results = await Promise.all(
        [1, 2, 3, 4].map((days) => h.store.put(key, body, { sha256: sha256(body), retainUntil: later(days) })),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const head = await h.store.head(key);
      for (const r of results) expect(r.retainUntil.getTime()).toBe(head?.retainUntil.getTime());
    });

    it('refuses to overwrite an object with other bytes', async () => {
      await h.store.put(key, body, { sha256: sha256(body), retainUntil: later(30) });
      const other = Buffer.from('tampered');
      expect(await code(h.store.put(key, other, { sha256: sha256(other), retainUntil: later(30) }))).toBe('BLOB.EXISTS');
      expect(await collect(await h.store.get(key))).toEqual(body);
    });

    it('refuses bytes that do not match the declared checksum, and stores nothing', async () => {
      expect(await code(h.store.put(key, body, { sha256: sha256('other'), retainUntil: later(1) }))).toBe('BLOB.CHECKSUM_MISMATCH');
      expect(await h.store.head(key)).toBeNull();
    });

    it('refuses deletion while retention runs', async () => {
      await h.store.put(key, body, { sha256: sha256(body), retainUntil: later(30) });
      expect(await code(h.store.delete(key))).toBe('BLOB.LOCKED');
      expect(await collect(await h.store.get(key))).toEqual(body);
    });

    it('refuses to shorten retention, and extends it', async () => {
      await h.store.put(key, body, { sha256: sha256(body), retainUntil: later(30) });
      expect(await code(h.store.extendRetention(key, later(10)))).toBe('BLOB.LOCKED');
      await h.store.extendRetention(key, later(90));
      expect((await h.store.head(key))?.retainUntil.getTime()).toBe(later(90).getTime());
    });

    it('allows deletion once retention has passed, and not while a legal hold is set', async () => {
      await h.store.put(key, body, { sha256: sha256(body), retainUntil: new Date(h.clock.now().getTime() + h.shortRetentionMs) });
      await h.store.setLegalHold(key, true);
      await h.elapse(h.shortRetentionMs + 1000);
      expect(await code(h.store.delete(key))).toBe('BLOB.LOCKED');
      expect((await h.store.head(key))?.legalHold).toBe(true);
      await h.store.setLegalHold(key, false);
      await h.store.delete(key);
      expect(await h.store.head(key)).toBeNull();
      expect(await code(h.store.get(key))).toBe('BLOB.NOT_FOUND');
    });

    it('lists keys under a prefix in order', async () => {
      const a = Buffer.from('a');
      const b = Buffer.from('b');
      await h.store.put('deliveries/ab/x/2.json', b, { sha256: sha256(b), retainUntil: later(1) });
      await h.store.put('deliveries/ab/x/1.json', a, { sha256: sha256(a), retainUntil: later(1) });
      await h.store.put(key, body, { sha256: sha256(body), retainUntil: later(1) });
      const keys: string[] = [];
      for await (const k of h.store.list('deliveries/ab/x/')) keys.push(k);
      expect(keys).toEqual(['deliveries/ab/x/1.json', 'deliveries/ab/x/2.json']);
      // A prefix may end inside a name, as in S3.
      const partial: string[] = [];
      for await (const k of h.store.list('deliveries/ab/x/1')) partial.push(k);
      expect(partial).toEqual(['deliveries/ab/x/1.json']);
      const all: string[] = [];
      for await (const k of h.store.list('deliveries/')) all.push(k);
      expect(all).toEqual(['deliveries/ab/x/1.json', 'deliveries/ab/x/2.json']);
    });

    it('verifies fixity against the checksum recorded at put time', async () => {
      await h.store.put(key, body, { sha256: sha256(body), retainUntil: later(1) });
      expect(await h.store.verify(key)).toEqual({ ok: true, sha256: sha256(body) });
      expect((await h.store.verify('messages/00/missing')).ok).toBe(false);
    });

    it('reports a missing object as not found', async () => {
      expect(await h.store.head('messages/00/none')).toBeNull();
      expect(await code(h.store.get('messages/00/none'))).toBe('BLOB.NOT_FOUND');
    });
  });
}
