import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { Governance } from '../ports/governance.js';
import type { JobScheduler } from '../ports/job-scheduler.js';
import type { Clock } from '../ports/clock.js';
import type { IdGenerator } from '../ports/id-generator.js';
import type { JobRecord, RetentionPolicy } from '../domain/governance.js';
import type { SearchMessages } from '../search/search-messages.js';
import type { JobProgress } from '../jobs/job-runner.js';
import type { Actor, AuditRecorder } from '../app/actor.js';
import type { QueryNode } from '../query/ast.js';
import type { PreparedDocument } from '../query/evaluate.js';
import { allow } from '../app/actor.js';
import { compileMatcher } from '../query/evaluate.js';
import { parseQuery } from '../query/parser.js';
import { CofferError } from '../errors.js';
import { newJob } from '../holds/holds.js';
import { messageObjectKeys } from '../holds/message-objects.js';

export const DEFAULT_POLICY_ID = 'default';
const DAY_MS = 86_400_000;
const STEP = 200;
const MAX_DAYS = 100 * 366;

export interface RetentionDeps {
  governance: Governance;
  catalog: Catalog;
  blobs: BlobStore;
  search: SearchMessages;
  scheduler: JobScheduler;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditRecorder;
  /** The default policy's period when it is first created. */
  defaultDays: number;
}

/** A policy compiled for intake: does it cover this message? */
export interface CompiledPolicy {
  policy: RetentionPolicy;
  matches(doc: PreparedDocument): boolean;
}

/**
 * Retention policies: a query and a period. The default policy always exists and covers
 * everything; the longest period among the policies that cover a message wins. Changes only
 * ever extend: a shorter period is refused, and existing locks are never shortened.
 */
export class RetentionPolicies {
  constructor(private readonly deps: RetentionDeps) {}

  async list(actor: Actor): Promise<RetentionPolicy[]> {
    allow(actor, []);
    await this.ensureDefault();
    const policies = await this.deps.governance.listPolicies();
    await this.deps.audit.record({ actor: actor.name, role: actor.role, action: 'retention.list', count: policies.length });
    return policies;
  }

  async create(actor: Actor, input: { name: string; query: string; days: number }): Promise<{ policy: RetentionPolicy; job: JobRecord }> {
    allow(actor, []);
    const { governance, clock, ids } = this.deps;
    const name = input.name.trim();
    if (!name) throw new CofferError('REQUEST.INVALID', 'name: a policy needs a name');
    const query = checkQuery(input.query);
    checkDays(input.days);
    const now = clock.now().toISOString();
    const policy: RetentionPolicy = { id: `policy-${ids.next()}`, name, query, days: input.days, isDefault: false, createdAt: now, updatedAt: now, version: 1 };
    await governance.createPolicy(policy);
    await this.audit(actor, 'retention.create', policy);
    return { policy, job: await this.startApply(actor, policy) };
  }

  async update(actor: Actor, id: string, input: { name?: string; query?: string; days?: number }): Promise<{ policy: RetentionPolicy; job: JobRecord }> {
    allow(actor, []);
    await this.ensureDefault();
    const current = await this.deps.governance.getPolicy(id);
    if (!current) throw new CofferError('POLICY.NOT_FOUND', `retention policy ${id} not found`);
    const days = input.days ?? current.days;
    checkDays(days);
    if (days < current.days) throw new CofferError('POLICY.SHORTENS', `days: ${days} is shorter than ${current.days}; retention only ever extends`);
    if (current.isDefault && input.query !== undefined && input.query.trim() !== '') {
      throw new CofferError('REQUEST.INVALID', 'query: the default policy covers every message');
    }
    const query = input.query === undefined ? current.query : checkQuery(input.query);
    const name = input.name?.trim() || current.name;
    const updated = await this.deps.governance.updatePolicy({ ...current, name, query, days, updatedAt: this.deps.clock.now().toISOString() });
    await this.audit(actor, 'retention.update', updated);
    return { policy: updated, job: await this.startApply(actor, updated) };
  }

