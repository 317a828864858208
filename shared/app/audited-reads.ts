import type { SearchInput, SearchMessages, SearchOutput } from '../search/search-messages.js';
import type { ReadMessage } from '../messages/read-message.js';
import type { IngestMessage, IntakeResult } from '../intake/ingest-message.js';
import type { AuditTrail, AuditVerifyResult } from '../audit/audit-trail.js';
import type { AuditEntry, AuditFilter } from '../ports/audit-log.js';
import type { Page } from '../ports/catalog.js';
import type { Governance } from '../ports/governance.js';
import type { Delivery, MessageRecord } from '../domain/records.js';
import type { JobRecord } from '../domain/governance.js';
import type { Actor, AuditDetails } from './actor.js';
import { allow } from './actor.js';
import { CofferError } from '../errors.js';

const SEARCH_ROLES = ['officer', 'auditor'] as const;
const RECORD_ROLES = ['officer', 'auditor'] as const;
const BYTES_ROLES = ['officer'] as const;
const AUDIT_ROLES = ['auditor'] as const;
const EVERY_ROLE = ['officer', 'auditor', 'legal-api'] as const;

export interface AuditedReadsDeps {
  search: SearchMessages;
  read: ReadMessage;
  ingest: IngestMessage;
  audit: Pick<AuditTrail, 'record' | 'list' | 'verify'>;
  governance: Pick<Governance, 'getJob'>;
}

/**
 * Search, message reads, upload, the audit log itself and job progress, as an actor: each checks
 * the role (API.md "Roles") and records who looked at what before the data leaves. The HTTP routes
 * and the CLI call these; the unaudited use cases underneath stay for intake, import and rebuild.
 */
export class AuditedReads {
  constructor(private readonly deps: AuditedReadsDeps) {}

  async search(actor: Actor, input: SearchInput): Promise<SearchOutput> {
    allow(actor, SEARCH_ROLES);
    const result = await this.deps.search.execute(input);
    await this.write(actor, 'search', { query: input.query, count: result.total, details: input.cursor ? { page: 'next' } : undefined });
    return result;
  }

  async record(actor: Actor, id: string): Promise<MessageRecord> {
    allow(actor, RECORD_ROLES);
    const record = await this.deps.read.record(id);
    await this.write(actor, 'message.read', { target: id });
    return record;
  }

  async deliveries(actor: Actor, id: string): Promise<Delivery[]> {
    allow(actor, RECORD_ROLES);
    const deliveries = await this.deps.read.deliveries(id);
    await this.write(actor, 'message.deliveries', { target: id, count: deliveries.length });
    return deliveries;
  }

  /** The exact original bytes: officers only (an auditor reviews records, not content). */
  async raw(actor: Actor, id: string): Promise<Awaited<ReturnType<ReadMessage['raw']>>> {
    allow(actor, BYTES_ROLES);
    const raw = await this.deps.read.raw(id);
    await this.write(actor, 'message.raw', { target: id, details: { size: raw.size } }).catch(closing(raw.body));
    return raw;
  }

  async evidence(actor: Actor, id: string, deliveryId: string): Promise<Awaited<ReturnType<ReadMessage['evidence']>>> {
    allow(actor, RECORD_ROLES);
    const evidence = await this.deps.read.evidence(id, deliveryId);
    await this.write(actor, 'message.evidence', { target: id, details: { delivery: deliveryId, sha256: evidence.sha256 } }).catch(closing(evidence.body));
    return evidence;
  }

  /** One raw message through the common intake, as the admin who sent it; the body is read only after the role check. */
  async upload(actor: Actor, body: () => Promise<Uint8Array>): Promise<IntakeResult> {
    allow(actor, []);
    const bytes = await body();
    if (bytes.length === 0) throw new CofferError('REQUEST.INVALID', 'the body must be the raw message');
    const result = await this.deps.ingest.execute({
      source: { open: () => single(bytes) },
      from: 'api',
      envelope: { mailFrom: null, rcptTo: [] },
      origin: `api:${actor.name}`,
    });
    await this.write(actor, 'message.upload', { target: result.id, details: { created: result.messageCreated, delivery: result.deliveryId } });
    return result;
  }

  /** The audit log, newest first; reading it is itself on the record. */
  async auditEntries(actor: Actor, filter: AuditFilter): Promise<Page<AuditEntry>> {
    allow(actor, AUDIT_ROLES);
    const page = await this.deps.audit.list(filter);
    const details: AuditDetails = {};
    if (filter.from) details.from = filter.from.toISOString();
    if (filter.to) details.to = filter.to.toISOString();
    if (filter.actor !== undefined) details.actor = filter.actor;
    if (filter.action !== undefined) details.action = filter.action;
    await this.write(actor, 'audit.list', { count: page.items.length, details });
    return page;
  }

  async verifyAudit(actor: Actor): Promise<AuditVerifyResult> {
    allow(actor, AUDIT_ROLES);
    const result = await this.deps.audit.verify();
    await this.write(actor, 'audit.verify', {
      count: result.entries,
      details: { ok: result.ok, ...(result.firstBrokenSeq !== undefined ? { firstBrokenSeq: result.firstBrokenSeq } : {}) },
    });
    return result;
  }

  /** A job's progress: any role may poll it (not archived data, so not audited: polls would flood the log). */
  async job(actor: Actor, id: string): Promise<JobRecord> {
    allow(actor, EVERY_ROLE);
    const job = await this.deps.governance.getJob(id);
    if (!job) throw new CofferError('JOB.NOT_FOUND', `job ${id} not found`);
    return job;
  }

  private async write(actor: Actor, action: string, entry: AuditEntryInput): Promise<void> {
    await this.deps.audit.record({
      actor: actor.name,
      role: actor.role,
      action,
      ...(entry.target !== undefined ? { target: entry.target } : {}),
      ...(entry.query !== undefined ? { query: entry.query } : {}),
      ...(entry.count !== undefined ? { count: entry.count } : {}),
      ...(entry.details && Object.keys(entry.details).length > 0 ? { details: entry.details } : {}),
    });
  }
}

interface AuditEntryInput {
  target?: string;
  query?: string;
  count?: number;
  details?: AuditDetails | undefined;
}

/** Not on the record, not handed out: the opened stream is closed and the failure goes on. */
function closing(body: AsyncIterable<Uint8Array>) {
  return async (err: unknown): Promise<never> => {
    await body[Symbol.asyncIterator]().return?.();
    throw err;
  };
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
