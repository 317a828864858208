import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestAws } from '../support/aws.js';
import { buildUseCases } from '../../shared/app/use-cases.js';
import type { UseCases } from '../../shared/app/use-cases.js';
import type { Actor } from '../../shared/app/actor.js';
import type { BlobStore } from '../../shared/ports/blob-store.js';
import type { Catalog } from '../../shared/ports/catalog.js';
import type { Governance } from '../../shared/ports/governance.js';
import type { AuditLog } from '../../shared/ports/audit-log.js';
import type { SearchIndex } from '../../shared/ports/search-index.js';
import type { CoreConfig } from '../../shared/config.js';
import type { InProcessScheduler } from '../../shared/jobs/in-process-scheduler.js';
import { messageKey } from '../../shared/intake/keys.js';
import { bytesSource, silentLogger, tempArchive } from '../support/archive.js';
import type { TestArchive } from '../support/archive.js';
import { DAY, ManualClock } from '../support/clock.js';
import { composeMail } from '../support/mail.js';
import { sha256 } from '../support/bytes.js';

const officer: Actor = { name: 'olga', role: 'officer' };
const secondOfficer: Actor = { name: 'oscar', role: 'officer' };
const admin: Actor = { name: 'ada', role: 'admin' };
const RETENTION_DAYS = 10;

/** Everything the tests need from a runtime: its ports (to rebuild use cases around a spy) and its use cases. */
interface Rig extends UseCases {
  blobs: BlobStore;
  catalog: Catalog;
  index: SearchIndex;
  governance: Governance;
  auditLog: AuditLog;
  scheduler: InProcessScheduler;
  clock: ManualClock;
  config: CoreConfig;
  resumeJobs(): Promise<number>;
  destroy(): Promise<void>;
}

// Archived 30 days ago with 10 days' retention: expired now, in our clock and in moto's real one.
const startClock = () => new ManualClock(new Date(Date.now() - 30 * DAY));

async function embeddedRig(): Promise<Rig> {
  const archive: TestArchive = await tempArchive({ retentionDays: RETENTION_DAYS }, undefined, startClock());
  return Object.assign(archive, { config: archive.config });
}

async function awsRig(): Promise<Rig> {
  const clock = startClock();
  const { archive, config } = await openTestAws('coffer-gov', { clock, env: { COFFER_RETENTION_DAYS: String(RETENTION_DAYS) } });
  return Object.assign(archive, {
    clock,
    async destroy() {
      await archive.clients.search.indices.delete({ index: `${config.COFFER_OPENSEARCH_INDEX}*` }).catch(() => undefined);
    },
  });
}

async function arrive(rig: Rig, mail: { to: string; subject: string; text: string }): Promise<string> {
  const bytes = await composeMail({ from: 'zed@outside.example', to: mail.to, subject: mail.subject, text: mail.text, date: rig.clock.now() });
  await rig.ingest.execute({ source: bytesSource(bytes), from: 'smtp', envelope: { mailFrom: 'zed@outside.example', rcptTo: [mail.to] }, origin: 'test' });
  return sha256(bytes);
}

async function legallyHeld(rig: Rig, id: string): Promise<boolean> {
  return (await rig.blobs.head(messageKey(id)))?.legalHold ?? false;
}

