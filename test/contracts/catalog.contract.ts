import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../shared/ports/catalog.js';
import { aDelivery, aMessage } from '../support/records.js';

export interface CatalogHarness {
  catalog: Catalog;
  cleanup(): Promise<void>;
}

/** The Catalog contract: the SQLite and DynamoDB catalogs run exactly this suite. */
export function catalogContract(name: string, make: () => Promise<CatalogHarness>): void {
  describe(`Catalog contract: ${name}`, () => {
    let h: CatalogHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('records a new message with its first delivery, recipients becoming custodians', async () => {
      const message = aMessage();
      const delivery = aDelivery(message, { envelope: { mailFrom: null, rcptTo: ['Bob@Example.com'] } });
      const outcome = await h.catalog.recordIntake(message, delivery);
      expect(outcome).toMatchObject({ messageCreated: true, deliveryCreated: true, peopleChanged: true });
      const stored = await h.catalog.getMessage(message.id);
      expect(stored).toEqual({ ...message, envelopeRecipients: ['bob@example.com'], custodians: ['bob@example.com'] });
      expect(await h.catalog.listDeliveries(message.id)).toEqual([delivery]);
    });

    it('records the same bytes twice as one message with two deliveries and merged recipients', async () => {
      const message = aMessage();
      await h.catalog.recordIntake(message, aDelivery(message, { envelope: { mailFrom: null, rcptTo: ['bob@example.com'] } }));
      const second = aDelivery(message, { receivedAt: '2024-01-15T11:00:00.000Z', envelope: { mailFrom: null, rcptTo: ['carol@example.com', 'bob@example.com'] } });
      const outcome = await h.catalog.recordIntake(message, second);
      expect(outcome).toMatchObject({ messageCreated: false, deliveryCreated: true, peopleChanged: true });
      expect(outcome.message.envelopeRecipients).toEqual(['bob@example.com', 'carol@example.com']);
      expect(await h.catalog.countMessages()).toBe(1);
      expect(await h.catalog.countDeliveries()).toBe(2);
      expect((await h.catalog.listDeliveries(message.id)).map((d) => d.id)).toHaveLength(2);
    });

    it('treats a retried delivery (same delivery id) as no new delivery', async () => {
      const message = aMessage();
      const delivery = aDelivery(message);
      await h.catalog.recordIntake(message, delivery);
      const again = await h.catalog.recordIntake(message, delivery);
      expect(again).toMatchObject({ messageCreated: false, deliveryCreated: false, peopleChanged: false });
      expect(await h.catalog.countDeliveries()).toBe(1);
    });

    it('keeps the first record when a message arrives again', async () => {
      const message = aMessage({ subject: 'first' });
      await h.catalog.recordIntake(message, aDelivery(message));
      await h.catalog.recordIntake({ ...message, subject: 'changed' }, aDelivery(message));
      expect((await h.catalog.getMessage(message.id))?.subject).toBe('first');
    });

    it('survives concurrent intakes of the same message without losing a delivery', async () => {
      const message = aMessage();
      const deliveries = Array.from({ length: 10 }, (_, i) => aDelivery(message, { envelope: { mailFrom: null, rcptTo: [`r${i}@example.com`] } }));
      const outcomes = await Promise.all(deliveries.map((d) => h.catalog.recordIntake(message, d)));
      expect(outcomes.filter((o) => o.messageCreated)).toHaveLength(1);
      expect(await h.catalog.countDeliveries()).toBe(10);
      expect((await h.catalog.getMessage(message.id))?.envelopeRecipients).toHaveLength(10);
    });

    it('records a batch of deliveries in order, a duplicate within the batch merging into the first', async () => {
      const a = aMessage();
      const b = aMessage();
      const outcomes = await h.catalog.recordIntakes([
        { message: a, delivery: aDelivery(a, { envelope: { mailFrom: null, rcptTo: ['x@example.com'] } }) },
        { message: b, delivery: aDelivery(b) },
        { message: a, delivery: aDelivery(a, { envelope: { mailFrom: null, rcptTo: ['y@example.com'] } }) },
      ]);
      expect(outcomes.map((o) => [o.messageCreated, o.deliveryCreated])).toEqual([[true, true], [true, true], [false, true]]);
      expect(outcomes[2]?.message.envelopeRecipients).toEqual(['x@example.com', 'y@example.com']);
      expect(await h.catalog.countMessages()).toBe(2);
      expect(await h.catalog.countDeliveries()).toBe(3);
    });

    it('returns records for many ids in the order asked, leaving out unknown ids', async () => {
      const a = aMessage();
      const b = aMessage();
      await h.catalog.recordIntake(a, aDelivery(a));
      await h.catalog.recordIntake(b, aDelivery(b));
      const found = await h.catalog.getMessages([b.id, 'f'.repeat(64), a.id]);
      expect(found.map((m) => m.id)).toEqual([b.id, a.id]);
      expect(await h.catalog.getMessage('0'.repeat(64))).toBeNull();
    });

    it('pages through every message id exactly once', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const m = aMessage();
        ids.push(m.id);
        await h.catalog.recordIntake(m, aDelivery(m));
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await h.catalog.listMessageIds({ limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual(ids.sort());
    });

    it('moves only retainUntil with setRetention, and ignores an unknown id', async () => {
      const message = aMessage();
      const delivery = aDelivery(message);
      await h.catalog.recordIntake(message, delivery);
      const before = await h.catalog.getMessage(message.id);
      await h.catalog.setRetention(message.id, '2040-06-30T00:00:00.000Z');
      expect(await h.catalog.getMessage(message.id)).toEqual({ ...before, retainUntil: '2040-06-30T00:00:00.000Z' });
      expect(await h.catalog.listDeliveries(message.id)).toEqual([delivery]);
      expect(await h.catalog.countMessages()).toBe(1);
      expect(await h.catalog.countDeliveries()).toBe(1);

      // A later delivery still merges into the moved record.
      await h.catalog.recordIntake(message, aDelivery(message, { envelope: { mailFrom: null, rcptTo: ['carol@example.com'] } }));
      expect(await h.catalog.getMessage(message.id)).toMatchObject({ retainUntil: '2040-06-30T00:00:00.000Z', custodians: ['bob@example.com', 'carol@example.com'] });

      const unknown = '0'.repeat(64);
      await h.catalog.setRetention(unknown, '2040-06-30T00:00:00.000Z');
      expect(await h.catalog.getMessage(unknown)).toBeNull();
      expect(await h.catalog.countMessages()).toBe(1);
    });

    it('deletes a message with its deliveries, leaving the others; counts drop; twice is a no-op', async () => {
      const gone = aMessage();
      const kept = aMessage();
      const first = aDelivery(gone, { envelope: { mailFrom: null, rcptTo: ['bob@example.com'] } });
      await h.catalog.recordIntake(gone, first);
      await h.catalog.recordIntake(gone, aDelivery(gone, { receivedAt: '2024-01-15T11:00:00.000Z' }));
      const keptDelivery = aDelivery(kept);
      await h.catalog.recordIntake(kept, keptDelivery);
      const keptRecord = await h.catalog.getMessage(kept.id);

      await h.catalog.deleteMessage(gone.id);
      expect(await h.catalog.getMessage(gone.id)).toBeNull();
      expect(await h.catalog.getMessages([gone.id, kept.id])).toEqual([keptRecord]);
      expect(await h.catalog.listDeliveries(gone.id)).toEqual([]);
      expect(await h.catalog.listDeliveries(kept.id)).toEqual([keptDelivery]);
      expect(await h.catalog.countMessages()).toBe(1);
      expect(await h.catalog.countDeliveries()).toBe(1);
      expect((await h.catalog.listMessageIds({ limit: 10 })).items).toEqual([kept.id]);

      await h.catalog.deleteMessage(gone.id);
      await h.catalog.deleteMessage('0'.repeat(64));
      expect(await h.catalog.countMessages()).toBe(1);
      expect(await h.catalog.countDeliveries()).toBe(1);
      expect(await h.catalog.getMessage(kept.id)).toEqual(keptRecord);

      // Nothing of it is left behind: the same bytes and delivery arriving again are new.
      const again = await h.catalog.recordIntake(gone, first);
      expect(again).toMatchObject({ messageCreated: true, deliveryCreated: true });
      expect(await h.catalog.listDeliveries(gone.id)).toEqual([first]);
      expect(await h.catalog.countMessages()).toBe(2);
      expect(await h.catalog.countDeliveries()).toBe(2);
    });

    it('finds users by the hash of their token only, and removes them', async () => {
      await h.catalog.putUser({ name: 'olivia', role: 'officer', tokenHash: 'h1', createdAt: '2026-01-01T00:00:00.000Z' });
      expect(await h.catalog.findUserByTokenHash('h1')).toMatchObject({ name: 'olivia', role: 'officer' });
      expect(await h.catalog.findUserByTokenHash('h2')).toBeNull();
      await h.catalog.putUser({ name: 'olivia', role: 'officer', tokenHash: 'h2', createdAt: '2026-01-02T00:00:00.000Z' });
      expect(await h.catalog.findUserByTokenHash('h1')).toBeNull();
      expect((await h.catalog.listUsers()).map((u) => u.name)).toEqual(['olivia']);
      expect(await h.catalog.removeUser('olivia')).toBe(true);
      expect(await h.catalog.findUserByTokenHash('h2')).toBeNull();
      expect(await h.catalog.removeUser('olivia')).toBe(false);
    });
  });
}
