import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Governance } from '../../shared/ports/governance.js';
import type { DisposalRecord, HoldRecord, JobRecord, RetentionPolicy } from '../../shared/domain/governance.js';
import { CofferError } from '../../shared/errors.js';

export interface GovernanceHarness {
  governance: Governance;
  cleanup(): Promise<void>;
}

const at = '2026-01-01T00:00:00.000Z';
let serial = 0;

export function aHold(overrides: Partial<HoldRecord> = {}): HoldRecord {
  serial += 1;
  return {
    id: `hold-${serial}`,
    caseId: 'case-1',
    name: `Hold ${serial}`,
    scope: { custodians: ['alice@example.com'], query: 'merger' },
    status: 'applying',
    createdAt: at,
    createdBy: 'officer',
    applyJobId: `job-for-hold-${serial}`,
    release: null,
    releasedAt: null,
    version: 1,
    ...overrides,
  };
}

export function aJob(overrides: Partial<JobRecord> = {}): JobRecord {
  serial += 1;
  return {
    id: `job-${serial}`,
    kind: 'hold.apply',
    target: 'hold-x',
    actor: 'officer',
    status: 'queued',
    done: 0,
    total: 0,
    createdAt: at,
    startedAt: null,
    finishedAt: null,
    error: null,
    cursor: null,
    version: 1,
    ...overrides,
  };
}

function aDisposal(messageId: string): DisposalRecord {
  return { messageId, sha256: messageId, status: 'claimed', retainUntil: at, sent: at, received: at, policyId: 'default', claimedAt: at, finishedAt: null };
}

async function conflict(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CofferError);
  return (err as CofferError).code;
}