  /** The policies compiled for matching at intake; the default policy first. */
  async compiled(): Promise<CompiledPolicy[]> {
    await this.ensureDefault();
    const policies = await this.deps.governance.listPolicies();
    return policies
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault))
      .map((policy) => {
        const matcher = policy.query ? compileMatcher(parseQuery(policy.query)) : () => true;
        return { policy, matches: matcher };
      });
  }

  /** The default policy, created from the configured period the first time anything asks. */
  async ensureDefault(): Promise<RetentionPolicy> {
    const { governance, clock } = this.deps;
    const found = await governance.getPolicy(DEFAULT_POLICY_ID);
    if (found) return found;
    const now = clock.now().toISOString();
    const policy: RetentionPolicy = { id: DEFAULT_POLICY_ID, name: 'Default', query: '', days: this.deps.defaultDays, isDefault: true, createdAt: now, updatedAt: now, version: 1 };
    try {
      await governance.createPolicy(policy);
    } catch (err) {
      if (!(err instanceof CofferError && err.code === 'GOVERNANCE.CONFLICT')) throw err;
    }
    return (await governance.getPolicy(DEFAULT_POLICY_ID)) ?? policy;
  }

  private async startApply(actor: Actor, policy: RetentionPolicy): Promise<JobRecord> {
    const job = newJob({ id: `job-${this.deps.ids.next()}`, kind: 'retention.apply', target: policy.id, actor: actor.name, createdAt: this.deps.clock.now().toISOString() });
    await this.deps.governance.createJob(job);
    await this.deps.scheduler.schedule(job.id);
    return job;
  }

  /** One step of applying a policy: a page of its matches get at least received + days. */
  readonly applyStep = async (job: JobRecord): Promise<JobProgress> => {
    const policy = await this.deps.governance.getPolicy(job.target);
    if (!policy) throw new CofferError('POLICY.NOT_FOUND', `retention policy ${job.target} not found`);
    const query: QueryNode = policy.query ? parseQuery(policy.query) : { kind: 'all', span: { start: 1, end: 1 } };
    const page = await this.deps.search.executeQuery(query, { limit: STEP, sort: 'sent:asc', ...(job.cursor ? { cursor: job.cursor } : {}) });
    const records = await this.deps.catalog.getMessages(page.hits.map((h) => h.id));
    for (const record of records) {
      const until = new Date(Date.parse(record.received) + policy.days * DAY_MS);
      await extendMessage(record.id, record.retainUntil, until, this.deps);
    }
    const done = job.done + page.hits.length;
    const total = Math.max(job.cursor ? job.total : page.total, done);
    return { done, total, cursor: page.nextCursor ?? null, finished: !page.nextCursor };
  };

  private async audit(actor: Actor, action: string, policy: RetentionPolicy): Promise<void> {
    await this.deps.audit.record({ actor: actor.name, role: actor.role, action, target: policy.id, query: policy.query, details: { name: policy.name, days: policy.days } });
  }
}

/**
 * Moves a message's retention to `until` when that is later: every object of it in the store
 * first (each only if its own lock ends earlier: later deliveries carry later locks), then the record.
 */
export async function extendMessage(
  id: string,
  recorded: string,
  until: Date,
  deps: { blobs: BlobStore; catalog: Catalog },
  options: { updateCatalog?: boolean } = {},
): Promise<boolean> {
  if (until.getTime() <= Date.parse(recorded)) return false;
  for (const key of await messageObjectKeys(id, deps)) {
    const head = await deps.blobs.head(key);
    if (head && head.retainUntil.getTime() < until.getTime()) await deps.blobs.extendRetention(key, until);
  }
  if (options.updateCatalog !== false) await deps.catalog.setRetention(id, until.toISOString());
  return true;
}

function checkQuery(text: string): string {
  const query = text.trim();
  if (query) parseQuery(query); // a bad query fails with its column
  return query;
}

function checkDays(days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new CofferError('REQUEST.INVALID', `days: a whole number from 1 to ${MAX_DAYS}`);
}
