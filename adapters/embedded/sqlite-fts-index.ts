/**
 * SearchIndex on SQLite FTS5 (the embedded default). Text is split into words in JS with
 * `normalizeWords` — the one definition every engine shares — and stored as those words joined by
 * spaces under the `ascii` tokenizer, which treats every non-ASCII character as part of a word, so
 * FTS5 splits exactly where we put spaces and never re-folds what we folded.
 *
 * The FTS tables are contentless (only the inverted index is kept). Text and people live in two
 * tables so that `updatePeople` can replace the people words without the text, which a
 * contentless table cannot give back.
 */
import Database from 'better-sqlite3';
import { CofferError } from '../../shared/errors.js';
import { normalizeWords } from '../../shared/query/text.js';
import type {
  IndexDocument,
  IndexedAddress,
  IndexPeople,
  SearchIndex,
  SearchRequest,
  SearchResult,
} from '../../shared/ports/search-index.js';
import { ADDRESS_FIELD, SEGMENT_BREAK, compileQuery } from './sqlite-query-compiler.js';
import { domainOf, fileExtensions, localPartOf, reversedDomain } from '../../shared/query/text.js';
import { clampPageSize, decodeSearchCursor, encodeSearchCursor } from '../../shared/search/search-cursor.js';
import type { SearchPosition } from '../../shared/search/search-cursor.js';
import type { SqlParam } from './sqlite-query-compiler.js';

const SCHEMA_VERSION = 1;
const STATEMENT_CACHE_SIZE = 64;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS docs (
  doc INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  sent INTEGER NOT NULL,
  received INTEGER NOT NULL,
  size INTEGER NOT NULL,
  has_attachment INTEGER NOT NULL,
  message_id TEXT
);
CREATE INDEX IF NOT EXISTS docs_by_sent ON docs (sent, id);
CREATE INDEX IF NOT EXISTS docs_by_received ON docs (received);
CREATE INDEX IF NOT EXISTS docs_by_size ON docs (size);
CREATE INDEX IF NOT EXISTS docs_by_message_id ON docs (message_id);

