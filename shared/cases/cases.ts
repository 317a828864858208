import type { Governance } from '../ports/governance.js';
import type { Clock } from '../ports/clock.js';
import type { IdGenerator } from '../ports/id-generator.js';
import type { CaseRecord, HoldRecord } from '../domain/governance.js';
import type { Page } from '../ports/catalog.js';
import type { Actor, AuditRecorder } from '../app/actor.js';
import { allow } from '../app/actor.js';
import { CofferError } from '../errors.js';

const CASE_ROLES = ['officer', 'legal-api'] as const;
const MAX_PAGE = 500;

/** Cases (matters): a case groups the holds placed for one legal matter. */
export class Cases {
  constructor(private readonly deps: { governance: Governance; clock: Clock; ids: IdGenerator; audit: AuditRecorder }) {}

  async create(actor: Actor, input: { name: string; description?: string }): Promise<CaseRecord> {
    allow(actor, CASE_ROLES);
    const name = input.name.trim();
    if (!name) throw new CofferError('REQUEST.INVALID', 'name: a case needs a name');
    const record: CaseRecord = {
      id: `case-${this.deps.ids.next()}`,
      name,
      description: input.description?.trim() || null,
      createdAt: this.deps.clock.now().toISOString(),
      createdBy: actor.name,
    };
    await this.deps.governance.createCase(record);
    await this.deps.audit.record({ actor: actor.name, role: actor.role, action: 'case.create', target: record.id, details: { name } });
    return record;
  }

  async list(actor: Actor, options: { cursor?: string; limit?: number }): Promise<Page<CaseRecord>> {
    allow(actor, CASE_ROLES);
    const limit = Math.min(Math.max(options.limit ?? 100, 1), MAX_PAGE);
    const page = await this.deps.governance.listCases({ limit, ...(options.cursor ? { cursor: options.cursor } : {}) });
    await this.deps.audit.record({ actor: actor.name, role: actor.role, action: 'case.list', count: page.items.length });
    return page;
  }

  async get(actor: Actor, id: string): Promise<CaseRecord & { holds: HoldRecord[] }> {
    allow(actor, CASE_ROLES);
    const found = await this.deps.governance.getCase(id);
    if (!found) throw new CofferError('CASE.NOT_FOUND', `case ${id} not found`);
    await this.deps.audit.record({ actor: actor.name, role: actor.role, action: 'case.read', target: id });
    return { ...found, holds: await this.deps.governance.listHolds({ caseId: id }) };
  }
}
