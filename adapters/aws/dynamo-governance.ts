import { randomUUID } from 'node:crypto';
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Page } from '../../shared/ports/catalog.js';
import type { ActiveHolds, Governance } from '../../shared/ports/governance.js';
import type {
  ApprovalRecord,
  CaseRecord,
  DisposalRecord,
  HoldRecord,
  JobRecord,
  JobStatus,
  RetentionPolicy,
} from '../../shared/domain/governance.js';
import { CofferError } from '../../shared/errors.js';
import { governanceKeys as gk } from './dynamo-table.js';
import type { Key, TransactItem } from './dynamo-table.js';

type Item = Record<string, unknown>;
type Put = NonNullable<TransactItem['Put']>;
type Kind = 'case' | 'hold' | 'job' | 'policy' | 'approval';

const KEY: Record<Kind, (id: string) => { PK: string; SK: string }> = {
  case: gk.case,
  hold: gk.hold,
  job: gk.job,
  policy: gk.policy,
  approval: gk.approval,
};

/** Attempts when a transaction loses to a concurrent one (TransactionConflict) before giving up. */
const MAX_ATTEMPTS = 10;
/** Memberships per transaction: three items each, and a transaction holds at most 100. */
const ITEMS_PER_MEMBER = 3;
const MEMBERS_PER_TRANSACTION = Math.floor(100 / ITEMS_PER_MEMBER);
const RETRY = Symbol('retry');

/**
 * Governance on the catalog's single DynamoDB table (keys in dynamo-table.ts, design in
 * docs/dynamodb-table.md), the same semantics as SqliteGovernance.
 *
 * The two guards of a disposal are items that every competing write touches, so DynamoDB's
 * transaction conflict detection orders them: GOV#HOLDSET (its `version` moves on with every hold
 * placed or released) and the message's HOLDCOUNT (how many holds have it as a member). A claim
 * condition-checks both in the transaction that writes the claim; placing a hold or adding a member
 * writes one of them in its own transaction. Whichever commits first, the other sees it.
 */
export class DynamoGovernance implements Governance {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // --- cases -------------------------------------------------------------------------------------

  async createCase(record: CaseRecord): Promise<void> {
    await this.create('case', record.id, record, 1);
  }

  async getCase(id: string): Promise<CaseRecord | null> {
    return this.read<CaseRecord>(KEY.case(id));
  }

  async listCases(options: { cursor?: string; limit: number }): Promise<Page<CaseRecord>> {
    const page = await this.page(KEY.case(''), options);
    return { ...page, items: page.items.map((item) => parse<CaseRecord>(item)) };
  }

  // --- holds -------------------------------------------------------------------------------------

  async createHold(hold: HoldRecord, job: JobRecord): Promise<void> {
    const items: TransactItem[] = [
      { Put: this.put('hold', hold.id, hold, hold.version) },
      { Put: this.putJob(job) },
      bumpHoldSet(this.tableName),
    ];
    await this.transactOrRetry(`hold ${hold.id}`, items, (reasons) => {
      if (failed(reasons[0])) throw conflict(`hold ${hold.id} already exists`);
      if (failed(reasons[1])) throw conflict(`job ${job.id} already exists`);
    });
  }

  async getHold(id: string): Promise<HoldRecord | null> {
    return this.read<HoldRecord>(KEY.hold(id));
  }

  async listHolds(filter: { caseId?: string }): Promise<HoldRecord[]> {
    const holds = (await this.queryAll(KEY.hold(''))).map((item) => parse<HoldRecord>(item));
    return filter.caseId === undefined ? holds : holds.filter((h) => h.caseId === filter.caseId);
  }

  async updateHold(hold: HoldRecord): Promise<HoldRecord> {
    const before = await this.read<HoldRecord>(KEY.hold(hold.id));
    if (!before || before.version !== hold.version) throw stale('hold', hold);
    if ((before.status === 'released') === (hold.status === 'released')) return this.update('hold', hold);
    // Released or un-released: the hold set changes, so a disposal decided under it must not stand.
    // The version condition makes `before` the stored hold for the whole transaction.
    const next = { ...hold, version: hold.version + 1 };
    const items: TransactItem[] = [
      { Put: this.put('hold', hold.id, next, next.version, hold.version) },
      bumpHoldSet(this.tableName),
    ];
    await this.transactOrRetry(`hold ${hold.id}`, items, (reasons) => {
      if (failed(reasons[0])) throw stale('hold', hold);
    });
    return next;
  }

