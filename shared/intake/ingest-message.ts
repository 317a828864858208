import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { Clock } from '../ports/clock.js';
import type { IdGenerator } from '../ports/id-generator.js';
import type { Logger } from '../ports/logger.js';
import type { IndexDocument, SearchIndex } from '../ports/search-index.js';
import type { IntakeGovernor } from '../holds/govern-intake.js';
import type { CoreConfig } from '../config.js';
import type { Delivery, DeliverySource, DeliveryVerdicts, Envelope, JournalDelivery, MessageRecord, ParseStatus } from '../domain/records.js';
import { unwrapJournalReport } from '../journal/journal-report.js';
import { headerRecipients } from './header-recipients.js';
import { CofferError, TooLargeError } from '../errors.js';
import { createHash } from 'node:crypto';
import { sha256Hex } from './hash.js';
import { deliveryKey, messageKey } from './keys.js';
import { parseMessage } from './parse-message.js';
import { buildIndexDocument, buildRecord, envelopeRecord, peopleOf } from './build-record.js';
import { mergeDelivery } from './merge-delivery.js';

/** Raw message bytes that can be read more than once (hash, store, parse) without buffering. */
export interface RawSource {
  open(): AsyncIterable<Uint8Array>;
}

export interface IntakeRequest {
  source: RawSource;
  from: DeliverySource;
  envelope: Envelope;
  origin: string | null;
  /** Set by event sources that retry (SES, S3): the same id twice records one delivery. */
  deliveryId?: string;
  verdicts?: DeliveryVerdicts;
}

export interface IntakeResult {
  id: string;
  size: number;
  deliveryId: string;
  messageCreated: boolean;
  deliveryCreated: boolean;
  parseStatus: ParseStatus;
}

export interface IntakeDeps {
  blobs: BlobStore;
  catalog: Catalog;
  index: SearchIndex;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  config: CoreConfig;
  /** Live holds and retention policies, applied to each new message; absent in read-only tools. */
  governor?: IntakeGovernor;
}

/**
 * The one intake use case behind SMTP, SES, `coffer import` and the upload API.
 * Order is the guarantee: the bytes are stored (and so safe) before anything that can fail on
 * their content runs; the envelope record is stored before the catalog learns of the delivery,
 * so the store alone can rebuild everything (DESIGN invariants 1, 4, 6).
 */
/** Messages up to this size are read once and kept in memory for the store and the parser. */
const IN_MEMORY_BYTES = 8 * 1024 * 1024;

type Durability = 'batch' | 'immediate';

interface StageExtras {
  journal?: JournalDelivery;
  journalStatus?: { status: 'ok' | 'malformed'; error: string | null };
  headerRecipients?: string[];
  decryptedCopyId?: string;
  decryptedCopyOf?: string;
  /** Text indexed with the message beyond its own: a protected original's decrypted text. */
  extraText?: string;
}

/** One message after its bytes and envelope record are stored, before the catalog knows it. */
interface Staged {
  id: string;
  size: number;
  delivery: Delivery;
  /** The catalog's record when the message was already archived. */
  known: MessageRecord | null;
  /** For a new message: its record and the text to index. */
  fresh: { record: MessageRecord; text: string } | null;
}

export class IngestMessage {
  constructor(private readonly deps: IntakeDeps) {}

