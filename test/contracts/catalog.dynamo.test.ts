import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoCatalog } from '../../adapters/aws/dynamo-catalog.js';
import { keys } from '../../adapters/aws/dynamo-table.js';
import { aDelivery, aMessage } from '../support/records.js';
import { closeDynamoProxy, freshDynamoTable } from '../support/dynamo.js';
import type { DynamoTable } from '../support/dynamo.js';
import { catalogContract } from './catalog.contract.js';

interface DynamoHarness extends DynamoTable {
  catalog: DynamoCatalog;
}

afterAll(closeDynamoProxy);

/** A fresh table per test on the moto server (behind the serialising proxy), deleted afterwards. */
async function freshTable(): Promise<DynamoHarness> {
  const table = await freshDynamoTable('coffer-catalog');
  return { ...table, catalog: new DynamoCatalog(table.client, table.tableName) };
}

catalogContract('DynamoCatalog (moto)', freshTable);

describe('DynamoCatalog specifics (moto)', () => {
  let h: DynamoHarness;
  beforeEach(async () => {
    h = await freshTable();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  const meta = async (id: string) =>
    (await h.client.send(new GetCommand({ TableName: h.tableName, Key: keys.message(id), ConsistentRead: true }))).Item;

  it('treats a duplicate delivery id as a conditional-check no-op: no write, counts unchanged', async () => {
    const message = aMessage();
    const delivery = aDelivery(message, { envelope: { mailFrom: null, rcptTo: ['bob@example.com'] } });
    await h.catalog.recordIntake(message, delivery);
    const before = await meta(message.id);
    expect(before?.version).toBe(1);

    // The same delivery id again, even claiming another recipient (a retried event is not a new delivery).
    const retried = { ...delivery, envelope: { mailFrom: null, rcptTo: ['mallory@example.com'] } };
    const outcome = await h.catalog.recordIntake(message, retried);
    expect(outcome).toEqual({
      messageCreated: false,
      deliveryCreated: false,
      peopleChanged: false,
      message: { ...message, envelopeRecipients: ['bob@example.com'], custodians: ['bob@example.com'] },
    });
    expect(await meta(message.id)).toEqual(before);
    expect(await h.catalog.countMessages()).toBe(1);
    expect(await h.catalog.countDeliveries()).toBe(1);
    expect(await h.catalog.listDeliveries(message.id)).toEqual([delivery]);
  });

  it('bumps the version once per delivery under concurrency', async () => {
    const message = aMessage();
    const deliveries = Array.from({ length: 10 }, (_, i) =>
      aDelivery(message, { envelope: { mailFrom: null, rcptTo: [`r${i}@example.com`] } }),
    );
    const outcomes = await Promise.all(deliveries.map((d) => h.catalog.recordIntake(message, d)));
    expect(outcomes.every((o) => o.deliveryCreated)).toBe(true);
    expect((await meta(message.id))?.version).toBe(10);
    expect(await h.catalog.countMessages()).toBe(1);
    const stored = await h.client.send(
      new QueryCommand({
        TableName: h.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :dlv)',
        ExpressionAttributeValues: { ':pk': keys.message(message.id).PK, ':dlv': 'DLV#' },
      }),
    );
    expect(stored.Items).toHaveLength(10);
  });

  it('moves the version on for a delivery that merges nothing (deleteMessage relies on it)', async () => {
    const message = aMessage();
    await h.catalog.recordIntake(message, aDelivery(message));
    const before = await meta(message.id);
    const outcome = await h.catalog.recordIntake(message, aDelivery(message));
    expect(outcome).toMatchObject({ deliveryCreated: true, peopleChanged: false });
    expect(await meta(message.id)).toEqual({ ...before, version: 2 });
  });

  it('deletes a message with more deliveries than one transaction holds, counting each once under concurrency', async () => {
    const message = aMessage();
    const other = aMessage();
    for (let i = 0; i < 60; i++) await h.catalog.recordIntake(message, aDelivery(message));
    await h.catalog.recordIntake(other, aDelivery(other));
    expect(await h.catalog.countDeliveries()).toBe(61);
    await Promise.all([h.catalog.deleteMessage(message.id), h.catalog.deleteMessage(message.id)]);
    expect(await h.catalog.getMessage(message.id)).toBeNull();
    expect(await h.catalog.listDeliveries(message.id)).toEqual([]);
    expect(await h.catalog.countMessages()).toBe(1);
    expect(await h.catalog.countDeliveries()).toBe(1);
    const left = await h.client.send(
      new QueryCommand({
        TableName: h.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.message(message.id).PK },
      }),
    );
    expect(left.Items).toEqual([]);
  });

  it('setRetention does not lose a delivery merged at the same time', async () => {
    const message = aMessage();
    await h.catalog.recordIntake(message, aDelivery(message));
    const deliveries = Array.from({ length: 5 }, (_, i) => aDelivery(message, { envelope: { mailFrom: null, rcptTo: [`r${i}@example.com`] } }));
    await Promise.all([
      ...deliveries.map((d) => h.catalog.recordIntake(message, d)),
      h.catalog.setRetention(message.id, '2041-01-01T00:00:00.000Z'),
    ]);
    const stored = await h.catalog.getMessage(message.id);
    expect(stored?.retainUntil).toBe('2041-01-01T00:00:00.000Z');
    expect(stored?.envelopeRecipients).toHaveLength(6);
  });

  it('reads more than one BatchGetItem (100 keys) in the order asked, duplicates and unknown ids included', async () => {
    const [a, b, c] = [aMessage(), aMessage(), aMessage()];
    await h.catalog.recordIntakes([a, b, c].map((m) => ({ message: m, delivery: aDelivery(m) })));
    const unknown = (n: number) => Array.from({ length: n }, (_, i) => i.toString(16).padStart(64, 'e'));
    const asked = [c.id, ...unknown(99), b.id, a.id, ...unknown(60), c.id, a.id];
    const found = await h.catalog.getMessages(asked);
    expect(found.map((m) => m.id)).toEqual([c.id, b.id, a.id, c.id, a.id]);
    expect(found[1]).toEqual(await h.catalog.getMessage(b.id));
  });

  it('lists message ids in id order across listing shards, and refuses a forged cursor', async () => {
    const ids = Array.from({ length: 20 }, () => aMessage()).map((m) => m.id);
    for (const id of ids) {
      const m = aMessage({ id });
      await h.catalog.recordIntake(m, aDelivery(m));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.catalog.listMessageIds({ limit: 6, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(6);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].sort());

    const forged = Buffer.from(JSON.stringify([0, { PK: 'USERS', SK: 'USER#a', GSI2PK: 'x', GSI2SK: 'y' }])).toString('base64url');
    await expect(h.catalog.listMessageIds({ limit: 5, cursor: forged })).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
    await expect(h.catalog.listMessageIds({ limit: 5, cursor: 'not a cursor' })).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
  });

  it('keeps the first createdAt when a user is replaced, and ensureTable is idempotent', async () => {
    await h.catalog.putUser({ name: 'zed', role: 'auditor', tokenHash: 'z1', createdAt: '2026-01-01T00:00:00.000Z' });
    await h.catalog.putUser({ name: 'amy', role: 'admin', tokenHash: 'a1', createdAt: '2026-01-01T00:00:00.000Z' });
    await h.catalog.putUser({ name: 'zed', role: 'officer', tokenHash: 'z2', createdAt: '2026-02-01T00:00:00.000Z' });
    expect(await h.catalog.listUsers()).toEqual([
      { name: 'amy', role: 'admin', tokenHash: 'a1', createdAt: '2026-01-01T00:00:00.000Z' },
      { name: 'zed', role: 'officer', tokenHash: 'z2', createdAt: '2026-01-01T00:00:00.000Z' },
    ]);
    await DynamoCatalog.ensureTable(h.client, h.tableName);
    expect(await h.catalog.findUserByTokenHash('z2')).toMatchObject({ name: 'zed' });
  });
});