  /**
   * The holds not released, and the hold-set version they belong to. Every change to that set moves
   * the version on in the same transaction, so an unchanged version read before and after the
   * (possibly paginated) query means the set was read whole at that version.
   */
  async activeHolds(): Promise<ActiveHolds> {
    return retrying('active holds', async () => {
      const version = await this.holdsVersion();
      const holds = (await this.queryAll(KEY.hold(''))).map((item) => parse<HoldRecord>(item));
      if ((await this.holdsVersion()) !== version) return RETRY;
      return { version, holds: holds.filter((h) => h.status !== 'released') };
    });
  }

  private async holdsVersion(): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: gk.holdSet(), ConsistentRead: true }),
    );
    // A table where no hold was ever placed has no hold-set item: version 0 (claimDisposal agrees).
    return Number(Item?.version ?? 0);
  }

  // --- hold members ------------------------------------------------------------------------------

  /**
   * Each new member is three items written together: the member (conditioned on not existing, which
   * makes the call idempotent and tells which ids are new), the membership seen from the message,
   * and the message's hold count that claimDisposal checks. Up to 33 members a transaction; members
   * that exist already are dropped from it and the rest is retried.
   */
  async addHoldMembers(holdId: string, messageIds: readonly string[]): Promise<string[]> {
    const added = new Set<string>();
    await this.inBatches(messageIds, (id) => [
      {
        Put: {
          TableName: this.tableName,
          Item: gk.holdMember(holdId, id),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Put: { TableName: this.tableName, Item: gk.membership(id, holdId) } },
      holdCountUpdate(this.tableName, id, 1),
    ], (committed) => {
      for (const id of committed) added.add(id);
    });
    return [...new Set(messageIds)].filter((id) => added.has(id));
  }

  /** The mirror of addHoldMembers: ids that are not members are skipped, so each count drops once. */
  async removeHoldMembers(holdId: string, messageIds: readonly string[]): Promise<void> {
    await this.inBatches(messageIds, (id) => [
      {
        Delete: {
          TableName: this.tableName,
          Key: gk.holdMember(holdId, id),
          ConditionExpression: 'attribute_exists(PK)',
        },
      },
      { Delete: { TableName: this.tableName, Key: gk.membership(id, holdId) } },
      holdCountUpdate(this.tableName, id, -1),
    ]);
  }

  /**
   * Writes the items of each message id (ITEMS_PER_MEMBER, the first one conditional) in
   * transactions of up to 33 ids. An id whose condition fails is left out — its change is made
   * already — and the rest written again, so every effect, counts included, happens exactly once.
   */
  private async inBatches(
    messageIds: readonly string[],
    itemsOf: (id: string) => TransactItem[],
    onCommit: (ids: readonly string[]) => void = () => undefined,
  ): Promise<void> {
    const unique = [...new Set(messageIds)];
    for (let i = 0; i < unique.length; i += MEMBERS_PER_TRANSACTION) {
      let pending = unique.slice(i, i + MEMBERS_PER_TRANSACTION);
      for (let conflicts = 0; pending.length > 0; ) {
        const reasons = await this.transact(pending.flatMap(itemsOf));
        if (!reasons) {
          onCommit(pending);
          break;
        }
        const settled = new Set(pending.filter((_, n) => failed(reasons[n * ITEMS_PER_MEMBER])));
        if (settled.size > 0) {
          pending = pending.filter((id) => !settled.has(id));
          continue; // their change is made already: write the rest straight away
        }
        retryable(reasons); // throws unless the cancellation was contention
        conflicts += 1;
        if (conflicts >= MAX_ATTEMPTS) throw new CofferError('INTERNAL', `hold members: gave up after ${conflicts} conflicting writes`);
        await backOff(conflicts);
      }
    }
  }

  async listHoldMembers(holdId: string, options: { cursor?: string; limit: number }): Promise<Page<string>> {
    const prefix = gk.holdMember(holdId, '');
    const page = await this.page(prefix, options);
    return { ...page, items: page.items.map((item) => String(item.SK).slice(prefix.SK.length)) };
  }

  async countHoldMembers(holdId: string): Promise<number> {
    const prefix = gk.holdMember(holdId, '');
    let count = 0;
    let start: Key | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          ...this.prefixQuery(prefix),
          Select: 'COUNT',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async holdsOf(messageId: string): Promise<string[]> {
    const prefix = gk.membership(messageId, '');
    return (await this.queryAll(prefix)).map((item) => String(item.SK).slice(prefix.SK.length));
  }

  // --- jobs, policies, approvals -----------------------------------------------------------------

  async createJob(job: JobRecord): Promise<void> {
    await this.send(this.putJob(job), () => conflict(`job ${job.id} already exists`));
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return this.read<JobRecord>(KEY.job(id));
  }

  async updateJob(job: JobRecord): Promise<JobRecord> {
    return this.update('job', job);
  }

  /** Jobs share one partition; the status filter runs in DynamoDB (jobs are few: one per hold, release or sweep). */
  async listJobs(filter: { statuses: readonly JobStatus[] }): Promise<JobRecord[]> {
    const statuses = [...new Set(filter.statuses)];
    if (statuses.length === 0) return [];
    const values = Object.fromEntries(statuses.map((s, i) => [`:s${i}`, s]));
    const items = await this.queryAll(KEY.job(''), {
      FilterExpression: `#status IN (${Object.keys(values).join(', ')})`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    });
    return items.map((item) => parse<JobRecord>(item));
  }

  async createPolicy(policy: RetentionPolicy): Promise<void> {
    await this.create('policy', policy.id, policy, policy.version);
  }

  async getPolicy(id: string): Promise<RetentionPolicy | null> {
    return this.read<RetentionPolicy>(KEY.policy(id));
  }

  async updatePolicy(policy: RetentionPolicy): Promise<RetentionPolicy> {
    return this.update('policy', policy);
  }

  async listPolicies(): Promise<RetentionPolicy[]> {
    return (await this.queryAll(KEY.policy(''))).map((item) => parse<RetentionPolicy>(item));
  }

  async createApproval(approval: ApprovalRecord): Promise<void> {
    await this.create('approval', approval.id, approval, approval.version);
  }

  async getApproval(id: string): Promise<ApprovalRecord | null> {
    return this.read<ApprovalRecord>(KEY.approval(id));
  }

  async updateApproval(approval: ApprovalRecord): Promise<ApprovalRecord> {
    return this.update('approval', approval);
  }

  async listApprovals(filter: { status?: ApprovalRecord['status'] }): Promise<ApprovalRecord[]> {
    const all = (await this.queryAll(KEY.approval(''))).map((item) => parse<ApprovalRecord>(item));
    return filter.status === undefined ? all : all.filter((a) => a.status === filter.status);
  }

  // --- disposals ---------------------------------------------------------------------------------

  /**
   * One transaction: the hold-set version is still the one the caller read, the message is in no
   * hold, and the claim did not exist (a finished disposal of the same id is removed: claimed anew).
   * A claim that exists already counts as claimed if the guards hold now, checked in a second
   * transaction so the answer is the same as if both had been one.
   */
  async claimDisposal(record: DisposalRecord, guard: { holdsVersion: number }): Promise<boolean> {
    const { messageId } = record;
    const guards = [holdSetCheck(this.tableName, guard.holdsVersion), notHeldCheck(this.tableName, messageId)];
    const claim: TransactItem[] = [
      ...guards,
      {
        Put: {
          TableName: this.tableName,
          Item: { ...gk.disposal('claimed', messageId), record: JSON.stringify({ ...record, status: 'claimed' }) },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Delete: { TableName: this.tableName, Key: gk.disposal('done', messageId) } },
    ];
    const stillClaimed: TransactItem[] = [
      ...guards,
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: gk.disposal('claimed', messageId),
          ConditionExpression: 'attribute_exists(PK)',
        },
      },
    ];
    return retrying(`disposal of ${messageId}`, async () => {
      const reasons = await this.transact(claim);
      if (!reasons) return true;
      if (failed(reasons[0]) || failed(reasons[1])) return false;
      if (!failed(reasons[2])) return retryable(reasons);
      const check = await this.transact(stillClaimed);
      if (!check) return true;
      if (failed(check[0]) || failed(check[1])) return false;
      return RETRY; // the claim was withdrawn meanwhile, or a conflict: decide again
    });
  }

  async finishDisposal(messageId: string, finishedAt: string): Promise<void> {
    await retrying(`disposal of ${messageId}`, async () => {
      const current = await this.getDisposal(messageId);
      if (!current) throw conflict(`no disposal claimed for ${messageId}`);
      const done: Put = {
        TableName: this.tableName,
        Item: { ...gk.disposal('done', messageId), record: JSON.stringify({ ...current, status: 'done', finishedAt }) },
      };
      // The record read must still be there: a claim withdrawn or moved meanwhile is read again.
      const exists = 'attribute_exists(PK)';
      const items: TransactItem[] =
        current.status === 'claimed'
          ? [
              { Delete: { TableName: this.tableName, Key: gk.disposal('claimed', messageId), ConditionExpression: exists } },
              { Put: done },
            ]
          : [{ Put: { ...done, ConditionExpression: exists } }];
      const reasons = await this.transact(items);
      if (!reasons) return undefined;
      return reasons.some(failed) ? RETRY : retryable(reasons);
    });
  }

  async abandonDisposal(messageId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: gk.disposal('claimed', messageId) }));
  }

  async listDisposals(filter: { status: DisposalRecord['status'] }): Promise<DisposalRecord[]> {
    return (await this.queryAll(gk.disposal(filter.status, ''))).map((item) => parse<DisposalRecord>(item));
  }

  /** Both places at once (a finish or a new claim moves the record between them in one transaction). */
  async getDisposal(messageId: string): Promise<DisposalRecord | null> {
    const out = await this.client.send(
      new TransactGetCommand({
        TransactItems: (['claimed', 'done'] as const).map((status) => ({
          Get: { TableName: this.tableName, Key: gk.disposal(status, messageId) },
        })),
      }),
    );
    const found = out.Responses?.find((r) => r.Item !== undefined)?.Item;
    return found ? parse<DisposalRecord>(found) : null;
  }

  // --- records -----------------------------------------------------------------------------------

  private async read<T>(key: Key): Promise<T | null> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: '#r',
        ExpressionAttributeNames: { '#r': 'record' },
      }),
    );
    return Item ? parse<T>(Item) : null;
  }

  /**
   * A record item: the record as a JSON string (read whole, round-trips exactly — the catalog's
   * reasoning), its version as a number for the optimistic condition, and for jobs the status the
   * listing filters on. `expected` is the version the write is conditioned on; absent: must not exist.
   */
  private put(kind: Kind, id: string, record: object, version: number, expected?: number): Put {
    const status = kind === 'job' ? { status: (record as JobRecord).status } : {};
    return {
      TableName: this.tableName,
      Item: { ...KEY[kind](id), record: JSON.stringify(record), version, ...status },
      ...(expected === undefined
        ? { ConditionExpression: 'attribute_not_exists(PK)' }
        : {
            ConditionExpression: '#v = :v',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':v': expected },
          }),
    };
  }

  private putJob(job: JobRecord): Put {
    return this.put('job', job.id, job, job.version);
  }

  private async create(kind: Kind, id: string, record: object, version: number): Promise<void> {
    await this.send(this.put(kind, id, record, version), () => conflict(`${kind} ${id} already exists`));
  }

  private async update<T extends { id: string; version: number }>(kind: Kind, record: T): Promise<T> {
    const next = { ...record, version: record.version + 1 };
    await this.send(this.put(kind, record.id, next, next.version, record.version), () => stale(kind, record));
    return next;
  }

  /** A single conditional put; `onConditionFailed` makes the error for a failed condition. */
  private async send(put: Put, onConditionFailed: () => CofferError): Promise<void> {
    try {
      await this.client.send(new PutCommand(put));
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') {
        const error = onConditionFailed();
        throw new CofferError(error.code, error.message, { cause: err });
      }
      throw err;
    }
  }

  // --- transactions, queries, cursors ------------------------------------------------------------

  /**
   * Runs a transaction; undefined when it committed, the cancellation reasons (one per item) when
   * cancelled. The explicit ClientRequestToken makes the SDK's own retries of a request whose answer
   * was lost idempotent: DynamoDB answers the repeat with the first outcome instead of running it again
   * (where the repeat would fail the conditions and misreport, say, which members were new).
   */
  private async transact(items: TransactItem[]): Promise<CancellationReason[] | undefined> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
      return undefined;
    } catch (err) {
      if (err instanceof Error && err.name === 'TransactionCanceledException') {
        return (err as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
      }
      throw err;
    }
  }

  /** A transaction retried while it loses to concurrent ones; `onCancel` throws for failed conditions. */
  private async transactOrRetry(
    what: string,
    items: TransactItem[],
    onCancel: (reasons: CancellationReason[]) => void,
  ): Promise<void> {
    await retrying(what, async () => {
      const reasons = await this.transact(items);
      if (!reasons) return undefined;
      onCancel(reasons);
      return retryable(reasons);
    });
  }

  private prefixQuery(prefix: { PK: string; SK: string }): QueryCommandInput {
    return {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': prefix.PK, ':sk': prefix.SK },
      ConsistentRead: true,
    };
  }

  private async queryAll(
    prefix: { PK: string; SK: string },
    filter?: Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
  ): Promise<Item[]> {
    const base = this.prefixQuery(prefix);
    const values = { ...base.ExpressionAttributeValues, ...filter?.ExpressionAttributeValues };
    const input: QueryCommandInput = { ...base, ...filter, ExpressionAttributeValues: values };
    const items: Item[] = [];
    let start: Key | undefined;
    do {
      const out = await this.client.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Up to `limit` items of a key prefix in key order; the cursor is base64url of DynamoDB's LastEvaluatedKey. */
  private async page(prefix: { PK: string; SK: string }, options: { cursor?: string; limit: number }): Promise<Page<Item>> {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new CofferError('REQUEST.INVALID', 'limit must be a positive integer');
    }
    let start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, prefix);
    const items: Item[] = [];
    do {
      const out = await this.client.send(
        new QueryCommand({
          ...this.prefixQuery(prefix),
          Limit: options.limit - items.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && items.length < options.limit);
    return start ? { items, nextCursor: encodeCursor(start) } : { items };
  }
}

function bumpHoldSet(tableName: string): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: gk.holdSet(),
      UpdateExpression: 'ADD #v :one',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

/** The hold set is still at `version`; a missing item is version 0 (ADD creates it at 1). */
function holdSetCheck(tableName: string, version: number): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: gk.holdSet(),
      ConditionExpression: version === 0 ? 'attribute_not_exists(#v) OR #v = :v' : '#v = :v',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':v': version },
    },
  };
}