  async execute(request: IntakeRequest): Promise<IntakeResult> {
    const [result] = await this.executeMany([request]);
    if (result === undefined) throw new Error('intake returned no result');
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * Bulk intake (import): each message is stored and parsed on its own, then the batch is made
   * durable with one flush, indexed in one write and catalogued in one transaction. A message
   * that fails yields its Error in its place; the others go on.
   */
  async executeMany(requests: readonly IntakeRequest[]): Promise<(IntakeResult | Error)[]> {
    const { blobs, catalog, index } = this.deps;
    const durability: Durability = requests.length > 1 ? 'batch' : 'immediate';
    const perRequest = await Promise.all(requests.map((r) => this.stage(r, durability).catch((err: unknown) => asError(err))));
    const ready = perRequest.flatMap((s) => (s instanceof Error ? [] : s));
    await blobs.flush();

    // Index before the catalog: a crash in between leaves a message the catalog does not know,
    // so the retry parses and indexes it again instead of skipping it as known.
    const docOf = new Map(ready.flatMap((s) => (s.fresh ? [[s, buildIndexDocument(mergeDelivery(s.fresh.record, s.delivery).record, s.fresh.text)] as const] : [])));
    const docs = [...docOf.values()];
    if (docs.length > 0) await index.index(docs);
    // Holds and retention policies before the catalog: if this fails, the retry finds the message
    // unknown and governs it again (a message never sits in the catalog unheld by a live hold).
    const extended = this.deps.governor
      ? await this.deps.governor.govern(
          ready.map((s) => ({
            id: s.id,
            doc: docOf.get(s) ?? null,
            record: s.fresh?.record ?? s.known ?? never(),
            delivery: s.delivery,
            ...(s.known && mergeDelivery(s.known, s.delivery).changed ? { loadDocument: () => this.documentOf(s.known ?? never(), s.delivery) } : {}),
          })),
        )
      : new Map<string, Date>();
    const recordOf = (s: Staged): MessageRecord => {
      const record = s.fresh?.record ?? s.known ?? never();
      const until = s.fresh ? extended.get(s.id) : undefined;
      return until ? { ...record, retainUntil: until.toISOString() } : record;
    };
    const outcomes = await catalog.recordIntakes(ready.map((s) => ({ message: recordOf(s), delivery: s.delivery })));

    const results = new Map<Staged, IntakeResult>();
    for (const [i, s] of ready.entries()) {
      const outcome = outcomes[i];
      if (!outcome) continue;
      // A known message gained recipients, or a duplicate within this batch was indexed with fewer.
      if (outcome.peopleChanged && !outcome.messageCreated) await index.updatePeople(s.id, peopleOf(outcome.message));
      results.set(s, {
        id: s.id,
        size: s.size,
        deliveryId: s.delivery.id,
        messageCreated: outcome.messageCreated,
        deliveryCreated: outcome.deliveryCreated,
        parseStatus: outcome.message.parseStatus,
      });
      this.log(outcome.message.parseStatus, s, outcome.messageCreated);
    }
    // Each request answers with its own message: for a journal report, the original's result.
    return perRequest.map((s) => (s instanceof Error ? s : (results.get(s[0] ?? ({} as Staged)) ?? new Error('not recorded'))));
  }

  /**
   * Reads the message once; a journal report is unwrapped so that the ORIGINAL becomes the
   * archived message (its SHA-256 the id) and the report's bytes are kept as the delivery's
   * evidence. A protected original's decrypted copy is archived beside it and linked.
   */
  private async stage(request: IntakeRequest, durability: Durability): Promise<Staged[]> {
    const { config } = this.deps;
    const read = await readOnce(request.source, Math.min(IN_MEMORY_BYTES, config.maxMessageBytes + 1));
    if (read.size > config.maxMessageBytes) throw new TooLargeError('MESSAGE.TOO_LARGE', config.maxMessageBytes);
    // A large message is only pulled into memory when it is a journal report that must be unwrapped.
    const bytes = read.bytes ?? ((await startsLikeJournal(request.source)) ? await readAll(request.source) : null);
    const unwrapped = bytes ? unwrapJournalReport(bytes) : ({ kind: 'not-journal' } as const);
    if (unwrapped.kind === 'not-journal') {
      const extras: StageExtras = bytes ? { headerRecipients: headerRecipients(bytes) } : {};
      return [await this.stageMessage(request, read, bytes, durability, extras)];
    }

    const retainUntil = this.retainUntil();
    const reportKey = reportKeyOf(read.sha256);
    await this.deps.blobs.put(reportKey, bytes ?? never(), { sha256: read.sha256, retainUntil, contentType: 'message/rfc822', durability });
    const fields = unwrapped.fields;
    const journal: JournalDelivery = {
      status: unwrapped.kind === 'report' ? 'ok' : 'malformed',
      reason: unwrapped.kind === 'malformed' ? unwrapped.reason : null,
      sender: fields?.sender ?? null,
      onBehalfOf: fields?.onBehalfOf ?? null,
      subject: fields?.subject ?? null,
      messageId: fields?.messageId ?? null,
      recipients: fields?.recipients ?? [],
      unknownLines: fields?.unknownLines ?? [],
      reportKey,
      reportSha256: read.sha256,
    };
    if (unwrapped.kind === 'malformed') {
      // Nothing is lost: the report itself is archived and findable, flagged with the reason.
      return [await this.stageMessage(request, read, bytes, durability, { journal, journalStatus: { status: 'malformed', error: unwrapped.reason } })];
    }

    const original = unwrapped.original;
    const originalRead = { sha256: sha256Hex(original), size: original.length };
    const staged: Staged[] = [];
    let decryptedText = '';
    let decryptedCopyId: string | undefined;
    if (unwrapped.decrypted) {
      const copy = unwrapped.decrypted;
      const { deliveryId, ...rest } = request;
      const copyStaged = await this.stageMessage(
        { ...rest, ...(deliveryId ? { deliveryId: `${deliveryId}-decrypted` } : {}) },
        { sha256: sha256Hex(copy), size: copy.length },
        copy,
        durability,
        { journal, journalStatus: { status: 'ok', error: null }, decryptedCopyOf: originalRead.sha256 },
      );
      staged.push(copyStaged);
      decryptedCopyId = copyStaged.id;
      decryptedText = copyStaged.fresh?.text ?? '';
    }
    staged.unshift(
      await this.stageMessage(request, originalRead, original, durability, {
        journal,
        journalStatus: { status: 'ok', error: null },
        ...(decryptedCopyId ? { decryptedCopyId, extraText: decryptedText } : {}),
      }),
    );
    return staged;
  }

  /** Stores the bytes and the envelope record, and parses the message if it is new. */
  private async stageMessage(
    request: IntakeRequest,
    read: { sha256: string; size: number },
    bytes: Buffer | null,
    durability: Durability,
    extras: StageExtras,
  ): Promise<Staged> {
    const { blobs, catalog, clock, ids, config } = this.deps;
    const { sha256: id, size } = read;
    const open = bytes ? () => single(bytes) : () => request.source.open();
    const now = clock.now();
    const stored = await blobs.put(messageKey(id), bytes ?? open(), { sha256: id, retainUntil: this.retainUntil(now), contentType: 'message/rfc822', durability });
    // The record states the store's retention: when the bytes were already there (a duplicate,
    // or a concurrent intake of the same message won the race), that is the stored object's.
    const retainUntil = stored.retainUntil;

    const deliveryId = request.deliveryId ?? ids.next();
    const delivery: Delivery = {
      id: deliveryId,
      messageSha256: id,
      receivedAt: now.toISOString(),
      source: request.from,
      envelope: normalizeEnvelope(request.envelope),
      origin: request.origin,
      evidenceKey: deliveryKey(id, deliveryId),
      ...(extras.journal ? { journal: extras.journal } : {}),
      ...(extras.headerRecipients?.length ? { headerRecipients: extras.headerRecipients } : {}),
      ...(request.verdicts ? { verdicts: request.verdicts } : {}),
      ...(extras.decryptedCopyId ? { decryptedCopyId: extras.decryptedCopyId } : {}),
      ...(extras.decryptedCopyOf ? { decryptedCopyOf: extras.decryptedCopyOf } : {}),
    };
    const evidence = envelopeRecord(delivery);
    try {
      await blobs.put(delivery.evidenceKey, evidence, { sha256: sha256Hex(evidence), retainUntil, contentType: 'application/json', durability });
    } catch (err) {
      // A retried event (same delivery id, later time): the first envelope record stands, and
      // the catalog will report the delivery as already recorded.
      if (!(request.deliveryId && err instanceof CofferError && err.code === 'BLOB.EXISTS')) throw err;
    }

    // Parse only what the catalog has not seen: a duplicate costs a hash and two small writes.
    const known = stored.created ? null : await catalog.getMessage(id);
    if (known) return { id, size, delivery, known, fresh: null };
    const parsed = await parseMessage(open(), config.parseLimits);
    const record = buildRecord(parsed, {
      id,
      size,
      retainUntil,
      firstReceivedAt: now,
      internalDomains: config.internalDomains,
      ...(extras.journalStatus ? { journal: extras.journalStatus } : {}),
      ...(extras.decryptedCopyId ? { decryptedCopyId: extras.decryptedCopyId } : {}),
      ...(extras.decryptedCopyOf ? { decryptedCopyOf: extras.decryptedCopyOf } : {}),
    });
    const text = extras.extraText ? `${parsed.text}\n${extras.extraText}` : parsed.text;
    return { id, size, delivery, known: null, fresh: { record, text } };
  }

  /** A known message's index document with this delivery's people merged, from its stored bytes. */
  private async documentOf(known: MessageRecord, delivery: Delivery): Promise<IndexDocument> {
    const parsed = await parseMessage(await this.deps.blobs.get(messageKey(known.id)), this.deps.config.parseLimits);
    return buildIndexDocument(mergeDelivery(known, delivery).record, parsed.text);
  }

  private retainUntil(from: Date = this.deps.clock.now()): Date {
    return new Date(from.getTime() + this.deps.config.retentionDays * 86_400_000);
  }

  private log(parseStatus: ParseStatus, s: Staged, created: boolean): void {
    this.deps.logger.debug('message archived', {
      id: s.id,
      size: s.size,
      created,
      parseStatus,
      deliveryId: s.delivery.id,
      source: s.delivery.source,
      recipients: s.delivery.envelope.rcptTo.length,
    });
  }
}

/** Hashes the source in one pass, keeping the bytes when they fit in `keepUpTo`. */
async function readOnce(source: RawSource, keepUpTo: number): Promise<{ sha256: string; size: number; bytes: Buffer | null }> {
  const hash = createHash('sha256');
  let size = 0;
  let parts: Buffer[] | null = [];
  for await (const chunk of source.open()) {
    hash.update(chunk);
    size += chunk.length;
    if (parts && size <= keepUpTo) parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    else parts = null;
  }
  return { sha256: hash.digest('hex'), size, bytes: parts ? Buffer.concat(parts) : null };
}

/** Journal reports say so in their first header lines; a big message is checked before it is read whole. */
async function startsLikeJournal(source: RawSource): Promise<boolean> {
  let head = '';
  for await (const chunk of source.open()) {
    head += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    if (head.length >= 64 * 1024) break;
  }
  const block = head.split(/\r?\n\r?\n/, 1)[0] ?? '';
  return /^(x-ms-journal-report:|content-identifier:\s*exjournalreport)/im.test(block);
}

async function readAll(source: RawSource): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source.open()) parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  return Buffer.concat(parts);
}

function reportKeyOf(sha256: string): string {
  return `reports/${sha256.slice(0, 2)}/${sha256}`;
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function never(): never {
  throw new Error('a staged message is either known or fresh');
}

function normalizeEnvelope(envelope: Envelope): Envelope {
  return {
    mailFrom: envelope.mailFrom?.trim().toLowerCase() || null,
    rcptTo: [...new Set(envelope.rcptTo.map((r) => r.trim().toLowerCase()).filter(Boolean))],
  };
}
