import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { CofferError } from '../../shared/errors.js';
import { GENESIS_HASH } from '../../shared/ports/audit-log.js';
import type { AuditEntry, AuditFilter, AuditHead, AuditLog } from '../../shared/ports/audit-log.js';
import type { Page } from '../../shared/ports/catalog.js';

/**
 * Audit items in the catalog's single table (docs/dynamodb-table.md, "Audit"):
 *
 *   entry   PK=AUDIT#<floor(seq / 100000)>  SK=<seq, 12 digits>   seq, at, actor, role, action, target?, query?, count?, details?, prevHash, hash
 *   head    PK=AUDIT#HEAD                   SK=HEAD               seq, hash, at
 *
 * Entries are stored as plain attributes (not a JSON string as catalog records are): there is one
 * copy of each field, FilterExpressions can read actor and action, and a row reads back as the
 * entry that was hashed (canonical JSON ignores attribute order). Seq buckets of 100,000 keep each
 * partition's collection bounded; a bucket is read as one SK range.
 */
export const AUDIT_BUCKET_SIZE = 100_000;
const SEQ_DIGITS = 12;
const HEAD_KEY = { PK: 'AUDIT#HEAD', SK: 'HEAD' } as const;
/** Queries one list page may issue before it returns what it has, with a cursor (bounds a selective filter's work). */
const MAX_LIST_QUERIES = 10;
/** Entries evaluated per filtered Query. */
const FILTERED_QUERY_LIMIT = 1000;

export const auditKeys = {
  entry: (seq: number, bucketSize = AUDIT_BUCKET_SIZE) => ({ PK: `AUDIT#${Math.floor(seq / bucketSize)}`, SK: padSeq(seq) }),
  head: () => ({ ...HEAD_KEY }),
};

export interface DynamoAuditLogOptions {
  /** Entries per partition; only tests change it (to cross partitions with a few entries). */
  bucketSize?: number;
}

