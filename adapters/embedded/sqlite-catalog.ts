import Database from 'better-sqlite3';
import type { Catalog, IntakeOutcome, Page } from '../../shared/ports/catalog.js';
import type { Delivery, MessageRecord, User } from '../../shared/domain/records.js';
import { mergeDelivery } from '../../shared/intake/merge-delivery.js';

const SCHEMA = `
-- A rowid table: records are ~1 KB, and WITHOUT ROWID packs rows that large poorly (measured 2×).
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_by_message ON deliveries (message_id, received_at);
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
`;

/** The embedded catalog: records as JSON in SQLite, keyed as the Dynamo catalog will be. */
export class SqliteCatalog implements Catalog {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.stmt = {
      getMessage: db.prepare<[string], { record: string }>('SELECT record FROM messages WHERE id = ?'),
      insertMessage: db.prepare('INSERT INTO messages (id, record) VALUES (?, ?)'),
      updateMessage: db.prepare('UPDATE messages SET record = ? WHERE id = ?'),
      insertDelivery: db.prepare(
        'INSERT OR IGNORE INTO deliveries (id, message_id, received_at, record) VALUES (?, ?, ?, ?)',
      ),
      listDeliveries: db.prepare<[string], { record: string }>(
        'SELECT record FROM deliveries WHERE message_id = ? ORDER BY received_at, id',
      ),
      listIds: db.prepare<[string, number], { id: string }>('SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ?'),
      deleteMessage: db.prepare<[string]>('DELETE FROM messages WHERE id = ?'),
      deleteDeliveries: db.prepare<[string]>('DELETE FROM deliveries WHERE message_id = ?'),
      countMessages: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages'),
      countDeliveries: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM deliveries'),
      putUser: db.prepare(
        'INSERT INTO users (name, role, token_hash, created_at) VALUES (@name, @role, @tokenHash, @createdAt) ' +
          'ON CONFLICT (name) DO UPDATE SET role = excluded.role, token_hash = excluded.token_hash',
      ),
      userByToken: db.prepare<[string], UserRow>('SELECT * FROM users WHERE token_hash = ?'),
      listUsers: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY name'),
      removeUser: db.prepare('DELETE FROM users WHERE name = ?'),
    };
  }

  static open(file: string): SqliteCatalog {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL is durable across process crashes; the store, not the catalog, is the truth.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    return new SqliteCatalog(db);
  }

  close(): void {
    this.db.close();
  }

  async recordIntake(message: MessageRecord, delivery: Delivery): Promise<IntakeOutcome> {
    const [outcome] = await this.recordIntakes([{ message, delivery }]);
    if (!outcome) throw new Error('recordIntakes returned no outcome');
    return outcome;
  }

  async recordIntakes(items: readonly { message: MessageRecord; delivery: Delivery }[]): Promise<IntakeOutcome[]> {
    return this.db.transaction(() => items.map(({ message, delivery }) => this.recordOne(message, delivery))).immediate();
  }

  private recordOne(message: MessageRecord, delivery: Delivery): IntakeOutcome {
    const row = this.stmt.getMessage.get(message.id);
    const deliveryCreated =
      this.stmt.insertDelivery.run(delivery.id, delivery.messageSha256, delivery.receivedAt, JSON.stringify(delivery))
        .changes === 1;
    if (!row) {
      const created = mergeDelivery(message, delivery).record;
      this.stmt.insertMessage.run(message.id, JSON.stringify(created));
      return { messageCreated: true, deliveryCreated, message: created, peopleChanged: true };
    }
    const existing = JSON.parse(row.record) as MessageRecord;
    const merged = mergeDelivery(existing, delivery);
    if (merged.changed) this.stmt.updateMessage.run(JSON.stringify(merged.record), message.id);
    return { messageCreated: false, deliveryCreated, message: merged.record, peopleChanged: merged.changed };
  }

  async getMessage(id: string): Promise<MessageRecord | null> {
    const row = this.stmt.getMessage.get(id);
    return row ? (JSON.parse(row.record) as MessageRecord) : null;
  }

  async getMessages(ids: readonly string[]): Promise<MessageRecord[]> {
    const found: MessageRecord[] = [];
    for (const id of ids) {
      const row = this.stmt.getMessage.get(id);
      if (row) found.push(JSON.parse(row.record) as MessageRecord);
    }
    return found;
  }

  async listDeliveries(messageId: string): Promise<Delivery[]> {
    return this.stmt.listDeliveries.all(messageId).map((row) => JSON.parse(row.record) as Delivery);
  }

  async listMessageIds(options: { cursor?: string; limit: number }): Promise<Page<string>> {
    const items = this.stmt.listIds.all(options.cursor ?? '', options.limit).map((row) => row.id);
    const last = items[items.length - 1];
    return items.length === options.limit && last !== undefined ? { items, nextCursor: last } : { items };
  }

  async countMessages(): Promise<number> {
    return this.stmt.countMessages.get()?.n ?? 0;
  }

  async setRetention(id: string, retainUntil: string): Promise<void> {
    this.db.transaction(() => {
      const row = this.stmt.getMessage.get(id);
      if (!row) return;
      const record = JSON.parse(row.record) as MessageRecord;
      this.stmt.updateMessage.run(JSON.stringify({ ...record, retainUntil }), id);
    })();
  }

  async deleteMessage(id: string): Promise<void> {
    this.db.transaction(() => {
      this.stmt.deleteDeliveries.run(id);
      this.stmt.deleteMessage.run(id);
    })();
  }

  async countDeliveries(): Promise<number> {
    return this.stmt.countDeliveries.get()?.n ?? 0;
  }

  async putUser(user: User): Promise<void> {
    this.stmt.putUser.run(user);
  }

  async findUserByTokenHash(tokenHash: string): Promise<User | null> {
    const row = this.stmt.userByToken.get(tokenHash);
    return row ? toUser(row) : null;
  }

  async listUsers(): Promise<User[]> {
    return this.stmt.listUsers.all().map(toUser);
  }

  async removeUser(name: string): Promise<boolean> {
    return this.stmt.removeUser.run(name).changes === 1;
  }
}

interface UserRow {
  name: string;
  role: User['role'];
  token_hash: string;
  created_at: string;
}

function toUser(row: UserRow): User {
  return { name: row.name, role: row.role, tokenHash: row.token_hash, createdAt: row.created_at };
}