/** The message is a member of no hold. Fails closed: only an absent or zero count passes. */
function notHeldCheck(tableName: string, messageId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: gk.holdCount(messageId),
      ConditionExpression: 'attribute_not_exists(#h) OR #h = :zero',
      ExpressionAttributeNames: { '#h': 'holds' },
      ExpressionAttributeValues: { ':zero': 0 },
    },
  };
}

function holdCountUpdate(tableName: string, messageId: string, delta: 1 | -1): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: gk.holdCount(messageId),
      UpdateExpression: 'ADD #h :d',
      ExpressionAttributeNames: { '#h': 'holds' },
      ExpressionAttributeValues: { ':d': delta },
    },
  };
}

/**
 * Runs `attempt` until it returns something other than RETRY, with jittered back-off; RETRY means
 * a concurrent writer won (TransactionConflict) and trying again is safe.
 */
async function retrying<T>(what: string, attempt: () => Promise<T | typeof RETRY>): Promise<T> {
  for (let n = 1; ; n++) {
    const result = await attempt();
    if (result !== RETRY) return result;
    if (n >= MAX_ATTEMPTS) throw new CofferError('INTERNAL', `${what}: gave up after ${n} conflicting writes`);
    await backOff(n);
  }
}

function backOff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** attempt)));
}

