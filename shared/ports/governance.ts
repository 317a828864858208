import type {
  ApprovalRecord,
  CaseRecord,
  DisposalRecord,
  HoldRecord,
  JobRecord,
  JobStatus,
  RetentionPolicy,
} from '../domain/governance.js';
import type { Page } from './catalog.js';

/** The holds that protect messages now, and the version of the hold set they were read at. */
export interface ActiveHolds {
  version: number;
  /** Status applying, active or releasing: each still protects what it covers. */
  holds: HoldRecord[];
}

/**
 * Cases, holds and their members, jobs, retention policies, approvals and disposal decisions.
 * Not derived from the store: it survives `coffer rebuild` (embedded: its own database file).
 *
 * Updates are optimistic: `update*` takes the record with the version it read and stores it with
 * version + 1, or throws GOVERNANCE.CONFLICT. `create*` throws GOVERNANCE.CONFLICT if the id exists.
 */
export interface Governance {
  createCase(record: CaseRecord): Promise<void>;
  getCase(id: string): Promise<CaseRecord | null>;
  listCases(options: { cursor?: string; limit: number }): Promise<Page<CaseRecord>>;

  /**
   * Stores a new hold with its apply job, and moves the hold-set version on, atomically: a
   * disposal decided under an older version can no longer be claimed (see claimDisposal).
   */
  createHold(hold: HoldRecord, job: JobRecord): Promise<void>;
  getHold(id: string): Promise<HoldRecord | null>;
  listHolds(filter: { caseId?: string }): Promise<HoldRecord[]>;
  /** Optimistic update; moving to or from `released` also moves the hold-set version on. */
  updateHold(hold: HoldRecord): Promise<HoldRecord>;
  activeHolds(): Promise<ActiveHolds>;

  /** Adds members (idempotent); returns the ids that were not members before. */
  addHoldMembers(holdId: string, messageIds: readonly string[]): Promise<string[]>;
  removeHoldMembers(holdId: string, messageIds: readonly string[]): Promise<void>;
  listHoldMembers(holdId: string, options: { cursor?: string; limit: number }): Promise<Page<string>>;
  countHoldMembers(holdId: string): Promise<number>;
  /** Every hold (any status) that has the message as a member. */
  holdsOf(messageId: string): Promise<string[]>;

  createJob(job: JobRecord): Promise<void>;
  getJob(id: string): Promise<JobRecord | null>;
  updateJob(job: JobRecord): Promise<JobRecord>;
  listJobs(filter: { statuses: readonly JobStatus[] }): Promise<JobRecord[]>;

  createPolicy(policy: RetentionPolicy): Promise<void>;
  getPolicy(id: string): Promise<RetentionPolicy | null>;
  updatePolicy(policy: RetentionPolicy): Promise<RetentionPolicy>;
  listPolicies(): Promise<RetentionPolicy[]>;

  createApproval(approval: ApprovalRecord): Promise<void>;
  getApproval(id: string): Promise<ApprovalRecord | null>;
  updateApproval(approval: ApprovalRecord): Promise<ApprovalRecord>;
  /** Approvals in the given status (all when absent); there are few: one per requested release. */
  listApprovals(filter: { status?: ApprovalRecord['status'] }): Promise<ApprovalRecord[]>;

  /**
   * Records the decision to dispose of a message, atomically with two checks: the hold-set
   * version is still `holdsVersion` (no hold was placed or released since the caller evaluated
   * the holds) and the message is a member of no hold. Returns false (and records nothing) when
   * either check fails; true when claimed now or already claimed.
   */
  claimDisposal(record: DisposalRecord, guard: { holdsVersion: number }): Promise<boolean>;
  /** Marks a claimed disposal finished (store, index and catalog cleared). */
  finishDisposal(messageId: string, finishedAt: string): Promise<void>;
  /** Withdraws a claim the store refused (e.g. a store-level legal hold). */
  abandonDisposal(messageId: string): Promise<void>;
  listDisposals(filter: { status: DisposalRecord['status'] }): Promise<DisposalRecord[]>;
  getDisposal(messageId: string): Promise<DisposalRecord | null>;
}
