import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { Governance } from '../ports/governance.js';
import type { IndexDocument } from '../ports/search-index.js';
import type { Delivery, MessageRecord } from '../domain/records.js';
import type { AuditRecorder } from '../app/actor.js';
import type { RetentionPolicies } from '../retention/retention-policies.js';
import { compileMatcher, prepareDocument } from '../query/evaluate.js';
import { CofferError } from '../errors.js';
import { messageObjectKeys } from './message-objects.js';
import { scopeToQuery } from './hold-scope.js';

const DAY_MS = 86_400_000;

/** One message of an intake batch, after it is stored and indexed and before the catalog records it. */
export interface GovernedItem {
  id: string;
  /** The new message's index document; null when the message was already archived. */
  doc: IndexDocument | null;
  record: MessageRecord;
  delivery: Delivery;
  /**
   * For a message already archived whose recipients this delivery changes: its document with the
   * new people, read back from the store. Asked for only while holds are live, since a new
   * custodian can bring the message into a hold's scope.
   */
  loadDocument?: () => Promise<IndexDocument>;
}

/** What intake asks of governance; IngestMessage runs without it in tools that only read. */
export interface IntakeGovernor {
  /** Applies live holds and retention policies; returns the later retain-until of messages a policy extended. */
  govern(items: readonly GovernedItem[]): Promise<Map<string, Date>>;
}

/**
 * New mail meets the holds and policies in force, in memory, with the same query AST the search
 * engines run: a message that arrives after a hold was placed is held from its first moment, and
 * a new delivery of a held message is held too.
 */
export class GovernIntake implements IntakeGovernor {
  constructor(
    private readonly deps: {
      governance: Governance;
      catalog: Catalog;
      blobs: BlobStore;
      policies: RetentionPolicies;
      audit: AuditRecorder;
    },
  ) {}

  async govern(items: readonly GovernedItem[]): Promise<Map<string, Date>> {
    const { governance } = this.deps;
    const extended = new Map<string, Date>();
    if (items.length === 0) return extended;
    const { holds } = await governance.activeHolds();
    const holdMatchers = holds.map((hold) => ({ hold, matches: compileMatcher(scopeToQuery(hold.scope)) }));
    const policies = await this.deps.policies.compiled();
    const added = new Map<string, number>();

    for (const item of items) {
      const prepared = item.doc ? prepareDocument(item.doc) : null;
      const newKeys = deliveryKeys(item.delivery);
      if (prepared) {
        const days = Math.max(...policies.filter((p) => p.matches(prepared)).map((p) => p.policy.days));
        const until = new Date(Date.parse(item.record.received) + days * DAY_MS);
        if (Number.isFinite(days) && until.getTime() > Date.parse(item.record.retainUntil)) {
          await this.extend(item.id, newKeys, until);
          extended.set(item.id, until);
        }
      }
      if (holdMatchers.length === 0) continue;
      const known = prepared ?? (item.loadDocument ? prepareDocument(await item.loadDocument()) : null);
      const matching = known ? holdMatchers.filter((h) => h.matches(known)).map((h) => h.hold.id) : [];
      for (const holdId of matching) {
        if ((await governance.addHoldMembers(holdId, [item.id])).length > 0) added.set(holdId, (added.get(holdId) ?? 0) + 1);
      }
      const live = new Set(holds.map((h) => h.id));
      const memberOfLive = matching.length > 0 || (await governance.holdsOf(item.id)).some((id) => live.has(id));
      if (memberOfLive) await this.protect(item.id, newKeys);
    }
    for (const [holdId, count] of added) {
      await this.deps.audit.record({ actor: 'system', role: 'system', action: 'hold.intake', target: holdId, count });
    }
    return extended;
  }

  private async keysOf(id: string, newKeys: readonly string[]): Promise<string[]> {
    return [...new Set([...(await messageObjectKeys(id, this.deps)), ...newKeys])];
  }

  private async protect(id: string, newKeys: readonly string[]): Promise<void> {
    for (const key of await this.keysOf(id, newKeys)) {
      try {
        await this.deps.blobs.setLegalHold(key, true);
      } catch (err) {
        if (!(err instanceof CofferError && err.code === 'BLOB.NOT_FOUND')) throw err;
      }
    }
  }

  private async extend(id: string, newKeys: readonly string[], until: Date): Promise<void> {
    for (const key of await this.keysOf(id, newKeys)) {
      const head = await this.deps.blobs.head(key);
      if (head && head.retainUntil.getTime() < until.getTime()) await this.deps.blobs.extendRetention(key, until);
    }
  }
}

function deliveryKeys(delivery: Delivery): string[] {
  return delivery.journal?.reportKey ? [delivery.evidenceKey, delivery.journal.reportKey] : [delivery.evidenceKey];
}
