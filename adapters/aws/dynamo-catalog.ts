import { CreateTableCommand, ResourceInUseException, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  DynamoDBDocumentClient,
  QueryCommandInput,
  QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { Catalog, IntakeOutcome, Page } from '../../shared/ports/catalog.js';
import type { Delivery, MessageRecord, User } from '../../shared/domain/records.js';
import { CofferError } from '../../shared/errors.js';
import { mergeDelivery } from '../../shared/intake/merge-delivery.js';
import {
  COUNTER_SHARDS,
  GSI_LISTING,
  GSI_TOKEN,
  LISTING_SHARDS,
  keys,
  listingShard,
  tableDefinition,
} from './dynamo-table.js';
import type { Key, TransactItem } from './dynamo-table.js';


/** Optimistic-concurrency attempts per intake before giving up (each lost attempt means another writer won). */
const MAX_ATTEMPTS = 10;
const BATCH_GET_LIMIT = 100;
/** A delivery is two items to delete (DLV and DLVID); a transaction holds 100, one of them a counter. */
const DELIVERIES_PER_TRANSACTION = 49;
/** What fits beside META's delete and the counter in deleteMessage's last transaction. */
const DELIVERIES_WITH_META = 48;

/**
 * The AWS catalog: one DynamoDB table (see dynamo-table.ts and docs/dynamodb-table.md), the same
 * semantics as SqliteCatalog. Records and deliveries are stored whole as a JSON string attribute
 * `record`: they are always read whole, they round-trip exactly (no number/empty-string/set
 * coercion by the marshaller, no nulls turned into NULL attributes), and nothing filters on their
 * fields inside DynamoDB — the search index does that.
 *
 * Intake is race-safe without locks: a new message is created by one transaction conditioned on
 * the META and delivery-id items not existing; an existing message is merged (mergeDelivery) and
 * written back conditioned on its `version`, together with the delivery in one transaction. A
 * retried delivery fails the delivery-id condition and changes nothing.
 */
export class DynamoCatalog implements Catalog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates the table (tests, local setup) and waits until it is active; production tables come from CloudFormation. */
  static async ensureTable(client: DynamoDBDocumentClient, tableName: string): Promise<void> {
    try {
      await client.send(new CreateTableCommand(tableDefinition(tableName)));
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  }

  async recordIntake(message: MessageRecord, delivery: Delivery): Promise<IntakeOutcome> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.tryIntake(message, delivery);
      if (outcome !== 'retry') return outcome;
      if (attempt >= MAX_ATTEMPTS) {
        throw new CofferError('INTERNAL', `message ${message.id}: gave up after ${attempt} conflicting writes`);
      }
      await sleep(Math.random() * Math.min(200, 10 * 2 ** attempt));
    }
  }

  /**
   * DynamoDB transactions hold at most 100 items and may not touch one item twice (a batch can name
   * a message more than once), so a batch is recorded one intake (one transaction) at a time, in order.
   */
  async recordIntakes(items: readonly { message: MessageRecord; delivery: Delivery }[]): Promise<IntakeOutcome[]> {
    const outcomes: IntakeOutcome[] = [];
    for (const { message, delivery } of items) outcomes.push(await this.recordIntake(message, delivery));
    return outcomes;
  }

  private async tryIntake(message: MessageRecord, delivery: Delivery): Promise<IntakeOutcome | 'retry'> {
    const current = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.message(message.id), ConsistentRead: true }),
    );
    return current.Item ? this.tryMerge(current.Item, delivery) : this.tryCreate(message, delivery, true);
  }

  /** The message is new: META, delivery id, delivery and counters in one transaction. */
  private async tryCreate(
    message: MessageRecord,
    delivery: Delivery,
    withDelivery: boolean,
  ): Promise<IntakeOutcome | 'retry'> {
    const created = mergeDelivery(message, delivery).record;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.message(message.id),
            GSI2PK: `MSGLIST#${listingShard(message.id)}`,
            GSI2SK: message.id,
            record: JSON.stringify(created),
            version: 1,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      ...(withDelivery ? this.deliveryItems(delivery) : []),
      this.counterUpdate(1, withDelivery ? 1 : 0),
    ];
    const reasons = await this.transact(items);
    if (!reasons) return { messageCreated: true, deliveryCreated: withDelivery, message: created, peopleChanged: true };
    if (failed(reasons[0])) return 'retry'; // another intake created the message first: merge into it
    // The delivery id is known but the message is not (a delivery id reused for other bytes):
    // create the message all the same, as the embedded catalog does, without a second delivery.
    if (withDelivery && failed(reasons[1])) return this.tryCreate(message, delivery, false);
    return 'retry'; // TransactionConflict or the like
  }

  /**
   * The message exists: merge this delivery's recipients, write back if the version is unchanged.
   * The version moves on with every delivery, merged or not, so deleteMessage can tell that no
   * delivery was added to the message since it listed them.
   */
  private async tryMerge(item: Record<string, unknown>, delivery: Delivery): Promise<IntakeOutcome | 'retry'> {
    const existing = JSON.parse(String(item.record)) as MessageRecord;
    const version = Number(item.version);
    const merged = mergeDelivery(existing, delivery);
    const meta: TransactItem = {
      Update: {
        TableName: this.tableName,
        Key: keys.message(existing.id),
        ConditionExpression: '#v = :v',
        UpdateExpression: merged.changed ? 'SET #r = :r, #v = :next' : 'SET #v = :next',
        ExpressionAttributeNames: { '#v': 'version', ...(merged.changed ? { '#r': 'record' } : {}) },
        ExpressionAttributeValues: {
          ':v': version,
          ':next': version + 1,
          ...(merged.changed ? { ':r': JSON.stringify(merged.record) } : {}),
        },
      },
    };
    const reasons = await this.transact([meta, ...this.deliveryItems(delivery), this.counterUpdate(0, 1)]);
    if (!reasons) {
      return { messageCreated: false, deliveryCreated: true, message: merged.record, peopleChanged: merged.changed };
    }
    // A retried delivery: it was recorded (and merged) with its first intake; nothing changes.
    if (failed(reasons[1])) return { messageCreated: false, deliveryCreated: false, message: existing, peopleChanged: false };
    return 'retry'; // version conflict (another delivery merged first) or TransactionConflict
  }

  private deliveryItems(delivery: Delivery): TransactItem[] {
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.deliveryId(delivery.id), messageId: delivery.messageSha256 },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.delivery(delivery.messageSha256, delivery.receivedAt, delivery.id),
            record: JSON.stringify(delivery),
          },
        },
      },
    ];
  }

  private counterUpdate(messages: number, deliveries: number): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.counter(Math.floor(Math.random() * COUNTER_SHARDS)),
        UpdateExpression: 'ADD #m :m, #d :d',
        ExpressionAttributeNames: { '#m': 'messages', '#d': 'deliveries' },
        ExpressionAttributeValues: { ':m': messages, ':d': deliveries },
      },
    };
  }

  /** Runs a transaction; undefined when it committed, the cancellation reasons (one per item) when cancelled. */
  private async transact(items: TransactItem[]): Promise<CancellationReason[] | undefined> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (err) {
      if (err instanceof Error && err.name === 'TransactionCanceledException') {
        return (err as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
      }
      throw err;
    }
  }

  async getMessage(id: string): Promise<MessageRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.message(id),
        ConsistentRead: true,
        ProjectionExpression: '#r',
        ExpressionAttributeNames: { '#r': 'record' },
      }),
    );
    return Item ? (JSON.parse(String(Item.record)) as MessageRecord) : null;
  }

  async getMessages(ids: readonly string[]): Promise<MessageRecord[]> {
    const unique = [...new Set(ids)];
    const found = new Map<string, MessageRecord>();
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let pending: Key[] = unique.slice(i, i + BATCH_GET_LIMIT).map((id) => keys.message(id));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.random() * Math.min(1_000, 25 * 2 ** attempt));
        const out = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ConsistentRead: true,
                ProjectionExpression: '#r',
                ExpressionAttributeNames: { '#r': 'record' },
              },
            },
          }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const record = JSON.parse(String(item.record)) as MessageRecord;
          found.set(record.id, record);
        }
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return ids.flatMap((id) => {
      const record = found.get(id);
      return record ? [record] : [];
    });
  }

  async listDeliveries(messageId: string): Promise<Delivery[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :dlv)',
      ExpressionAttributeValues: { ':pk': keys.message(messageId).PK, ':dlv': 'DLV#' },
      ConsistentRead: true,
    });
    return items.map((item) => JSON.parse(String(item.record)) as Delivery);
  }

  /**
   * Message ids in id order, from the sparse listing index (eventually consistent, like every GSI).
   * The cursor is opaque: base64url of the listing shard and DynamoDB's LastEvaluatedKey.
   */
  async listMessageIds(options: { cursor?: string; limit: number }): Promise<Page<string>> {
    let position: Cursor | undefined = options.cursor === undefined ? { shard: 0 } : decodeCursor(options.cursor);
    const items: string[] = [];
    while (position && items.length < options.limit) {
      const shard: string | undefined = LISTING_SHARDS[position.shard];
      if (shard === undefined) break;
      const out: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI_LISTING,
          KeyConditionExpression: 'GSI2PK = :pk',
          ExpressionAttributeValues: { ':pk': `MSGLIST#${shard}` },
          Limit: options.limit - items.length,
          ...(position.key ? { ExclusiveStartKey: position.key } : {}),
        }),
      );
      for (const item of out.Items ?? []) items.push(String(item.GSI2SK));
      position = out.LastEvaluatedKey
        ? { shard: position.shard, key: out.LastEvaluatedKey }
        : position.shard + 1 < LISTING_SHARDS.length
          ? { shard: position.shard + 1 }
          : undefined;
    }
    return position ? { items, nextCursor: encodeCursor(position) } : { items };
  }

  async countMessages(): Promise<number> {
    return this.sumCounters('messages');
  }

  async countDeliveries(): Promise<number> {
    return this.sumCounters('deliveries');
  }

  /** Rewrites the record with the new retainUntil, conditioned on its version (an intake may merge meanwhile). */
  async setRetention(id: string, retainUntil: string): Promise<void> {
    await this.withRetries(`message ${id}`, async () => {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.message(id), ConsistentRead: true }),
      );
      if (!Item) return 'done';
      const record = JSON.parse(String(Item.record)) as MessageRecord;
      if (record.retainUntil === retainUntil) return 'done';
      const version = Number(Item.version);
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.message(id),
            ConditionExpression: '#v = :v',
            UpdateExpression: 'SET #r = :r, #v = :next',
            ExpressionAttributeNames: { '#v': 'version', '#r': 'record' },
            ExpressionAttributeValues: { ':v': version, ':next': version + 1, ':r': JSON.stringify({ ...record, retainUntil }) },
          }),
        );
        return 'done';
      } catch (err) {
        if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return 'retry';
        throw err;
      }
    });
  }

  /**
   * Removes the record, its deliveries and their delivery-id items, and takes them off the counters.
   * The last transaction deletes META conditioned on the version read first: every intake moves the
   * version on, so a delivery added meanwhile sends the whole removal round again. Deliveries beyond
   * what fits one transaction (100 items) go first, in transactions of their own, each conditioned
   * on the delivery still existing so a concurrent removal never counts one twice.
   */
  async deleteMessage(id: string): Promise<void> {
    await this.withRetries(`message ${id}`, async () => {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.message(id), ConsistentRead: true }),
      );
      if (!Item) return 'done';
      const deliveries = await this.queryAll({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :dlv)',
        ExpressionAttributeValues: { ':pk': keys.message(id).PK, ':dlv': 'DLV#' },
        ConsistentRead: true,
        ProjectionExpression: 'PK, SK, #r',
        ExpressionAttributeNames: { '#r': 'record' },
      });
      const first = deliveries.slice(0, Math.max(0, deliveries.length - DELIVERIES_WITH_META));
      const last = deliveries.slice(first.length);
      for (let i = 0; i < first.length; i += DELIVERIES_PER_TRANSACTION) {
        const chunk = first.slice(i, i + DELIVERIES_PER_TRANSACTION);
        const reasons = await this.transact([
          ...chunk.flatMap((d) => this.deliveryDeletes(d)),
          this.counterUpdate(0, -chunk.length),
        ]);
        if (reasons) return 'retry'; // removed concurrently, or a conflict: list again
      }
      const reasons = await this.transact([
        {
          Delete: {
            TableName: this.tableName,
            Key: keys.message(id),
            ConditionExpression: '#v = :v',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': Item.version },
          },
        },
        ...last.flatMap((d) => this.deliveryDeletes(d)),
        this.counterUpdate(-1, -last.length),
      ]);
      return reasons ? 'retry' : 'done';
    });
  }

  private deliveryDeletes(item: Record<string, unknown>): TransactItem[] {
    const delivery = JSON.parse(String(item.record)) as Delivery;
    return [
      {
        Delete: {
          TableName: this.tableName,
          Key: { PK: item.PK, SK: item.SK },
          ConditionExpression: 'attribute_exists(PK)',
        },
      },
      // A retried delivery after the removal is a new delivery again, as in the embedded catalog.
      { Delete: { TableName: this.tableName, Key: keys.deliveryId(delivery.id) } },
    ];
  }

  private async withRetries(what: string, attempt: () => Promise<'done' | 'retry'>): Promise<void> {
    for (let n = 1; ; n++) {
      if ((await attempt()) === 'done') return;
      if (n >= MAX_ATTEMPTS) throw new CofferError('INTERNAL', `${what}: gave up after ${n} conflicting writes`);
      await sleep(Math.random() * Math.min(200, 10 * 2 ** n));
    }
  }

  private async sumCounters(attribute: 'messages' | 'deliveries'): Promise<number> {
    const shards = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': 'COUNT' },
      ConsistentRead: true,
    });
    return shards.reduce((sum, item) => sum + Number(item[attribute] ?? 0), 0);
  }

  /** Replaces the user's role and token (the token index follows the item); keeps the first createdAt. */
  async putUser(user: User): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.user(user.name),
        UpdateExpression:
          'SET #name = :name, #role = :role, tokenHash = :hash, GSI1PK = :gsi, createdAt = if_not_exists(createdAt, :created)',
        ExpressionAttributeNames: { '#name': 'name', '#role': 'role' },
        ExpressionAttributeValues: {
          ':name': user.name,
          ':role': user.role,
          ':hash': user.tokenHash,
          ':gsi': tokenKey(user.tokenHash),
          ':created': user.createdAt,
        },
      }),
    );
  }

  /**
   * Finds the user through the token index, then re-reads the user consistently and checks the hash:
   * the index lags the table, and a replaced or removed token must stop working at once.
   */
  async findUserByTokenHash(tokenHash: string): Promise<User | null> {
    const hits = await this.queryAll({
      TableName: this.tableName,
      IndexName: GSI_TOKEN,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': tokenKey(tokenHash) },
    });
    for (const hit of hits) {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { PK: hit.PK, SK: hit.SK }, ConsistentRead: true }),
      );
      if (Item && Item.tokenHash === tokenHash) return toUser(Item);
    }
    return null;
  }

  async listUsers(): Promise<User[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :user)',
      ExpressionAttributeValues: { ':pk': 'USERS', ':user': 'USER#' },
      ConsistentRead: true,
    });
    // SK order is UTF-8 byte order; sort by name as the embedded catalog does (code-unit order).
    return items.map(toUser).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async removeUser(name: string): Promise<boolean> {
    const out = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.user(name), ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  }

  private async queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Key | undefined;
    do {
      const out = await this.client.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

interface Cursor {
  shard: number;
  key?: Key;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor.key ? [cursor.shard, cursor.key] : [cursor.shard])).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && Number.isInteger(parsed[0]) && parsed[0] >= 0 && parsed[0] < LISTING_SHARDS.length) {
      const shard = parsed[0] as number;
      const key: unknown = parsed[1];
      if (key === undefined) return { shard };
      if (isListingKey(key, shard)) return { shard, key };
    }
  } catch {
    // fall through
  }
  throw new CofferError('REQUEST.INVALID', 'invalid cursor');
}

/** Only a key this adapter could have produced is passed on as ExclusiveStartKey. */
function isListingKey(key: unknown, shard: number): key is Key {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return false;
  const entries = Object.entries(key);
  return (
    entries.length === 4 &&
    entries.every(([name, value]) => ['PK', 'SK', 'GSI2PK', 'GSI2SK'].includes(name) && typeof value === 'string') &&
    (key as Key).GSI2PK === `MSGLIST#${LISTING_SHARDS[shard]}`
  );
}

function failed(reason: CancellationReason | undefined): boolean {
  return reason?.Code === 'ConditionalCheckFailed';
}

function tokenKey(tokenHash: string): string {
  return `TOKEN#${tokenHash}`;
}

function toUser(item: Record<string, unknown>): User {
  return {
    name: String(item.name),
    role: String(item.role) as User['role'],
    tokenHash: String(item.tokenHash),
    createdAt: String(item.createdAt),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