function governanceSuite(name: string, makeRig: () => Promise<Rig>): void {
  describe(`holds, retention, disposition and audit: ${name}`, () => {
    let rig: Rig;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      rig = await makeRig();
      // A longer policy for budgets, in force before they arrive: the longest period wins.
      await rig.policies.create(admin, { name: 'Budgets', query: 'subject:budget', days: 365 });
      await rig.scheduler.idle();
      ids.merger = await arrive(rig, { to: 'alice@corp.example', subject: 'Merger plans', text: 'Project falcon terms.' });
      ids.followup = await arrive(rig, { to: 'bob@corp.example', subject: 'Merger follow-up', text: 'Falcon diligence list.' });
      ids.lunch = await arrive(rig, { to: 'carol@corp.example', subject: 'Lunch', text: 'Tacos at noon.' });
      ids.budget = await arrive(rig, { to: 'alice@corp.example', subject: 'Budget 2027', text: 'Draft numbers.' });
      ids.party = await arrive(rig, { to: 'dave@corp.example', subject: 'Party', text: 'Friday at six.' });
    }, 120_000);

    afterAll(async () => {
      await rig?.destroy();
    });

    it('gives each message the longest retention among the policies that cover it', async () => {
      const budget = await rig.read.record(ids.budget ?? '');
      const lunch = await rig.read.record(ids.lunch ?? '');
      expect(Date.parse(budget.retainUntil) - Date.parse(budget.received)).toBe(365 * DAY);
      expect(Date.parse(lunch.retainUntil) - Date.parse(lunch.received)).toBe(RETENTION_DAYS * DAY);
      // The store holds the same lock as the record says.
      expect((await rig.blobs.head(messageKey(ids.budget ?? '')))?.retainUntil.toISOString()).toBe(budget.retainUntil);
    });

    it('previews a hold without changing anything, then places it on existing matches and on mail that arrives later', async () => {
      const kase = await rig.cases.create(officer, { name: 'Falcon litigation' });
      const preview = await rig.holds.preview(officer, { query: 'merger' });
      expect(preview.count).toBe(2);
      expect(preview.sample.map((h) => h.id).sort()).toEqual([ids.merger, ids.followup].sort());
      expect(await legallyHeld(rig, ids.merger ?? '')).toBe(false);

      const { hold, job } = await rig.holds.place(officer, { caseId: kase.id, name: 'Merger mail', scope: { query: 'merger' } });
      ids.mergerHold = hold.id;
      await rig.scheduler.idle();
      expect(await rig.governance.getJob(job.id)).toMatchObject({ status: 'done', done: 2, total: 2 });
      expect(await rig.holds.get(officer, hold.id)).toMatchObject({ status: 'active', members: 2 });
      expect(await legallyHeld(rig, ids.merger ?? '')).toBe(true);
      expect(await legallyHeld(rig, ids.lunch ?? '')).toBe(false);

      // Arrives after the hold was placed: held from its first moment, matched in memory at intake.
      ids.closing = await arrive(rig, { to: 'erin@corp.example', subject: 'Merger closing', text: 'Signed.' });
      expect((await rig.read.record(ids.closing)).holdIds).toEqual([hold.id]);
      expect(await legallyHeld(rig, ids.closing)).toBe(true);
    });

    it('keeps a message protected by the other hold when one of two overlapping holds is released', async () => {
      const kase = await rig.cases.create(officer, { name: 'Alice custodian' });
      const { hold } = await rig.holds.place(officer, { caseId: kase.id, name: 'Alice', scope: { custodians: ['alice@corp.example'] } });
      ids.aliceHold = hold.id;
      await rig.scheduler.idle();
      expect((await rig.read.record(ids.merger ?? '')).holdIds.sort()).toEqual([ids.mergerHold, hold.id].sort());

      const released = await rig.holds.release(officer, ids.mergerHold ?? '', 'Falcon matter settled');
      expect('job' in released).toBe(true);
      await rig.scheduler.idle();
      expect(await rig.holds.get(officer, ids.mergerHold ?? '')).toMatchObject({ status: 'released', members: 0 });
      expect(await legallyHeld(rig, ids.merger ?? '')).toBe(true); // Alice's hold still covers it
      expect(await legallyHeld(rig, ids.followup ?? '')).toBe(false);
      expect(await legallyHeld(rig, ids.closing ?? '')).toBe(false);
    });

    it('refuses in the store to delete a held message even after its retention has ended', async () => {
      rig.clock.advance(30 * DAY); // now: every 10-day lock has ended
      const record = await rig.read.record(ids.merger ?? '');
      expect(Date.parse(record.retainUntil)).toBeLessThan(rig.clock.now().getTime());
      await expect(rig.blobs.delete(messageKey(ids.merger ?? ''))).rejects.toMatchObject({ code: 'BLOB.LOCKED' });
    });

    it('disposes of exactly the expired, unheld messages, and certifies each in the audit trail', async () => {
      const expected = [ids.followup, ids.lunch, ids.party, ids.closing].sort();
      const preview = await rig.disposition.run(admin, { dryRun: true });
      expect(preview.candidates.map((c) => c.id).sort()).toEqual(expected);
      expect(preview).toMatchObject({ eligible: 4, held: 1, disposed: 0 });
      expect(await rig.catalog.getMessage(ids.lunch ?? '')).not.toBeNull();

      const report = await rig.disposition.run(admin, { dryRun: false });
      expect(report).toMatchObject({ disposed: 4, held: 1, deferred: null });
      for (const id of expected) {
        expect(await rig.catalog.getMessage(id ?? '')).toBeNull();
        expect(await rig.blobs.head(messageKey(id ?? ''))).toBeNull();
      }
      expect((await rig.search.execute({ query: 'lunch OR party' })).total).toBe(0);
      for (const kept of [ids.merger, ids.budget]) expect(await rig.catalog.getMessage(kept ?? '')).not.toBeNull();

      const certificates = (await rig.audit.list({ action: 'message.dispose', limit: 50 })).items;
      expect(certificates.map((e) => e.target).sort()).toEqual(expected);
      for (const c of certificates) expect(c.details).toMatchObject({ sha256: c.target, policy: 'default' });
      expect(await rig.audit.verify()).toMatchObject({ ok: true });
    });

    it('lets a hold placed while the sweep runs win: nothing it covers is disposed', async () => {
      rig.clock.advance(-60 * DAY);
      const contracts = [
        await arrive(rig, { to: 'fay@corp.example', subject: 'Contract A', text: 'Indemnity.' }),
        await arrive(rig, { to: 'fay@corp.example', subject: 'Contract B', text: 'Warranty.' }),
      ];
      const other = await arrive(rig, { to: 'gus@corp.example', subject: 'Picnic', text: 'Sandwiches.' });
      rig.clock.advance(60 * DAY);
      const kase = await rig.cases.create(officer, { name: 'Contracts' });

      // The hold is placed between the sweep's reading of the holds and its first claim.
      let placed = false;
      const racing: Governance = Object.create(rig.governance) as Governance;
      racing.claimDisposal = async (record, guard) => {
        if (!placed) {
          placed = true;
          await rig.holds.place(secondOfficer, { caseId: kase.id, name: 'Contracts', scope: { query: 'subject:contract' } });
        }
        return rig.governance.claimDisposal(record, guard);
      };
      const sweeping = buildUseCases({ ...rig, governance: racing, logger: silentLogger, ids: { next: () => Math.random().toString(36).slice(2) } });
      const first = await sweeping.disposition.run(admin, { dryRun: false });
      expect(placed).toBe(true);
      for (const id of contracts) expect(await rig.catalog.getMessage(id)).not.toBeNull();

      await rig.scheduler.idle();
      const second = await rig.disposition.run(admin, { dryRun: false });
      // The picnic goes in one run or the other (the first may defer while the hold applies).
      expect(first.disposed + second.disposed).toBe(1);
      expect(await rig.catalog.getMessage(other)).toBeNull();
      for (const id of contracts) {
        expect(await rig.catalog.getMessage(id)).not.toBeNull();
        expect(await legallyHeld(rig, id)).toBe(true);
      }
    });

    it('needs a second officer to release a hold under dual control', async () => {
      const dual = buildUseCases({ ...rig, config: { ...rig.config, dualControl: true }, logger: silentLogger, ids: { next: () => Math.random().toString(36).slice(2) } });
      const answer = await dual.holds.release(officer, ids.aliceHold ?? '', 'Alice left the company');
      if (!('approval' in answer)) throw new Error('expected an approval under dual control');
      await expect(dual.holds.decide(officer, answer.approval.id, true)).rejects.toMatchObject({ code: 'APPROVAL.SELF' });
      await expect(dual.holds.release(officer, ids.aliceHold ?? '', 'again')).rejects.toMatchObject({ code: 'APPROVAL.STATE' });
      expect((await dual.holds.pendingApprovals(secondOfficer)).map((a) => a.id)).toEqual([answer.approval.id]);
      expect((await rig.holds.get(officer, ids.aliceHold ?? '')).status).toBe('active');
      const decided = await dual.holds.decide(secondOfficer, answer.approval.id, true);
      expect(decided.job?.kind).toBe('hold.release');
      await rig.scheduler.idle();
      expect(await rig.holds.get(officer, ids.aliceHold ?? '')).toMatchObject({
        status: 'released',
        release: { reason: 'Alice left the company', requestedBy: officer.name, approvedBy: secondOfficer.name },
      });
      expect(await dual.holds.pendingApprovals(secondOfficer)).toEqual([]);
    });

    it('resumes a hold job that a stopped process left queued', async () => {
      const stopped = buildUseCases({ ...rig, scheduler: { schedule: async () => undefined }, logger: silentLogger, ids: { next: () => Math.random().toString(36).slice(2) } });
      const kase = await rig.cases.create(officer, { name: 'Budgets' });
      const { hold, job } = await stopped.holds.place(officer, { caseId: kase.id, name: 'Budget mail', scope: { query: 'subject:budget' } });
      expect((await rig.governance.getJob(job.id))?.status).toBe('queued');
      expect(await rig.resumeJobs()).toBeGreaterThanOrEqual(1);
      await rig.scheduler.idle();
      expect(await rig.governance.getJob(job.id)).toMatchObject({ status: 'done', done: 1 });
      expect(await rig.holds.get(officer, hold.id)).toMatchObject({ status: 'active', members: 1 });
      expect(await legallyHeld(rig, ids.budget ?? '')).toBe(true);
    });

    it('holds a known message when a later delivery brings it into a hold by a new custodian', async () => {
      const kase = await rig.cases.create(officer, { name: 'Hank' });
      const { hold } = await rig.holds.place(officer, { caseId: kase.id, name: 'Hank', scope: { custodians: ['hank@corp.example'], query: 'quarterly' } });
      await rig.scheduler.idle();
      const bytes = await composeMail({ from: 'zed@outside.example', to: 'ivy@corp.example', subject: 'Quarterly numbers', text: 'See the table.', date: rig.clock.now() });
      const deliver = (to: string) =>
        rig.ingest.execute({ source: bytesSource(bytes), from: 'smtp', envelope: { mailFrom: 'zed@outside.example', rcptTo: [to] }, origin: 'test' });
      await deliver('ivy@corp.example');
      expect((await rig.read.record(sha256(bytes))).holdIds).toEqual([]);
      // The same bytes again, Bcc'd to Hank: only the stored text says the query matches.
      await deliver('hank@corp.example');
      expect((await rig.read.record(sha256(bytes))).holdIds).toEqual([hold.id]);
      expect(await legallyHeld(rig, sha256(bytes))).toBe(true);
    });

    it('checks roles in the use cases themselves', async () => {
      const auditor: Actor = { name: 'aud', role: 'auditor' };
      const legal: Actor = { name: 'api', role: 'legal-api' };
      await expect(rig.holds.place(auditor, { caseId: 'x', name: 'n', scope: { query: 'a' } })).rejects.toMatchObject({ code: 'AUTH.FORBIDDEN' });
      await expect(rig.disposition.run(officer, { dryRun: true })).rejects.toMatchObject({ code: 'AUTH.FORBIDDEN' });
      await expect(rig.policies.create(legal, { name: 'x', query: '', days: 5 })).rejects.toMatchObject({ code: 'AUTH.FORBIDDEN' });
      await expect(rig.cases.list(auditor, {})).rejects.toMatchObject({ code: 'AUTH.FORBIDDEN' });
      expect((await rig.holds.list(auditor, {})).length).toBeGreaterThan(0);
    });
  });
}

governanceSuite('embedded (FsBlobStore, SQLite)', embeddedRig);
governanceSuite('AWS (S3 Object Lock on moto, DynamoDB on moto, OpenSearch)', awsRig);
