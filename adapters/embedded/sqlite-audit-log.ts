import Database from 'better-sqlite3';
import { CofferError } from '../../shared/errors.js';
import { GENESIS_HASH } from '../../shared/ports/audit-log.js';
import type { AuditEntry, AuditFilter, AuditHead, AuditLog } from '../../shared/ports/audit-log.js';
import type { Page } from '../../shared/ports/catalog.js';

/*
 * One row per entry, one column per field (NULL = absent), so a row reads back as exactly the
 * entry that was hashed. `seq` is the rowid: appends go to the end of the b-tree.
 * The triggers make the table append-only for every connection that does not drop them first;
 * they stop mistakes, not an attacker with the file — the hash chain and the seals catch that.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_entries (
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  query TEXT,
  count INTEGER,
  details TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_actor ON audit_entries (actor, seq);
CREATE INDEX IF NOT EXISTS audit_by_action ON audit_entries (action, seq);
CREATE INDEX IF NOT EXISTS audit_by_at ON audit_entries (at);
CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: no update'); END;
CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: no delete'); END;
`;

interface Row {
  seq: number;
  at: string;
  actor: string;
  role: AuditEntry['role'];
  action: string;
  target: string | null;
  query: string | null;
  count: number | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

type ListParams = { before: number; limit: number; from?: string; to?: string; actor?: string; action?: string };

/** The embedded audit log: its own SQLite database (audit.db), apart from the catalog. */
export class SqliteAuditLog implements AuditLog {
  private readonly stmt;
  /** One statement per combination of filters, so each can use its index. */
  private readonly listStatements = new Map<string, Database.Statement<ListParams, Row>>();

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.stmt = {
      head: db.prepare<[], AuditHead>('SELECT seq, hash, at FROM audit_entries ORDER BY seq DESC LIMIT 1'),
      insert: db.prepare(
        'INSERT INTO audit_entries (seq, at, actor, role, action, target, query, count, details, prev_hash, hash) ' +
          'VALUES (@seq, @at, @actor, @role, @action, @target, @query, @count, @details, @prev_hash, @hash)',
      ),
      range: db.prepare<[number, number], Row>('SELECT * FROM audit_entries WHERE seq >= ? ORDER BY seq LIMIT ?'),
    };
  }

  /** Opens (creating if need be) the audit database at `file`. */
  static open(file: string): SqliteAuditLog {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // FULL: an entry that was acknowledged survives a power cut, not only a process crash.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    return new SqliteAuditLog(db);
  }

  close(): void {
    this.db.close();
  }

  async head(): Promise<AuditHead | null> {
    return this.stmt.head.get() ?? null;
  }

  async append(entry: AuditEntry): Promise<void> {
    if (!Number.isSafeInteger(entry.seq) || entry.seq < 1) throw conflict(`seq ${entry.seq} is not a position in the log`);
    try {
      // IMMEDIATE takes the write lock before reading the head: no other connection can append in between.
      this.db
        .transaction(() => {
          const head = this.stmt.head.get();
          const refusal = extendsHead(entry, head ?? null);
          if (refusal) throw conflict(refusal);
          this.stmt.insert.run(toRow(entry));
        })
        .immediate();
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw conflict(`seq ${entry.seq} is taken`, err);
      }
      throw err;
    }
  }

  async range(fromSeq: number, limit: number): Promise<AuditEntry[]> {
    return this.stmt.range.all(fromSeq, limit).map(toEntry);
  }

  async list(filter: AuditFilter): Promise<Page<AuditEntry>> {
    const params: ListParams = {
      before: filter.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(filter.cursor),
      limit: filter.limit,
      ...(filter.from ? { from: filter.from.toISOString() } : {}),
      ...(filter.to ? { to: filter.to.toISOString() } : {}),
      ...(filter.actor !== undefined ? { actor: filter.actor } : {}),
      ...(filter.action !== undefined ? { action: filter.action } : {}),
    };
    const items = this.listStatement(params).all(params).map(toEntry);
    const last = items[items.length - 1];
    return items.length === filter.limit && last ? { items, nextCursor: String(last.seq) } : { items };
  }

  private listStatement(params: ListParams): Database.Statement<ListParams, Row> {
    const clauses = ['seq < @before'];
    if (params.from !== undefined) clauses.push('at >= @from');
    if (params.to !== undefined) clauses.push('at < @to');
    if (params.actor !== undefined) clauses.push('actor = @actor');
    if (params.action !== undefined) clauses.push('action = @action');
    const where = clauses.join(' AND ');
    let statement = this.listStatements.get(where);
    if (!statement) {
      statement = this.db.prepare<ListParams, Row>(`SELECT * FROM audit_entries WHERE ${where} ORDER BY seq DESC LIMIT @limit`);
      this.listStatements.set(where, statement);
    }
    return statement;
  }
}

/** Why `entry` cannot follow `head`, or null when it can (the Dynamo adapter states the same as conditions). */
function extendsHead(entry: AuditEntry, head: AuditHead | null): string | null {
  const expected = (head?.seq ?? 0) + 1;
  if (entry.seq !== expected) return `seq ${entry.seq} is not the next position (${expected})`;
  if (entry.prevHash !== (head?.hash ?? GENESIS_HASH)) return `entry ${entry.seq} does not link to the head`;
  if (head && entry.at < head.at) return `entry ${entry.seq} is dated before the head`;
  return null;
}

function conflict(reason: string, cause?: unknown): CofferError {
  return new CofferError('AUDIT.CONFLICT', `audit append refused: ${reason}`, cause === undefined ? {} : { cause });
}

function toRow(entry: AuditEntry): Row {
  return {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    role: entry.role,
    action: entry.action,
    target: entry.target ?? null,
    query: entry.query ?? null,
    count: entry.count ?? null,
    details: entry.details === undefined ? null : JSON.stringify(entry.details),
    prev_hash: entry.prevHash,
    hash: entry.hash,
  };
}

/** Field order as the trail builds entries; absent fields stay absent (the hash does not care, readers might). */
function toEntry(row: Row): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    role: row.role,
    action: row.action,
    ...(row.target !== null ? { target: row.target } : {}),
    ...(row.query !== null ? { query: row.query } : {}),
    ...(row.count !== null ? { count: row.count } : {}),
    ...(row.details !== null ? { details: JSON.parse(row.details) as NonNullable<AuditEntry['details']> } : {}),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The cursor is the seq of the last entry of the previous page; the next page starts below it. */
function decodeCursor(cursor: string): number {
  if (/^[1-9][0-9]{0,15}$/.test(cursor) && Number.isSafeInteger(Number(cursor))) return Number(cursor);
  throw new CofferError('REQUEST.INVALID', 'invalid cursor');
}
