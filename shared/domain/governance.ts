/**
 * Records of governance: cases, legal holds, retention policies, background jobs and approvals
 * (API.md "Resources"). Times are ISO 8601 UTC strings; ids are opaque.
 */

export interface CaseRecord {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
  createdBy: string;
}

/** What a hold covers: every given criterion must match (AND); custodians match any of the list. */
export interface HoldScope {
  custodians?: string[];
  /** Query language text (QUERY.md). */
  query?: string;
  /** Inclusive whole UTC days, YYYY-MM-DD, on the sent date. */
  sentFrom?: string;
  sentTo?: string;
}

export type HoldStatus = 'applying' | 'active' | 'releasing' | 'released';

export interface HoldRelease {
  reason: string;
  requestedBy: string;
  requestedAt: string;
  /** Set when dual control made a second officer approve. */
  approvedBy: string | null;
  jobId: string | null;
}

export interface HoldRecord {
  id: string;
  caseId: string;
  name: string;
  scope: HoldScope;
  status: HoldStatus;
  createdAt: string;
  createdBy: string;
  /** The job that applies the hold to the messages that existed when it was placed. */
  applyJobId: string;
  release: HoldRelease | null;
  releasedAt: string | null;
  /** Optimistic concurrency: each update must name the version it read. */
  version: number;
}

export type JobKind = 'hold.apply' | 'hold.release' | 'retention.apply' | 'disposition';
export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** Long work, resumable: `cursor` says where to continue after a restart. */
export interface JobRecord {
  id: string;
  kind: JobKind;
  /** The hold or policy the job works for. */
  target: string;
  actor: string;
  status: JobStatus;
  done: number;
  total: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  cursor: string | null;
  version: number;
}

export interface RetentionPolicy {
  id: string;
  name: string;
  /** Query language text; the default policy's is empty (matches everything). */
  query: string;
  days: number;
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

/** Dual control: a hold release waits for a second officer. */
export interface ApprovalRecord {
  id: string;
  action: 'hold.release';
  target: string;
  reason: string;
  requestedBy: string;
  requestedAt: string;
  status: ApprovalStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  version: number;
}

/** The decision to dispose of one message, taken under the hold set of a given version. */
export interface DisposalRecord {
  messageId: string;
  sha256: string;
  status: 'claimed' | 'done';
  retainUntil: string;
  sent: string;
  received: string;
  policyId: string | null;
  claimedAt: string;
  finishedAt: string | null;
}
