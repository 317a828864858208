import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog, Page } from '../ports/catalog.js';
import type { Governance } from '../ports/governance.js';
import type { JobScheduler } from '../ports/job-scheduler.js';
import type { Clock } from '../ports/clock.js';
import type { IdGenerator } from '../ports/id-generator.js';
import type { ApprovalRecord, HoldRecord, HoldScope, JobRecord } from '../domain/governance.js';
import type { SearchHit, SearchMessages } from '../search/search-messages.js';
import type { JobProgress } from '../jobs/job-runner.js';
import type { Actor, AuditRecorder } from '../app/actor.js';
import { allow } from '../app/actor.js';
import { CofferError } from '../errors.js';
import { normaliseScope, scopeToQuery } from './hold-scope.js';
import { protectMessage, unprotectIfFree } from './protection.js';

const PLACE_ROLES = ['officer', 'legal-api'] as const;
const READ_ROLES = ['officer', 'legal-api', 'auditor'] as const;
/** Messages per job step: one search page, then their memberships and store holds. */
const STEP = 200;
const SAMPLE = 10;
const MAX_PAGE = 500;

export interface HoldDeps {
  governance: Governance;
  catalog: Catalog;
  blobs: BlobStore;
  search: SearchMessages;
  scheduler: JobScheduler;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditRecorder;
  /** Dual control: a release waits for a second officer's approval. */
  dualControl: boolean;
}

export interface HoldView extends HoldRecord {
  members: number;
}

/**
 * Legal holds. Placing one stores it (from then on new mail is matched at intake) and starts a
 * job that applies it to the existing matches; release clears a message's store-level hold only
 * when no other live hold covers it.
 */
export class Holds {
  constructor(private readonly deps: HoldDeps) {}

  /** A dry run: how many messages the scope covers now, and a sample; changes nothing. */
  async preview(actor: Actor, scope: HoldScope): Promise<{ count: number; sample: SearchHit[] }> {
    allow(actor, PLACE_ROLES);
    const normalised = normaliseScope(scope);
    const result = await this.deps.search.executeQuery(scopeToQuery(normalised), { limit: SAMPLE, sort: 'sent:desc' });
    await this.audit(actor, 'hold.preview', undefined, normalised, result.total);
    return { count: result.total, sample: result.hits };
  }

  async place(actor: Actor, input: { caseId: string; name: string; scope: HoldScope }): Promise<{ hold: HoldView; job: JobRecord }> {
    allow(actor, PLACE_ROLES);
    const { governance, clock, ids } = this.deps;
    const scope = normaliseScope(input.scope);
    const name = input.name.trim();
    if (!name) throw new CofferError('REQUEST.INVALID', 'name: a hold needs a name');
    if (!(await governance.getCase(input.caseId))) throw new CofferError('CASE.NOT_FOUND', `case ${input.caseId} not found`);
    const now = clock.now().toISOString();
    const id = `hold-${ids.next()}`;
    const job = newJob({ id: `job-${ids.next()}`, kind: 'hold.apply', target: id, actor: actor.name, createdAt: now });
    const hold: HoldRecord = {
      id,
      caseId: input.caseId,
      name,
      scope,
      status: 'applying',
      createdAt: now,
      createdBy: actor.name,
      applyJobId: job.id,
      release: null,
      releasedAt: null,
      version: 1,
    };
    await governance.createHold(hold, job);
    await this.audit(actor, 'hold.create', id, scope);
    await this.deps.scheduler.schedule(job.id);
    return { hold: { ...hold, members: 0 }, job };
  }

  async get(actor: Actor, id: string): Promise<HoldView> {
    allow(actor, READ_ROLES);
    const hold = await this.find(id);
    await this.audit(actor, 'hold.read', id);
    return { ...hold, members: await this.deps.governance.countHoldMembers(id) };
  }

  async list(actor: Actor, filter: { caseId?: string }): Promise<HoldView[]> {
    allow(actor, READ_ROLES);
    const holds = await this.deps.governance.listHolds(filter);
    await this.audit(actor, 'hold.list', filter.caseId, undefined, holds.length);
    return Promise.all(holds.map(async (h) => ({ ...h, members: await this.deps.governance.countHoldMembers(h.id) })));
  }