export class DynamoAuditLog implements AuditLog {
  private readonly bucketSize: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoAuditLogOptions = {},
  ) {
    this.bucketSize = options.bucketSize ?? AUDIT_BUCKET_SIZE;
    if (!Number.isSafeInteger(this.bucketSize) || this.bucketSize < 1) {
      throw new CofferError('CONFIG.INVALID', `audit bucket size must be a whole number ≥ 1, got ${this.bucketSize}`);
    }
  }

  async head(): Promise<AuditHead | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: auditKeys.head(), ConsistentRead: true }),
    );
    return Item ? { seq: Number(Item.seq), hash: String(Item.hash), at: String(Item.at) } : null;
  }

  /**
   * One transaction: the entry, conditioned on its key being free, and the head, conditioned on
   * still being the entry's predecessor (seq, hash, and a time not after the entry's). A writer that
   * lost the race fails a condition and writes nothing. The head is replaced with a Put, so the
   * roles never need UpdateItem or DeleteItem on `AUDIT#` items (docs/dynamodb-table.md).
   */
  async append(entry: AuditEntry): Promise<void> {
    if (!Number.isSafeInteger(entry.seq) || entry.seq < 1) throw conflict(`seq ${entry.seq} is not a position in the log`);
    if (entry.seq === 1 && entry.prevHash !== GENESIS_HASH) throw conflict('entry 1 does not link to the genesis hash');
    const headCondition =
      entry.seq === 1
        ? { ConditionExpression: 'attribute_not_exists(PK)' }
        : {
            ConditionExpression: '#seq = :prevSeq AND #hash = :prevHash AND #at <= :at',
            ExpressionAttributeNames: { '#seq': 'seq', '#hash': 'hash', '#at': 'at' },
            ExpressionAttributeValues: { ':prevSeq': entry.seq - 1, ':prevHash': entry.prevHash, ':at': entry.at },
          };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...this.key(entry.seq), ...toItem(entry) },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...auditKeys.head(), seq: entry.seq, hash: entry.hash, at: entry.at },
                ...headCondition,
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (err instanceof Error && err.name === 'TransactionCanceledException') {
        const reasons = (err as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) {
          throw conflict(`entry ${entry.seq} does not extend the head`, err);
        }
      }
      throw err;
    }
  }

  async range(fromSeq: number, limit: number): Promise<AuditEntry[]> {
    const head = await this.head();
    const entries: AuditEntry[] = [];
    if (!head) return entries;
    // Bucket by bucket up to the head: a bucket emptied by tampering does not end the walk early.
    for (let seq = Math.max(fromSeq, 1); seq <= head.seq && entries.length < limit; seq = this.bucketEnd(seq) + 1) {
      const input: QueryCommandInput = {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lo AND :hi',
        ExpressionAttributeValues: {
          ':pk': this.key(seq).PK,
          ':lo': padSeq(seq),
          ':hi': padSeq(Math.min(head.seq, this.bucketEnd(seq))),
        },
        ConsistentRead: true,
      };
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.client.send(
          new QueryCommand({ ...input, Limit: limit - entries.length, ...(start ? { ExclusiveStartKey: start } : {}) }),
        );
        entries.push(...(out.Items ?? []).map(toEntry));
        start = out.LastEvaluatedKey;
      } while (start && entries.length < limit);
    }
    return entries;
  }

  /**
   * Newest first. Time bounds become a seq range (seq order is time order: append refuses an
   * entry dated before the head) found by binary search; actor and action are FilterExpressions
   * over that range, read bucket by bucket downwards.
   */
  async list(filter: AuditFilter): Promise<Page<AuditEntry>> {
    const before = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const head = await this.head();
    if (!head) return { items: [] };
    let hi = before === undefined ? head.seq : Math.min(head.seq, before - 1);
    const lo = filter.from ? await this.firstAtOrAfter(filter.from.toISOString(), 1, hi) : 1;
    if (filter.to) hi = (await this.firstAtOrAfter(filter.to.toISOString(), lo, hi)) - 1;

    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const conditions: string[] = [];
    if (filter.actor !== undefined) {
      names['#actor'] = 'actor';
      values[':actor'] = filter.actor;
      conditions.push('#actor = :actor');
    }
    if (filter.action !== undefined) {
      names['#action'] = 'action';
      values[':action'] = filter.action;
      conditions.push('#action = :action');
    }
    const filtered = conditions.length > 0;

    const items: AuditEntry[] = [];
    let queries = 0;
    let top = hi; // every entry above `top` (within the range) has been looked at
    while (top >= lo && items.length < filter.limit) {
      if (queries >= MAX_LIST_QUERIES) return { items, nextCursor: String(top + 1) };
      const bucketLow = Math.max(lo, this.bucketStart(top));
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': this.key(top).PK, ':lo': padSeq(bucketLow), ':hi': padSeq(top), ...values },
          ...(filtered ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: filtered ? FILTERED_QUERY_LIMIT : filter.limit - items.length,
        }),
      );
      queries++;
      for (const item of out.Items ?? []) {
        if (items.length === filter.limit) break;
        items.push(toEntry(item));
      }
      const last = items[items.length - 1];
      if (items.length === filter.limit && last) return { items, nextCursor: String(last.seq) };
      top = out.LastEvaluatedKey ? Number(out.LastEvaluatedKey.SK) - 1 : bucketLow - 1;
    }
    return { items };
  }

  private key(seq: number): { PK: string; SK: string } {
    return auditKeys.entry(seq, this.bucketSize);
  }

  private bucketStart(seq: number): number {
    return Math.floor(seq / this.bucketSize) * this.bucketSize;
  }

  private bucketEnd(seq: number): number {
    return this.bucketStart(seq) + this.bucketSize - 1;
  }

  /** The smallest seq in [lo, hi] dated at or after `instant`, or hi + 1 when there is none. */
  private async firstAtOrAfter(instant: string, lo: number, hi: number): Promise<number> {
    let low = lo;
    let high = hi + 1;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if ((await this.atOf(mid)) >= instant) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  private async atOf(seq: number): Promise<string> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: this.key(seq),
        ConsistentRead: true,
        ProjectionExpression: '#at',
        ExpressionAttributeNames: { '#at': 'at' },
      }),
    );
    if (!Item) throw new CofferError('INTERNAL', `audit entry ${seq} is missing; run audit verify`);
    return String(Item.at);
  }
}

function toItem(entry: AuditEntry): Record<string, unknown> {
  const item: Record<string, unknown> = {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    role: entry.role,
    action: entry.action,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
  if (entry.target !== undefined) item.target = entry.target;
  if (entry.query !== undefined) item.query = entry.query;
  if (entry.count !== undefined) item.count = entry.count;
  if (entry.details !== undefined) item.details = entry.details;
  return item;
}

function toEntry(item: Record<string, unknown>): AuditEntry {
  return {
    seq: Number(item.seq),
    at: String(item.at),
    actor: String(item.actor),
    role: String(item.role) as AuditEntry['role'],
    action: String(item.action),
    ...(item.target !== undefined ? { target: String(item.target) } : {}),
    ...(item.query !== undefined ? { query: String(item.query) } : {}),
    ...(item.count !== undefined ? { count: Number(item.count) } : {}),
    ...(item.details !== undefined ? { details: item.details as NonNullable<AuditEntry['details']> } : {}),
    prevHash: String(item.prevHash),
    hash: String(item.hash),
  };
}

function padSeq(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0');
}

function conflict(reason: string, cause?: unknown): CofferError {
  return new CofferError('AUDIT.CONFLICT', `audit append refused: ${reason}`, cause === undefined ? {} : { cause });
}

/** The cursor is a seq: the next page holds entries below it. */
function decodeCursor(cursor: string): number {
  if (/^[1-9][0-9]{0,15}$/.test(cursor) && Number.isSafeInteger(Number(cursor))) return Number(cursor);
  throw new CofferError('REQUEST.INVALID', 'invalid cursor');
}
