import Database from 'better-sqlite3';
import type { Page } from '../../shared/ports/catalog.js';
import type { ActiveHolds, Governance } from '../../shared/ports/governance.js';
import type {
  ApprovalRecord,
  CaseRecord,
  DisposalRecord,
  HoldRecord,
  JobRecord,
  JobStatus,
  RetentionPolicy,
} from '../../shared/domain/governance.js';
import { CofferError } from '../../shared/errors.js';

const SCHEMA = `
-- Cases, holds, jobs, policies and approvals: JSON records with an optimistic version.
CREATE TABLE IF NOT EXISTS records (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hold_members (
  hold_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  PRIMARY KEY (hold_id, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hold_members_by_message ON hold_members (message_id);
CREATE TABLE IF NOT EXISTS disposals (
  message_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('holds_version', 0);
`;

type Kind = 'case' | 'hold' | 'job' | 'policy' | 'approval';
interface Versioned {
  id: string;
  version: number;
}

/** Governance records in their own SQLite file: never derived, so `coffer rebuild` leaves it alone. */
export class SqliteGovernance implements Governance {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.stmt = {
      get: db.prepare<[Kind, string], { record: string }>('SELECT record FROM records WHERE kind = ? AND id = ?'),
      insert: db.prepare<[Kind, string, number, string]>('INSERT INTO records (kind, id, version, record) VALUES (?, ?, ?, ?)'),
      update: db.prepare<[number, string, Kind, string, number]>(
        'UPDATE records SET version = ?, record = ? WHERE kind = ? AND id = ? AND version = ?',
      ),
      all: db.prepare<[Kind], { record: string }>('SELECT record FROM records WHERE kind = ? ORDER BY id'),
      page: db.prepare<[Kind, string, number], { id: string; record: string }>(
        'SELECT id, record FROM records WHERE kind = ? AND id > ? ORDER BY id LIMIT ?',
      ),
      holdsVersion: db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'holds_version'"),
      bumpHolds: db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'holds_version'"),
      addMember: db.prepare<[string, string]>('INSERT OR IGNORE INTO hold_members (hold_id, message_id) VALUES (?, ?)'),
      removeMember: db.prepare<[string, string]>('DELETE FROM hold_members WHERE hold_id = ? AND message_id = ?'),
      members: db.prepare<[string, string, number], { message_id: string }>(
        'SELECT message_id FROM hold_members WHERE hold_id = ? AND message_id > ? ORDER BY message_id LIMIT ?',
      ),
      countMembers: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM hold_members WHERE hold_id = ?'),
      holdsOf: db.prepare<[string], { hold_id: string }>('SELECT hold_id FROM hold_members WHERE message_id = ? ORDER BY hold_id'),
      getDisposal: db.prepare<[string], { record: string }>('SELECT record FROM disposals WHERE message_id = ?'),
      insertDisposal: db.prepare<[string, string, string]>('INSERT INTO disposals (message_id, status, record) VALUES (?, ?, ?)'),
      setDisposal: db.prepare<[string, string, string]>('UPDATE disposals SET status = ?, record = ? WHERE message_id = ?'),
      deleteDisposal: db.prepare<[string]>("DELETE FROM disposals WHERE message_id = ? AND status = 'claimed'"),
      disposalsByStatus: db.prepare<[string], { record: string }>('SELECT record FROM disposals WHERE status = ? ORDER BY message_id'),
    };
  }

  static open(file: string): SqliteGovernance {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // FULL: unlike the catalog, these records cannot be rebuilt from the store.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    return new SqliteGovernance(db);
  }

  close(): void {
    this.db.close();
  }

  private read<T>(kind: Kind, id: string): T | null {
    const row = this.stmt.get.get(kind, id);
    return row ? (JSON.parse(row.record) as T) : null;
  }

  private create(kind: Kind, record: Versioned): void {
    try {
      this.stmt.insert.run(kind, record.id, record.version, JSON.stringify(record));
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new CofferError('GOVERNANCE.CONFLICT', `${kind} ${record.id} already exists`);
      }
      throw err;
    }
  }

  private update<T extends Versioned>(kind: Kind, record: T): T {
    const next = { ...record, version: record.version + 1 };
    const result = this.stmt.update.run(next.version, JSON.stringify(next), kind, record.id, record.version);
    if (result.changes !== 1) {
      throw new CofferError('GOVERNANCE.CONFLICT', `${kind} ${record.id} changed since version ${record.version} was read`);
    }
    return next;
  }

  private pageOf<T>(kind: Kind, options: { cursor?: string; limit: number }): Page<T> {
    const rows = this.stmt.page.all(kind, options.cursor ?? '', options.limit);
    const items = rows.map((r) => JSON.parse(r.record) as T);
    const last = rows[rows.length - 1];
    return rows.length === options.limit && last ? { items, nextCursor: last.id } : { items };
  }

  async createCase(record: CaseRecord): Promise<void> {
    this.create('case', { ...record, version: 1 });
  }

  async getCase(id: string): Promise<CaseRecord | null> {
    const found = this.read<CaseRecord & { version?: number }>('case', id);
    if (!found) return null;
    const { version: _version, ...record } = found;
    return record;
  }

  async listCases(options: { cursor?: string; limit: number }): Promise<Page<CaseRecord>> {
    const page = this.pageOf<CaseRecord & { version?: number }>('case', options);
    return { ...page, items: page.items.map(({ version: _version, ...record }) => record) };
  }

  async createHold(hold: HoldRecord, job: JobRecord): Promise<void> {
    this.db.transaction(() => {
      this.create('hold', hold);
      this.create('job', job);
      this.stmt.bumpHolds.run();
    })();
  }

  async getHold(id: string): Promise<HoldRecord | null> {
    return this.read<HoldRecord>('hold', id);
  }

  async listHolds(filter: { caseId?: string }): Promise<HoldRecord[]> {
    const holds = this.stmt.all.all('hold').map((r) => JSON.parse(r.record) as HoldRecord);
    return filter.caseId === undefined ? holds : holds.filter((h) => h.caseId === filter.caseId);
  }

  async updateHold(hold: HoldRecord): Promise<HoldRecord> {
    return this.db.transaction(() => {
      const before = this.read<HoldRecord>('hold', hold.id);
      const next = this.update('hold', hold);
      if (before && (before.status === 'released') !== (hold.status === 'released')) this.stmt.bumpHolds.run();
      return next;
    })();
  }

  async activeHolds(): Promise<ActiveHolds> {
    return this.db.transaction(() => ({
      version: this.stmt.holdsVersion.get()?.value ?? 0,
      holds: this.stmt.all
        .all('hold')
        .map((r) => JSON.parse(r.record) as HoldRecord)
        .filter((h) => h.status !== 'released'),
    }))();
  }

  async addHoldMembers(holdId: string, messageIds: readonly string[]): Promise<string[]> {
    return this.db.transaction(() => messageIds.filter((id) => this.stmt.addMember.run(holdId, id).changes === 1))();
  }

  async removeHoldMembers(holdId: string, messageIds: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      for (const id of messageIds) this.stmt.removeMember.run(holdId, id);
    })();
  }

  async listHoldMembers(holdId: string, options: { cursor?: string; limit: number }): Promise<Page<string>> {
    const items = this.stmt.members.all(holdId, options.cursor ?? '', options.limit).map((r) => r.message_id);
    const last = items[items.length - 1];
    return items.length === options.limit && last !== undefined ? { items, nextCursor: last } : { items };
  }

  async countHoldMembers(holdId: string): Promise<number> {
    return this.stmt.countMembers.get(holdId)?.n ?? 0;
  }

  async holdsOf(messageId: string): Promise<string[]> {
    return this.stmt.holdsOf.all(messageId).map((r) => r.hold_id);
  }

  async createJob(job: JobRecord): Promise<void> {
    this.create('job', job);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return this.read<JobRecord>('job', id);
  }

  async updateJob(job: JobRecord): Promise<JobRecord> {
    return this.update('job', job);
  }

  async listJobs(filter: { statuses: readonly JobStatus[] }): Promise<JobRecord[]> {
    return this.stmt.all
      .all('job')
      .map((r) => JSON.parse(r.record) as JobRecord)
      .filter((j) => filter.statuses.includes(j.status));
  }

  async createPolicy(policy: RetentionPolicy): Promise<void> {
    this.create('policy', policy);
  }

  async getPolicy(id: string): Promise<RetentionPolicy | null> {
    return this.read<RetentionPolicy>('policy', id);
  }

  async updatePolicy(policy: RetentionPolicy): Promise<RetentionPolicy> {
    return this.update('policy', policy);
  }

  async listPolicies(): Promise<RetentionPolicy[]> {
    return this.stmt.all.all('policy').map((r) => JSON.parse(r.record) as RetentionPolicy);
  }

  async createApproval(approval: ApprovalRecord): Promise<void> {
    this.create('approval', approval);
  }

  async getApproval(id: string): Promise<ApprovalRecord | null> {
    return this.read<ApprovalRecord>('approval', id);
  }

  async updateApproval(approval: ApprovalRecord): Promise<ApprovalRecord> {
    return this.update('approval', approval);
  }

  async listApprovals(filter: { status?: ApprovalRecord['status'] }): Promise<ApprovalRecord[]> {
    const all = this.stmt.all.all('approval').map((r) => JSON.parse(r.record) as ApprovalRecord);
    return filter.status === undefined ? all : all.filter((a) => a.status === filter.status);
  }

  async claimDisposal(record: DisposalRecord, guard: { holdsVersion: number }): Promise<boolean> {
    return this.db.transaction(() => {
      if ((this.stmt.holdsVersion.get()?.value ?? 0) !== guard.holdsVersion) return false;
      if (this.stmt.holdsOf.all(record.messageId).length > 0) return false;
      const claimed = JSON.stringify({ ...record, status: 'claimed' });
      const existing = this.stmt.getDisposal.get(record.messageId);
      // A finished disposal of the same bytes archived again later is claimed anew.
      if (!existing) this.stmt.insertDisposal.run(record.messageId, 'claimed', claimed);
      else if ((JSON.parse(existing.record) as DisposalRecord).status === 'done') this.stmt.setDisposal.run('claimed', claimed, record.messageId);
      return true;
    }).immediate();
  }

  async finishDisposal(messageId: string, finishedAt: string): Promise<void> {
    const found = this.stmt.getDisposal.get(messageId);
    if (!found) throw new CofferError('GOVERNANCE.CONFLICT', `no disposal claimed for ${messageId}`);
    const record: DisposalRecord = { ...(JSON.parse(found.record) as DisposalRecord), status: 'done', finishedAt };
    this.stmt.setDisposal.run('done', JSON.stringify(record), messageId);
  }

  async abandonDisposal(messageId: string): Promise<void> {
    this.stmt.deleteDisposal.run(messageId);
  }

  async listDisposals(filter: { status: DisposalRecord['status'] }): Promise<DisposalRecord[]> {
    return this.stmt.disposalsByStatus.all(filter.status).map((r) => JSON.parse(r.record) as DisposalRecord);
  }

  async getDisposal(messageId: string): Promise<DisposalRecord | null> {
    const found = this.stmt.getDisposal.get(messageId);
    return found ? (JSON.parse(found.record) as DisposalRecord) : null;
  }
}