  async members(actor: Actor, id: string, options: { cursor?: string; limit?: number }): Promise<Page<string>> {
    allow(actor, PLACE_ROLES);
    await this.find(id);
    const limit = Math.min(Math.max(options.limit ?? 100, 1), MAX_PAGE);
    const page = await this.deps.governance.listHoldMembers(id, { limit, ...(options.cursor ? { cursor: options.cursor } : {}) });
    await this.audit(actor, 'hold.members', id, undefined, page.items.length);
    return page;
  }

  /** Starts the release, or asks for a second officer's approval when dual control is on. */
  async release(actor: Actor, id: string, reason: string): Promise<{ job: JobRecord } | { approval: ApprovalRecord }> {
    allow(actor, PLACE_ROLES);
    const text = reason.trim();
    if (!text) throw new CofferError('REQUEST.INVALID', 'reason: a release must say why');
    const hold = await this.find(id);
    if (hold.status === 'releasing' || hold.status === 'released') throw new CofferError('HOLD.STATE', `hold ${id} is already ${hold.status}`);
    if (this.deps.dualControl) {
      const waiting = (await this.deps.governance.listApprovals({ status: 'pending' })).find((a) => a.target === id);
      if (waiting) throw new CofferError('APPROVAL.STATE', `a release of hold ${id} already waits for approval ${waiting.id}`);
      const approval: ApprovalRecord = {
        id: `approval-${this.deps.ids.next()}`,
        action: 'hold.release',
        target: id,
        reason: text,
        requestedBy: actor.name,
        requestedAt: this.deps.clock.now().toISOString(),
        status: 'pending',
        decidedBy: null,
        decidedAt: null,
        version: 1,
      };
      await this.deps.governance.createApproval(approval);
      await this.audit(actor, 'hold.release.request', id, undefined, undefined, { reason: text, approval: approval.id });
      return { approval };
    }
    return { job: await this.startRelease(actor, hold, text, { requestedBy: actor.name, approvedBy: null }) };
  }

  /** The second officer's decision on a dual-control release; the requester cannot approve it. */
  async decide(actor: Actor, approvalId: string, approve: boolean): Promise<{ approval: ApprovalRecord; job?: JobRecord }> {
    allow(actor, PLACE_ROLES);
    const { governance, clock } = this.deps;
    const approval = await governance.getApproval(approvalId);
    if (!approval) throw new CofferError('APPROVAL.NOT_FOUND', `approval ${approvalId} not found`);
    if (approval.status !== 'pending') throw new CofferError('APPROVAL.STATE', `approval ${approvalId} is already ${approval.status}`);
    if (approval.requestedBy === actor.name) throw new CofferError('APPROVAL.SELF', 'dual control: a second officer must decide');
    const hold = await this.find(approval.target);
    if (approve && (hold.status === 'releasing' || hold.status === 'released')) {
      throw new CofferError('HOLD.STATE', `hold ${hold.id} is already ${hold.status}`);
    }
    // Optimistic: of two officers deciding at once, one gets GOVERNANCE.CONFLICT and nothing else happens.
    const decided = await governance.updateApproval({
      ...approval,
      status: approve ? 'approved' : 'rejected',
      decidedBy: actor.name,
      decidedAt: clock.now().toISOString(),
    });
    if (!approve) {
      await this.audit(actor, 'hold.release.reject', approval.target, undefined, undefined, { approval: approvalId });
      return { approval: decided };
    }
    const job = await this.startRelease(actor, hold, approval.reason, { requestedBy: approval.requestedBy, approvedBy: actor.name });
    return { approval: decided, job };
  }

  /** Releases waiting for a second officer (dual control), oldest first. */
  async pendingApprovals(actor: Actor): Promise<ApprovalRecord[]> {
    allow(actor, READ_ROLES);
    const pending = await this.deps.governance.listApprovals({ status: 'pending' });
    await this.audit(actor, 'approval.list', undefined, undefined, pending.length);
    return pending.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  }

