import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { Governance } from '../ports/governance.js';
import type { SearchIndex } from '../ports/search-index.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { DisposalRecord, RetentionPolicy } from '../domain/governance.js';
import type { MessageRecord } from '../domain/records.js';
import type { Actor, AuditRecorder } from '../app/actor.js';
import { allow } from '../app/actor.js';
import { CofferError } from '../errors.js';
import { messageObjectKeys } from '../holds/message-objects.js';

const PAGE = 200;
const DAY_MS = 86_400_000;
/** A dry run lists at most this many candidates (it still counts all of them). */
const MAX_LISTED = 1000;

export interface DispositionCandidate {
  id: string;
  sent: string;
  received: string;
  retainUntil: string;
  policy: string | null;
}

export interface DispositionReport {
  dryRun: boolean;
  at: string;
  scanned: number;
  /** Past retain-until, under no hold, every stored object unlocked: disposed, or would be. */
  eligible: number;
  candidates: DispositionCandidate[];
  disposed: number;
  /** Past retain-until but a hold covers them. */
  held: number;
  /** Past retain-until in the catalog, but the store still locks one of their objects. */
  storeLocked: number;
  /** Set when the sweep stopped early: a hold was being applied, so membership was not yet complete. */
  deferred: string | null;
}

/**
 * Disposition: messages past their retain-until and under no hold are removed from the store,
 * the index and the catalog, each with a certificate in the audit trail. A hold always wins: a
 * disposal is claimed only under the hold set the sweep evaluated (Governance.claimDisposal), the
 * store refuses to delete anything legally held, and nothing runs while a hold is being applied.
 */
export class DispositionSweep {
  constructor(
    private readonly deps: {
      governance: Governance;
      catalog: Catalog;
      blobs: BlobStore;
      index: SearchIndex;
      clock: Clock;
      logger: Logger;
      audit: AuditRecorder;
    },
  ) {}

  async run(actor: Actor, options: { dryRun: boolean }): Promise<DispositionReport> {
    allow(actor, []);
    const { governance, catalog, clock } = this.deps;
    const now = clock.now();
    const report: DispositionReport = { dryRun: options.dryRun, at: now.toISOString(), scanned: 0, eligible: 0, candidates: [], disposed: 0, held: 0, storeLocked: 0, deferred: null };
    if (!options.dryRun) {
      // Claims a crash left half done: finish them first (their decision was already taken).
      for (const claimed of await governance.listDisposals({ status: 'claimed' })) {
        if (await this.dispose(actor, claimed)) report.disposed += 1;
      }
    }
    const policies = await governance.listPolicies();
    let holdSet = await governance.activeHolds();
    let cursor: string | undefined;
    do {
      const page = await catalog.listMessageIds({ limit: PAGE, ...(cursor ? { cursor } : {}) });
      cursor = page.nextCursor;
      report.scanned += page.items.length;
      for (const record of await catalog.getMessages(page.items)) {
        if (Date.parse(record.retainUntil) > now.getTime()) continue;
        const applying = holdSet.holds.find((h) => h.status === 'applying');
        if (applying) {
          report.deferred = `hold ${applying.id} is being applied; disposition waits until its members are known`;
          break;
        }
        if ((await governance.holdsOf(record.id)).length > 0) {
          report.held += 1;
          continue;
        }
        if (!(await this.storeAllows(record.id, now))) {
          report.storeLocked += 1;
          continue;
        }
        report.eligible += 1;
        const candidate = toCandidate(record, policies);
        if (options.dryRun) {
          if (report.candidates.length < MAX_LISTED) report.candidates.push(candidate);
          continue;
        }
        const disposal: DisposalRecord = { messageId: record.id, sha256: record.id, status: 'claimed', retainUntil: record.retainUntil, sent: record.sent, received: record.received, policyId: candidate.policy, claimedAt: clock.now().toISOString(), finishedAt: null };
        let claimed = await governance.claimDisposal(disposal, { holdsVersion: holdSet.version });
        if (!claimed) {
          // The hold set moved (a hold placed or released) or the message became a member: look again.
          holdSet = await governance.activeHolds();
          if (holdSet.holds.some((h) => h.status === 'applying')) {
            report.deferred = 'a hold was placed while the sweep ran; disposition waits until its members are known';
            break;
          }
          claimed = await governance.claimDisposal(disposal, { holdsVersion: holdSet.version });
        }
        if (!claimed) {
          report.held += 1;
          continue;
        }
        if (report.candidates.length < MAX_LISTED) report.candidates.push(candidate);
        if (await this.dispose(actor, disposal)) report.disposed += 1;
      }
    } while (cursor && report.deferred === null);
    await this.deps.audit.record({
      actor: actor.name,
      role: actor.role,
      action: options.dryRun ? 'disposition.preview' : 'disposition.run',
      count: options.dryRun ? report.eligible : report.disposed,
      details: { scanned: report.scanned, held: report.held, storeLocked: report.storeLocked, deferred: report.deferred },
    });
    return report;
  }

  /** Every object of the message is past its own lock and not legally held in the store. */
  private async storeAllows(id: string, now: Date): Promise<boolean> {
    for (const key of await messageObjectKeys(id, this.deps)) {
      const head = await this.deps.blobs.head(key);
      if (head && (head.legalHold || head.retainUntil.getTime() > now.getTime())) return false;
    }
    return true;
  }

  /** Removes a claimed message everywhere and certifies it; a store refusal withdraws the claim. */
  private async dispose(actor: Actor, disposal: DisposalRecord): Promise<boolean> {
    const { governance, catalog, blobs, index, clock, logger } = this.deps;
    const keys = await messageObjectKeys(disposal.messageId, this.deps);
    try {
      // The message bytes last: while they exist, a rerun can still find and finish the disposal.
      for (const key of [...keys.slice(1), keys[0] ?? '']) {
        if (!key) continue;
        try {
          await blobs.delete(key);
        } catch (err) {
          if (!(err instanceof CofferError && err.code === 'BLOB.NOT_FOUND')) throw err;
        }
      }
    } catch (err) {
      if (err instanceof CofferError && err.code === 'BLOB.LOCKED') {
        logger.warn('disposal refused by the store', { id: disposal.messageId, reason: err.message });
        await governance.abandonDisposal(disposal.messageId);
        return false;
      }
      throw err;
    }
    await index.delete([disposal.messageId]);
    await catalog.deleteMessage(disposal.messageId);
    const finishedAt = clock.now().toISOString();
    await this.deps.audit.record({
      actor: actor.name,
      role: actor.role,
      action: 'message.dispose',
      target: disposal.messageId,
      details: {
        sha256: disposal.sha256,
        sent: disposal.sent,
        received: disposal.received,
        retainUntil: disposal.retainUntil,
        policy: disposal.policyId,
        objects: keys.length,
        disposedAt: finishedAt,
      },
    });
    await governance.finishDisposal(disposal.messageId, finishedAt);
    return true;
  }
}

/** The policy whose period explains the retain-until (the longest that covered the message). */
function toCandidate(record: MessageRecord, policies: readonly RetentionPolicy[]): DispositionCandidate {
  const days = Math.round((Date.parse(record.retainUntil) - Date.parse(record.received)) / DAY_MS);
  const policy = policies.find((p) => p.days === days);
  return { id: record.id, sent: record.sent, received: record.received, retainUntil: record.retainUntil, policy: policy?.id ?? null };
}