/** A cancellation no condition caused: retried if it was contention, an error otherwise. */
function retryable(reasons: CancellationReason[]): typeof RETRY {
  const codes = reasons.map((r) => r.Code ?? 'None').filter((code) => code !== 'None');
  if (codes.every((code) => ['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded'].includes(code))) {
    return RETRY;
  }
  throw new CofferError('INTERNAL', `transaction cancelled: ${codes.join(', ')}`);
}

function failed(reason: CancellationReason | undefined): boolean {
  return reason?.Code === 'ConditionalCheckFailed';
}

function conflict(message: string): CofferError {
  return new CofferError('GOVERNANCE.CONFLICT', message);
}

function stale(kind: Kind, record: { id: string; version: number }): CofferError {
  return conflict(`${kind} ${record.id} changed since version ${record.version} was read`);
}

function parse<T>(item: Item): T {
  return JSON.parse(String(item.record)) as T;
}

function encodeCursor(key: Key): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Only a key of the partition and prefix being listed is passed on as ExclusiveStartKey. */
function decodeCursor(cursor: string, prefix: { PK: string; SK: string }): Key {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof key === 'object' && key !== null && !Array.isArray(key)) {
      const entries = Object.entries(key);
      const { PK, SK } = key as Key;
      if (entries.length === 2 && PK === prefix.PK && typeof SK === 'string' && SK.startsWith(prefix.SK)) {
        return { PK, SK };
      }
    }
  } catch {
    // fall through
  }
  throw new CofferError('REQUEST.INVALID', 'invalid cursor');
}