/** One behaviour for every Governance adapter (SQLite, DynamoDB). */
export function governanceContract(name: string, makeHarness: () => Promise<GovernanceHarness>): void {
  describe(`Governance contract: ${name}`, () => {
    let harness: GovernanceHarness;
    let g: Governance;
    beforeEach(async () => {
      harness = await makeHarness();
      g = harness.governance;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('creates cases once and pages through them', async () => {
      for (let i = 0; i < 5; i++) {
        await g.createCase({ id: `case-${i}`, name: `Matter ${i}`, description: i === 0 ? 'first' : null, createdAt: at, createdBy: 'officer' });
      }
      expect(await conflict(g.createCase({ id: 'case-0', name: 'again', description: null, createdAt: at, createdBy: 'x' }))).toBe('GOVERNANCE.CONFLICT');
      expect((await g.getCase('case-0'))?.description).toBe('first');
      expect((await g.getCase('case-0'))?.name).toBe('Matter 0');
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await g.listCases({ limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual(['case-0', 'case-1', 'case-2', 'case-3', 'case-4']);
      expect(await g.getCase('nope')).toBeNull();
    });

    it('creates a hold with its job and moves the hold-set version on', async () => {
      const before = await g.activeHolds();
      const hold = aHold({ caseId: 'case-a' });
      const job = aJob({ id: hold.applyJobId, target: hold.id });
      await g.createHold(hold, job);
      const after = await g.activeHolds();
      expect(after.version).toBeGreaterThan(before.version);
      expect(after.holds.map((h) => h.id)).toContain(hold.id);
      expect((await g.getJob(job.id))?.target).toBe(hold.id);
      expect((await g.listHolds({ caseId: 'case-a' })).map((h) => h.id)).toEqual([hold.id]);
      expect(await g.listHolds({ caseId: 'other' })).toEqual([]);
      expect(await conflict(g.createHold(hold, aJob()))).toBe('GOVERNANCE.CONFLICT');
    });

    it('updates holds optimistically; a stale version is a conflict', async () => {
      const hold = aHold();
      await g.createHold(hold, aJob({ id: hold.applyJobId }));
      const active = await g.updateHold({ ...hold, status: 'active' });
      expect(active.version).toBe(hold.version + 1);
      expect(await conflict(g.updateHold({ ...hold, status: 'releasing' }))).toBe('GOVERNANCE.CONFLICT');
      expect((await g.getHold(hold.id))?.status).toBe('active');
    });

    it('releasing a hold moves the version on and drops it from the active set', async () => {
      const hold = aHold();
      await g.createHold(hold, aJob({ id: hold.applyJobId }));
      const { version } = await g.activeHolds();
      await g.updateHold({ ...hold, status: 'released', releasedAt: at });
      const after = await g.activeHolds();
      expect(after.version).toBeGreaterThan(version);
      expect(after.holds.map((h) => h.id)).not.toContain(hold.id);
    });

    it('keeps hold membership idempotent, paged, and answerable per message', async () => {
      const a = aHold();
      const b = aHold();
      await g.createHold(a, aJob({ id: a.applyJobId }));
      await g.createHold(b, aJob({ id: b.applyJobId }));
      const ids = Array.from({ length: 7 }, (_, i) => `m${i}`);
      expect(await g.addHoldMembers(a.id, ids)).toEqual(ids);
      expect(await g.addHoldMembers(a.id, ['m0', 'm7'])).toEqual(['m7']);
      await g.addHoldMembers(b.id, ['m0']);
      expect(await g.countHoldMembers(a.id)).toBe(8);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await g.listHoldMembers(a.id, { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual([...ids, 'm7'].sort());
      expect((await g.holdsOf('m0')).sort()).toEqual([a.id, b.id].sort());
      await g.removeHoldMembers(a.id, ['m0']);
      expect(await g.holdsOf('m0')).toEqual([b.id]);
      expect(await g.countHoldMembers(a.id)).toBe(7);
    });

    it('stores jobs and lists them by status', async () => {
      const job = aJob();
      await g.createJob(job);
      const running = await g.updateJob({ ...job, status: 'running', done: 5, total: 10, cursor: 'c1' });
      expect(await conflict(g.updateJob({ ...job, status: 'failed' }))).toBe('GOVERNANCE.CONFLICT');
      expect((await g.listJobs({ statuses: ['running'] })).map((j) => j.id)).toContain(job.id);
      expect((await g.listJobs({ statuses: ['queued'] })).map((j) => j.id)).not.toContain(job.id);
      await g.updateJob({ ...running, status: 'done', done: 10 });
      expect((await g.getJob(job.id))?.cursor).toBe('c1');
      expect((await g.getJob(job.id))?.status).toBe('done');
    });

    it('stores retention policies with optimistic updates', async () => {
      const policy: RetentionPolicy = { id: 'p1', name: 'Finance', query: 'custodian:@finance.example.com', days: 3650, isDefault: false, createdAt: at, updatedAt: at, version: 1 };
      await g.createPolicy(policy);
      const updated = await g.updatePolicy({ ...policy, days: 4000 });
      expect(updated.version).toBe(2);
      expect(await conflict(g.updatePolicy({ ...policy, days: 5000 }))).toBe('GOVERNANCE.CONFLICT');
      expect((await g.listPolicies()).find((p) => p.id === 'p1')?.days).toBe(4000);
    });

    it('stores approvals with optimistic updates', async () => {
      const approval = { id: 'ap1', action: 'hold.release' as const, target: 'h', reason: 'matter closed', requestedBy: 'ann', requestedAt: at, status: 'pending' as const, decidedBy: null, decidedAt: null, version: 1 };
      await g.createApproval(approval);
      await g.updateApproval({ ...approval, status: 'approved', decidedBy: 'bob', decidedAt: at });
      expect(await conflict(g.updateApproval({ ...approval, status: 'rejected' }))).toBe('GOVERNANCE.CONFLICT');
      expect((await g.getApproval('ap1'))?.decidedBy).toBe('bob');
      await g.createApproval({ ...approval, id: 'ap2' });
      expect((await g.listApprovals({ status: 'pending' })).map((a) => a.id)).toEqual(['ap2']);
      expect((await g.listApprovals({})).map((a) => a.id).sort()).toEqual(['ap1', 'ap2']);
    });

    it('claims a disposal only under the hold-set version read, and never for a held message', async () => {
      const { version } = await g.activeHolds();
      expect(await g.claimDisposal(aDisposal('free'), { holdsVersion: version })).toBe(true);
      expect((await g.getDisposal('free'))?.status).toBe('claimed');

      const hold = aHold();
      await g.createHold(hold, aJob({ id: hold.applyJobId }));
      // A hold placed after the sweep read the holds: the sweep's decision no longer stands.
      expect(await g.claimDisposal(aDisposal('late'), { holdsVersion: version })).toBe(false);
      expect(await g.getDisposal('late')).toBeNull();

      const now = (await g.activeHolds()).version;
      await g.addHoldMembers(hold.id, ['held']);
      expect(await g.claimDisposal(aDisposal('held'), { holdsVersion: now })).toBe(false);
      expect(await g.claimDisposal(aDisposal('late'), { holdsVersion: now })).toBe(true);

      await g.finishDisposal('free', at);
      expect((await g.listDisposals({ status: 'done' })).map((d) => d.messageId)).toEqual(['free']);
      expect((await g.listDisposals({ status: 'claimed' })).map((d) => d.messageId)).toEqual(['late']);
      await g.abandonDisposal('late');
      expect(await g.getDisposal('late')).toBeNull();
    });

    it('lets only one of two racing claims and hold placements win consistently', async () => {
      const { version } = await g.activeHolds();
      const hold = aHold();
      const [claimed] = await Promise.all([
        g.claimDisposal(aDisposal('race'), { holdsVersion: version }),
        g.createHold(hold, aJob({ id: hold.applyJobId })),
      ]);
      // Either the claim came first (then the hold was placed after the decision), or it saw the new version.
      const disposal = await g.getDisposal('race');
      expect(disposal !== null).toBe(claimed);
    });
  });
}
