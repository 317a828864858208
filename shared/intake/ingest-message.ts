import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { Clock } from '../ports/clock.js';
import type { IdGenerator } from '../ports/id-generator.js';
import type { Logger } from '../ports/logger.js';
import type { SearchIndex } from '../ports/search-index.js';
import type { CoreConfig } from '../config.js';
import type { Delivery, DeliverySource, Envelope, ParseStatus } from '../domain/records.js';
import { TooLargeError } from '../errors.js';
import { hashStream, sha256Hex } from './hash.js';
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
}

/**
 * The one intake use case behind SMTP, SES, `coffer import` and the upload API.
 * Order is the guarantee: the bytes are stored (and so safe) before anything that can fail on
 * their content runs; the envelope record is stored before the catalog learns of the delivery,
 * so the store alone can rebuild everything (DESIGN invariants 1, 4, 6).
 */
export class IngestMessage {
  constructor(private readonly deps: IntakeDeps) {}

  async execute(request: IntakeRequest): Promise<IntakeResult> {
    const { blobs, catalog, index, clock, ids, config } = this.deps;
    const { sha256: id, size } = await hashStream(request.source.open());
    if (size > config.maxMessageBytes) throw new TooLargeError('MESSAGE.TOO_LARGE', config.maxMessageBytes);

    const now = clock.now();
    const retainUntil = new Date(now.getTime() + config.retentionDays * 86_400_000);
    const stored = await blobs.put(messageKey(id), request.source.open(), { sha256: id, retainUntil, contentType: 'message/rfc822' });

    const deliveryId = request.deliveryId ?? ids.next();
    const delivery: Delivery = {
      id: deliveryId,
      messageSha256: id,
      receivedAt: now.toISOString(),
      source: request.from,
      envelope: normalizeEnvelope(request.envelope),
      origin: request.origin,
      evidenceKey: deliveryKey(id, deliveryId),
    };
    const evidence = envelopeRecord(delivery);
    await blobs.put(delivery.evidenceKey, evidence, { sha256: sha256Hex(evidence), retainUntil, contentType: 'application/json' });

    // Parse only what the catalog has not seen: a duplicate costs a hash and two small writes.
    const known = stored.created ? null : await catalog.getMessage(id);
    if (known) {
      const outcome = await catalog.recordIntake(known, delivery);
      if (outcome.peopleChanged) await index.updatePeople(id, peopleOf(outcome.message));
      this.log(outcome.message.parseStatus, id, size, delivery, false);
      return { id, size, deliveryId, messageCreated: false, deliveryCreated: outcome.deliveryCreated, parseStatus: known.parseStatus };
    }

    const parsed = await parseMessage(request.source.open(), config.parseLimits);
    const record = buildRecord(parsed, { id, size, retainUntil, firstReceivedAt: now, internalDomains: config.internalDomains });
    // Index before the catalog: a crash in between leaves a message the catalog does not know,
    // so the sender's retry parses and indexes it again instead of skipping it as known.
    await index.index([buildIndexDocument(mergeDelivery(record, delivery).record, parsed.text)]);
    const outcome = await catalog.recordIntake(record, delivery);
    if (!outcome.messageCreated && outcome.peopleChanged) await index.updatePeople(id, peopleOf(outcome.message));
    this.log(record.parseStatus, id, size, delivery, outcome.messageCreated);
    return {
      id,
      size,
      deliveryId,
      messageCreated: outcome.messageCreated,
      deliveryCreated: outcome.deliveryCreated,
      parseStatus: outcome.message.parseStatus,
    };
  }

  private log(parseStatus: ParseStatus, id: string, size: number, delivery: Delivery, created: boolean): void {
    this.deps.logger.debug('message archived', {
      id,
      size,
      created,
      parseStatus,
      deliveryId: delivery.id,
      source: delivery.source,
      recipients: delivery.envelope.rcptTo.length,
    });
  }
}

function normalizeEnvelope(envelope: Envelope): Envelope {
  return {
    mailFrom: envelope.mailFrom?.trim().toLowerCase() || null,
    rcptTo: [...new Set(envelope.rcptTo.map((r) => r.trim().toLowerCase()).filter(Boolean))],
  };
}