  private async startRelease(actor: Actor, hold: HoldRecord, reason: string, by: { requestedBy: string; approvedBy: string | null }): Promise<JobRecord> {
    const { governance, clock, ids } = this.deps;
    const now = clock.now().toISOString();
    const job = newJob({ id: `job-${ids.next()}`, kind: 'hold.release', target: hold.id, actor: actor.name, createdAt: now });
    await governance.updateHold({
      ...hold,
      status: 'releasing',
      release: { reason, requestedBy: by.requestedBy, requestedAt: now, approvedBy: by.approvedBy, jobId: job.id },
    });
    await governance.createJob(job);
    await this.audit(actor, 'hold.release', hold.id, undefined, undefined, {
      reason,
      requestedBy: by.requestedBy,
      ...(by.approvedBy ? { approvedBy: by.approvedBy } : {}),
    });
    await this.deps.scheduler.schedule(job.id);
    return job;
  }

  /** One step of applying a hold: a page of current matches becomes members, then store-held. */
  readonly applyStep = async (job: JobRecord): Promise<JobProgress> => {
    const { governance } = this.deps;
    const hold = await this.find(job.target);
    if (hold.status !== 'applying') return { done: job.done, total: job.total, cursor: job.cursor, finished: true };
    const page = await this.deps.search.executeQuery(scopeToQuery(hold.scope), {
      limit: STEP,
      sort: 'sent:asc',
      ...(job.cursor ? { cursor: job.cursor } : {}),
    });
    const ids = page.hits.map((h) => h.id);
    // Membership first: a concurrent release of another hold then sees this one before clearing.
    await governance.addHoldMembers(hold.id, ids);
    for (const id of ids) await protectMessage(id, this.deps);
    const done = job.done + ids.length;
    const total = Math.max(job.cursor ? job.total : page.total, done);
    if (page.nextCursor) return { done, total, cursor: page.nextCursor, finished: false };
    await governance.updateHold({ ...hold, status: 'active' });
    await this.deps.audit.record({ actor: job.actor, role: 'system', action: 'hold.applied', target: hold.id, count: await governance.countHoldMembers(hold.id) });
    return { done, total, cursor: null, finished: true };
  };

  /** One step of a release: clears the store hold of members no other live hold covers, then drops them. */
  readonly releaseStep = async (job: JobRecord): Promise<JobProgress> => {
    const { governance, clock } = this.deps;
    const hold = await this.find(job.target);
    const total = job.total || (await governance.countHoldMembers(hold.id));
    // Always the first page: released members leave the list, so a resumed job starts where it stopped.
    const page = await governance.listHoldMembers(hold.id, { limit: STEP });
    for (const id of page.items) await unprotectIfFree(id, { ...this.deps, exceptHoldId: hold.id });
    await governance.removeHoldMembers(hold.id, page.items);
    const done = job.done + page.items.length;
    if (page.items.length === STEP) return { done, total, cursor: null, finished: false };
    const current = await this.find(hold.id);
    if (current.status !== 'released') await governance.updateHold({ ...current, status: 'released', releasedAt: clock.now().toISOString() });
    await this.deps.audit.record({ actor: job.actor, role: 'system', action: 'hold.released', target: hold.id, count: done });
    return { done, total, cursor: null, finished: true };
  };

  private async find(id: string): Promise<HoldRecord> {
    const hold = await this.deps.governance.getHold(id);
    if (!hold) throw new CofferError('HOLD.NOT_FOUND', `hold ${id} not found`);
    return hold;
  }

  private async audit(
    actor: Actor,
    action: string,
    target: string | undefined,
    scope?: HoldScope,
    count?: number,
    details?: Record<string, string>,
  ): Promise<void> {
    await this.deps.audit.record({
      actor: actor.name,
      role: actor.role,
      action,
      ...(target ? { target } : {}),
      ...(scope ? { query: JSON.stringify(scope) } : {}),
      ...(count !== undefined ? { count } : {}),
      ...(details ? { details } : {}),
    });
  }
}

export function newJob(input: Pick<JobRecord, 'id' | 'kind' | 'target' | 'actor' | 'createdAt'>): JobRecord {
  return { ...input, status: 'queued', done: 0, total: 0, startedAt: null, finishedAt: null, error: null, cursor: null, version: 1 };
}
