import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAuditLog, auditKeys } from '../../adapters/aws/dynamo-audit-log.js';
import { DynamoCatalog } from '../../adapters/aws/dynamo-catalog.js';
import { FsBlobStore } from '../../adapters/embedded/fs-blob-store.js';
import type { AuditEntry } from '../../shared/ports/audit-log.js';
import { ManualClock } from '../support/clock.js';
import { aDelivery, aMessage } from '../support/records.js';
import { requireMoto } from '../services/require-service.js';
import { aChain, auditLogContract } from './audit-log.contract.js';
import { auditTrailScenarios } from './audit-log.trail.js';

/** A fresh catalog table (the audit log shares it) on the moto server, deleted by `drop`. */
async function freshTable(): Promise<{ client: DynamoDBDocumentClient; tableName: string; drop(): Promise<void> }> {
  const base = new DynamoDBClient({
    endpoint: requireMoto(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const client = DynamoDBDocumentClient.from(base);
  const tableName = `coffer-audit-${randomUUID()}`;
  await DynamoCatalog.ensureTable(client, tableName);
  return {
    client,
    tableName,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      base.destroy();
    },
  };
}

// Tiny partitions, so that every contract test also crosses partition boundaries.
auditLogContract('DynamoAuditLog (moto, 4 entries per partition)', async () => {
  const t = await freshTable();
  return { log: new DynamoAuditLog(t.client, t.tableName, { bucketSize: 4 }), cleanup: t.drop };
});

auditLogContract('DynamoAuditLog (moto, default partitions)', async () => {
  const t = await freshTable();
  return { log: new DynamoAuditLog(t.client, t.tableName), cleanup: t.drop };
});

const BUCKET = 3;

auditTrailScenarios('DynamoAuditLog (moto) + FsBlobStore', async () => {
  const t = await freshTable();
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-audit-trail-'));
  const clock = new ManualClock();
  const key = (seq: number) => auditKeys.entry(seq, BUCKET);
  const TableName = t.tableName;
  return {
    log: new DynamoAuditLog(t.client, TableName, { bucketSize: BUCKET }),
    another: () => new DynamoAuditLog(t.client, TableName, { bucketSize: BUCKET }),
    blobs: new FsBlobStore(dir, clock),
    clock,
    // The attacker: raw UpdateItem/DeleteItem on the table, keeping the head in step when it edits the last entry.
    tamper: {
      overwrite: async (entry: AuditEntry) => {
        const optional = ['target', 'query', 'count', 'details'] as const;
        const set = ['at', 'actor', 'role', 'action', 'prevHash', 'hash', ...optional.filter((f) => entry[f] !== undefined)];
        const remove = optional.filter((f) => entry[f] === undefined);
        await t.client.send(
          new UpdateCommand({
            TableName,
            Key: key(entry.seq),
            UpdateExpression: `SET ${set.map((f) => `#${f} = :${f}`).join(', ')}${remove.length ? ` REMOVE ${remove.map((f) => `#${f}`).join(', ')}` : ''}`,
            ExpressionAttributeNames: Object.fromEntries([...set, ...remove].map((f) => [`#${f}`, f])),
            ExpressionAttributeValues: Object.fromEntries(set.map((f) => [`:${f}`, entry[f as keyof AuditEntry]])),
          }),
        );
        const { Item: head } = await t.client.send(new GetCommand({ TableName, Key: auditKeys.head(), ConsistentRead: true }));
        if (head?.seq === entry.seq) {
          await t.client.send(
            new UpdateCommand({
              TableName,
              Key: auditKeys.head(),
              UpdateExpression: 'SET #hash = :hash',
              ExpressionAttributeNames: { '#hash': 'hash' },
              ExpressionAttributeValues: { ':hash': entry.hash },
            }),
          );
        }
      },
      remove: async (seq: number) => {
        await t.client.send(new DeleteCommand({ TableName, Key: key(seq) }));
      },
    },
    cleanup: async () => {
      await t.drop();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
});

describe('DynamoAuditLog specifics (moto)', () => {
  it('keeps entries in AUDIT#<bucket> partitions with zero-padded seq keys and a head item, beside the catalog without disturbing it', async () => {
    const t = await freshTable();
    try {
      const catalog = new DynamoCatalog(t.client, t.tableName);
      const message = aMessage();
      await catalog.recordIntake(message, aDelivery(message));
      const log = new DynamoAuditLog(t.client, t.tableName);
      const chain = aChain(3);
      for (const entry of chain) await log.append(entry);

      const stored = await t.client.send(
        new GetCommand({ TableName: t.tableName, Key: { PK: 'AUDIT#0', SK: '000000000002' }, ConsistentRead: true }),
      );
      expect(stored.Item).toMatchObject({ seq: 2, hash: chain[1]?.hash, actor: chain[1]?.actor });
      const head = await t.client.send(new GetCommand({ TableName: t.tableName, Key: { PK: 'AUDIT#HEAD', SK: 'HEAD' }, ConsistentRead: true }));
      expect(head.Item).toEqual({ PK: 'AUDIT#HEAD', SK: 'HEAD', seq: 3, hash: chain[2]?.hash, at: chain[2]?.at });
      expect(auditKeys.entry(250_001)).toEqual({ PK: 'AUDIT#2', SK: '000000250001' });

      expect(await catalog.countMessages()).toBe(1);
      expect((await catalog.listMessageIds({ limit: 10 })).items).toEqual([message.id]);
      expect(await log.range(1, 10)).toStrictEqual(chain);
    } finally {
      await t.drop();
    }
  });

  it('keeps reading past a partition emptied by deletion, up to the head', async () => {
    const t = await freshTable();
    try {
      const log = new DynamoAuditLog(t.client, t.tableName, { bucketSize: 2 });
      for (const entry of aChain(5)) await log.append(entry);
      await t.client.send(new DeleteCommand({ TableName: t.tableName, Key: auditKeys.entry(3, 2) }));
      await t.client.send(new DeleteCommand({ TableName: t.tableName, Key: auditKeys.entry(4, 2) }));
      // The walk does not stop at the emptied partition: entry 5 is still found.
      expect((await log.range(1, 10)).map((e) => e.seq)).toEqual([1, 2, 5]);
    } finally {
      await t.drop();
    }
  });
});