-- Addresses repeat across thousands of messages: each is stored once and referenced by number.
CREATE TABLE IF NOT EXISTS addresses (
  aid INTEGER PRIMARY KEY,
  address TEXT NOT NULL UNIQUE,
  rdomain TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS addresses_by_rdomain ON addresses (rdomain);
CREATE TABLE IF NOT EXISTS doc_addresses (
  aid INTEGER NOT NULL,
  field INTEGER NOT NULL,
  doc INTEGER NOT NULL,
  PRIMARY KEY (aid, field, doc)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_addresses_by_doc ON doc_addresses (doc);

CREATE TABLE IF NOT EXISTS attachment_exts (
  doc INTEGER NOT NULL,
  ext TEXT NOT NULL,
  PRIMARY KEY (doc, ext)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attachment_exts_by_ext ON attachment_exts (ext);

CREATE VIRTUAL TABLE IF NOT EXISTS text_fts USING fts5(
  subject, body, attachment,
  content = '', contentless_delete = 1, tokenize = 'ascii'
);
CREATE VIRTUAL TABLE IF NOT EXISTS people_fts USING fts5(
  from_w, sender_w, to_w, cc_w, bcc_w, env_w, cust_w,
  content = '', contentless_delete = 1, tokenize = 'ascii'
);
`;

type Db = Database.Database;
type Statement = Database.Statement;

export class SqliteFtsIndex implements SearchIndex {
  static open(path: string): SqliteFtsIndex {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Intake indexes one message per transaction, and each commit writes FTS5 segment pages;
    // checkpointing (and syncing) every 10,000 pages instead of 1,000 measured faster on that load.
    db.pragma('wal_autocheckpoint = 10000');
    return new SqliteFtsIndex(db);
  }

  private readonly sql: ReturnType<typeof prepareAll>;
  private readonly cache = new Map<string, Statement>();
  private readonly writeDocs: (docs: readonly IndexDocument[]) => void;
  private readonly writePeople: (id: string, people: IndexPeople) => void;
  private readonly removeDocs: (ids: readonly string[]) => void;
  /** One read transaction, so that the total and the page come from the same snapshot. */
  private readonly readPage: (count: Statement, page: Statement, params: SqlParam[], pageParams: SqlParam[]) => Page;

  constructor(private readonly db: Db) {
    migrate(db);
    this.sql = prepareAll(db);
    this.writeDocs = db.transaction((docs: readonly IndexDocument[]) => {
      for (const doc of docs) this.upsert(doc);
    });
    this.writePeople = db.transaction((id: string, people: IndexPeople) => {
      const doc = this.findDoc(id);
      if (doc === undefined) return;
      this.removePeople(doc);
      this.insertPeople(doc, people);
    });
    this.removeDocs = db.transaction((ids: readonly string[]) => {
      for (const id of ids) {
        const doc = this.findDoc(id);
        if (doc === undefined) continue;
        this.removeText(doc);
        this.removePeople(doc);
        this.sql.deleteDoc.run(doc);
      }
    });
    this.readPage = db.transaction((count: Statement, page: Statement, params: SqlParam[], pageParams: SqlParam[]) => ({
      total: (count.get(params) as { n: number }).n,
      rows: page.all(pageParams) as SearchPosition[],
    }));
  }

  close(): void {
    this.db.close();
  }

  async index(docs: readonly IndexDocument[]): Promise<void> {
    if (docs.length > 0) this.writeDocs(docs);
  }

  async updatePeople(id: string, people: IndexPeople): Promise<void> {
    this.writePeople(id, people);
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) this.removeDocs(ids);
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    const { sql: where, params } = compileQuery(request.query);
    const dir = request.sort === 'sent:asc' ? 'ASC' : 'DESC';
    const limit = clampPageSize(request.limit);
    const after = request.cursor === undefined ? null : decodeSearchCursor(request.cursor);
    const seek = after === null ? '' : ` AND (d.sent, d.id) ${dir === 'ASC' ? '>' : '<'} (?, ?)`;
    const count = this.statement(`SELECT count(*) AS n FROM docs AS d WHERE ${where}`);
    const page = this.statement(
      `SELECT d.sent AS sent, d.id AS id FROM docs AS d WHERE (${where})${seek}` +
        ` ORDER BY d.sent ${dir}, d.id ${dir} LIMIT ?`,
    );
    // One row past the page tells whether another page exists, so the last page has no cursor.
    const seekParams = after === null ? [] : [after.sent, after.id];
    const { total, rows } = this.readPage(count, page, params, [...params, ...seekParams, limit + 1]);

    const ids = rows.slice(0, limit);
    const last = ids[ids.length - 1];
    const result: SearchResult = { total, ids: ids.map((r) => r.id) };
    if (rows.length > limit && last) result.nextCursor = encodeSearchCursor(last);
    return result;
  }

  async count(): Promise<number> {
    return (this.sql.count.get() as { n: number }).n;
  }

  private upsert(d: IndexDocument): void {
    const values = [d.sent, d.received, d.size, d.hasAttachment ? 1 : 0, d.messageId] as const;
    let doc = this.findDoc(d.id);
    if (doc === undefined) {
      doc = Number(this.sql.insertDoc.run(d.id, ...values).lastInsertRowid);
    } else {
      this.removeText(doc);
      this.removePeople(doc);
      this.sql.updateDoc.run(...values, doc);
    }
    const attachments = d.attachmentNames.map((n) => words(n)).filter((w) => w !== '');
    this.sql.insertText.run(doc, words(d.subject), words(d.body), attachments.join(SEGMENT_BREAK));
    for (const ext of fileExtensions(d.attachmentNames)) this.sql.insertExt.run(doc, ext);
    this.insertPeople(doc, d);
  }

  private insertPeople(doc: number, p: IndexPeople): void {
    const envelope = p.envelopeRecipients.map((address) => ({ address, name: '' }));
    const custodians = p.custodians.map((address) => ({ address, name: '' }));
    const fields: [number, IndexedAddress[]][] = [
      [ADDRESS_FIELD.from, p.from],
      [ADDRESS_FIELD.sender, p.sender],
      [ADDRESS_FIELD.to, p.to],
      [ADDRESS_FIELD.cc, p.cc],
      [ADDRESS_FIELD.bcc, p.bcc],
      [ADDRESS_FIELD.envelope, envelope],
      [ADDRESS_FIELD.custodian, custodians],
    ];
    for (const [field, list] of fields) {
      for (const { address } of list) {
        const lower = address.trim().toLowerCase();
        if (lower !== '') this.sql.insertDocAddress.run(this.addressId(lower), field, doc);
      }
    }
    this.sql.insertPeople.run(doc, ...fields.map(([, list]) => addressWords(list)));
  }

  private removeText(doc: number): void {
    this.sql.deleteText.run(doc);
    this.sql.deleteExts.run(doc);
  }

  private removePeople(doc: number): void {
    this.sql.deletePeople.run(doc);
    const aids = this.sql.docAddressIds.all(doc) as number[];
    this.sql.deleteDocAddresses.run(doc);
    // A disposed message must not leave its correspondents' addresses behind in the index.
    for (const aid of new Set(aids)) this.sql.deleteUnusedAddress.run(aid, aid);
  }

  private addressId(address: string): number {
    const aid = this.sql.findAddress.get(address) as number | undefined;
    if (aid !== undefined) return aid;
    return Number(this.sql.insertAddress.run(address, reversedDomain(domainOf(address))).lastInsertRowid);
  }

  private findDoc(id: string): number | undefined {
    const row = this.sql.findDoc.get(id) as { doc: number } | undefined;
    return row?.doc;
  }

  /** Query shapes repeat (the UI, holds, retention), so their statements are kept a while. */
  private statement(sql: string): Statement {
    let stmt = this.cache.get(sql);
    if (stmt) {
      this.cache.delete(sql);
    } else {
      stmt = this.db.prepare(sql);
      const oldest = this.cache.keys().next();
      if (this.cache.size >= STATEMENT_CACHE_SIZE && !oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(sql, stmt);
    return stmt;
  }
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== 0 && version !== SCHEMA_VERSION) {
    throw new CofferError(
      'CONFIG.INVALID',
      `search index schema version ${version} is not ${SCHEMA_VERSION}; rebuild the index`,
    );
  }
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

function prepareAll(db: Db) {
  return {
    findDoc: db.prepare('SELECT doc FROM docs WHERE id = ?'),
    insertDoc: db.prepare(
      'INSERT INTO docs (id, sent, received, size, has_attachment, message_id) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    updateDoc: db.prepare(
      'UPDATE docs SET sent = ?, received = ?, size = ?, has_attachment = ?, message_id = ? WHERE doc = ?',
    ),
    deleteDoc: db.prepare('DELETE FROM docs WHERE doc = ?'),
    insertText: db.prepare('INSERT INTO text_fts (rowid, subject, body, attachment) VALUES (?, ?, ?, ?)'),
    deleteText: db.prepare('DELETE FROM text_fts WHERE rowid = ?'),
    insertExt: db.prepare('INSERT OR IGNORE INTO attachment_exts (doc, ext) VALUES (?, ?)'),
    deleteExts: db.prepare('DELETE FROM attachment_exts WHERE doc = ?'),
    insertPeople: db.prepare(
      'INSERT INTO people_fts (rowid, from_w, sender_w, to_w, cc_w, bcc_w, env_w, cust_w)' +
        ' VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    deletePeople: db.prepare('DELETE FROM people_fts WHERE rowid = ?'),
    findAddress: db.prepare('SELECT aid FROM addresses WHERE address = ?').pluck(),
    insertAddress: db.prepare('INSERT INTO addresses (address, rdomain) VALUES (?, ?)'),
    deleteUnusedAddress: db.prepare(
      'DELETE FROM addresses WHERE aid = ? AND NOT EXISTS (SELECT 1 FROM doc_addresses WHERE aid = ?)',
    ),
    insertDocAddress: db.prepare('INSERT OR IGNORE INTO doc_addresses (aid, field, doc) VALUES (?, ?, ?)'),
    docAddressIds: db.prepare('SELECT aid FROM doc_addresses WHERE doc = ?').pluck(),
    deleteDocAddresses: db.prepare('DELETE FROM doc_addresses WHERE doc = ?'),
    count: db.prepare('SELECT count(*) AS n FROM docs'),
  };
}

function words(text: string): string {
  return normalizeWords(text).join(' ');
}

/** Name and local part are separate segments: `from:"smith jsmith"` must not bridge them. */
function addressWords(list: readonly IndexedAddress[]): string {
  const segments: string[] = [];
  for (const { address, name } of list) {
    for (const segment of [words(name), words(localPartOf(address))]) {
      if (segment !== '') segments.push(segment);
    }
  }
  return segments.join(SEGMENT_BREAK);
}

interface Page {
  total: number;
  rows: SearchPosition[];
}

