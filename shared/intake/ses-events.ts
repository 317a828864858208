import type { DeliveryVerdicts } from '../domain/records.js';
import { z } from 'zod';
import { CofferError } from '../errors.js';

/**
 * Parsers for the AWS events behind SES intake: the SES "Received" notification (SNS message
 * body or Lambda SES event), S3 ObjectCreated events and SQS batches carrying them.
 *
 * Only the fields Coffer uses are validated; every object is loose, so fields AWS adds later
 * never break intake. A malformed event throws `REQUEST.INVALID` naming the offending path, so
 * the caller leaves the message on its queue (retry, then dead-letter) rather than losing it.
 */

/**
 * SES verdict statuses as reported: PASS, FAIL, GRAY, PROCESSING_FAILED, DISABLED (scanning
 * off), or `ABSENT` when the notification has no such verdict (older notifications carry no
 * dmarcVerdict). Never used to drop mail: an archive must keep everything it is sent, and
 * Exchange/Microsoft 365 journal reports fail DMARC (and often SPF/DKIM) by design, because
 * the journal agent re-sends the report from the tenant on behalf of the original sender.
 * Verdicts are evidence to record, not a filter.
 */
/** The receiving service's verdicts, as the delivery record keeps them. */
export type SesVerdicts = DeliveryVerdicts;

export interface SesDelivery {
  /** mail.messageId: the SES id, also the default S3 object key (after the rule's prefix). */
  sesMessageId: string;
  /** mail.timestamp: when SES received the message (ISO 8601). */
  timestamp: string;
  /** mail.source (null for the null sender `<>`), receipt.recipients (lower-cased, deduplicated). */
  envelope: { mailFrom: string | null; rcptTo: string[] };
  verdicts: SesVerdicts;
  /** Where an S3 receipt action wrote the raw message; absent for other action types. */
  object?: { bucket: string; key: string };
}

export interface S3ObjectRef {
  bucket: string;
  /** Decoded: S3 events URL-encode keys with `+` for space. */
  key: string;
  size: number;
  eTag?: string;
  sequencer?: string;
}

export interface SqsS3Message {
  /** The SQS message id, for partial batch failure reports. */
  messageId: string;
  /** Empty for the s3:TestEvent S3 sends when a notification is configured. */
  objects: S3ObjectRef[];
}

/** Reported for a verdict the notification does not carry. */
export const VERDICT_ABSENT = 'ABSENT';

// ---- schemas ---------------------------------------------------------------------------------

const verdict = z.looseObject({ status: z.string().min(1) }).optional();

const action = z
  .looseObject({
    type: z.string().min(1),
    bucketName: z.string().min(1).optional(),
    objectKey: z.string().min(1).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.type !== 'S3') return;
    if (a.bucketName === undefined) ctx.addIssue({ code: 'custom', path: ['bucketName'], message: 'required for an S3 action' });
    if (a.objectKey === undefined) ctx.addIssue({ code: 'custom', path: ['objectKey'], message: 'required for an S3 action' });
  });

const mail = z.looseObject({
  messageId: z.string().min(1),
  timestamp: z.iso.datetime({ offset: true }),
  /** The envelope MAIL FROM; empty (or absent) for the null sender of bounces and reports. */
  source: z.string().nullish(),
});

const receipt = z.looseObject({
  recipients: z.array(z.string()),
  spamVerdict: verdict,
  virusVerdict: verdict,
  spfVerdict: verdict,
  dkimVerdict: verdict,
  dmarcVerdict: verdict,
  // Documented as a string; accepted as a {status} object too, since it is only reported.
  dmarcPolicy: z.union([z.string(), z.looseObject({ status: z.string() })]).optional(),
  action: action.optional(),
});

const sesMessage = z.looseObject({ mail, receipt });

/** The SNS message body: `{"notificationType":"Received","receipt":…,"mail":…}`. */
const sesNotification = sesMessage.extend({ notificationType: z.literal('Received') });

/** One record of the Lambda SES event: `{"eventSource":"aws:ses","ses":{"mail":…,"receipt":…}}`. */
const sesLambdaRecord = z.looseObject({ ses: sesMessage });
const sesLambdaEvent = z.looseObject({ Records: z.array(sesLambdaRecord) });

const s3Record = z.looseObject({
  eventName: z.string().min(1),
  s3: z.looseObject({}),
});
const s3CreatedEntity = z.looseObject({
  bucket: z.looseObject({ name: z.string().min(1) }),
  object: z.looseObject({
    key: z.string().min(1),
    size: z.number().int().nonnegative(),
    eTag: z.string().optional(),
    sequencer: z.string().optional(),
  }),
});
const s3Event = z.looseObject({ Records: z.array(s3Record) });
/** Sent once when a bucket notification is configured: `{"Service":"Amazon S3","Event":"s3:TestEvent",…}`. */
const s3TestEvent = z.looseObject({ Event: z.literal('s3:TestEvent') });

const sqsEvent = z.looseObject({
  Records: z.array(z.looseObject({ messageId: z.string().min(1), body: z.string() })),
});

// ---- helpers ---------------------------------------------------------------------------------

type Path = readonly PropertyKey[];

function pathText(path: Path): string {
  return path.length ? path.map(String).join('.') : '(root)';
}

function invalid(what: string, path: Path, message: string): CofferError {
  return new CofferError('REQUEST.INVALID', `invalid ${what}: ${pathText(path)}: ${message}`);
}

/** Parses with `schema`, reporting issue paths relative to the whole event (`at` is the prefix). */
function check<T extends z.ZodType>(what: string, schema: T, value: unknown, at: Path = []): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${pathText([...at, ...i.path])}: ${i.message}`).join('; ');
  throw new CofferError('REQUEST.INVALID', `invalid ${what}: ${issues}`, { cause: result.error });
}

/** Accepts a parsed object or its JSON text (SNS `Message` and SQS `body` are strings). */
function fromJson(what: string, json: unknown, at: Path = []): unknown {
  if (typeof json !== 'string') return json;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw invalid(what, at, 'not valid JSON');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toDelivery(message: z.output<typeof sesMessage>): SesDelivery {
  const { mail: m, receipt: r } = message;
  const status = (v: { status: string } | undefined): string => v?.status ?? VERDICT_ABSENT;
  // Reported only, never acted on: see SesVerdicts.
  const verdicts: SesVerdicts = {
    spam: status(r.spamVerdict),
    virus: status(r.virusVerdict),
    spf: status(r.spfVerdict),
    dkim: status(r.dkimVerdict),
    dmarc: status(r.dmarcVerdict),
  };
  const policy = typeof r.dmarcPolicy === 'string' ? r.dmarcPolicy : r.dmarcPolicy?.status;
  if (policy) verdicts.dmarcPolicy = policy;
  const rcptTo = [...new Set(r.recipients.map((a) => a.trim().toLowerCase()).filter(Boolean))];
  const delivery: SesDelivery = {
    sesMessageId: m.messageId,
    timestamp: m.timestamp,
    envelope: { mailFrom: m.source?.trim() || null, rcptTo },
    verdicts,
  };
  // SES writes the object under exactly this key (not URL-encoded, unlike S3 events).
  if (r.action?.type === 'S3' && r.action.bucketName !== undefined && r.action.objectKey !== undefined) {
    delivery.object = { bucket: r.action.bucketName, key: r.action.objectKey };
  }
  return delivery;
}

/** S3 event keys are form-encoded: `+` is a space, `%2B` a plus. */
function decodeS3Key(key: string, at: Path): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw invalid('S3 event', at, 'object key is not URL-encoded');
  }
}

// ---- API -------------------------------------------------------------------------------------

/**
 * One SES "Received" notification: the SNS message body (object or its JSON text), or one
 * record of the Lambda SES event (`{ses:{mail,receipt}}`). A whole Lambda event is accepted
 * when it holds exactly one record (SES sends one per invocation); use parseSesLambdaEvent
 * for the general case.
 */
export function parseSesNotification(json: unknown): SesDelivery {
  const what = 'SES notification';
  const value = fromJson(what, json);
  if (isRecord(value) && 'Records' in value) {
    const all = parseSesLambdaEvent(value);
    const [only] = all;
    if (all.length !== 1 || only === undefined) throw invalid(what, ['Records'], `expected exactly 1 record, got ${all.length}`);
    return only;
  }
  if (isRecord(value) && 'ses' in value) return toDelivery(check(what, sesLambdaRecord, value).ses);
  return toDelivery(check(what, sesNotification, value));
}

/** The Lambda SES event (receipt rule Lambda action): one SesDelivery per record. */
export function parseSesLambdaEvent(json: unknown): SesDelivery[] {
  const what = 'SES Lambda event';
  return check(what, sesLambdaEvent, fromJson(what, json)).Records.map((r) => toDelivery(r.ses));
}

/**
 * The ObjectCreated objects of an S3 event notification, keys decoded. Records of other event
 * types (ObjectRemoved…) are skipped; the s3:TestEvent yields none.
 */
export function parseS3Event(json: unknown): S3ObjectRef[] {
  return parseS3At(json, []);
}

function parseS3At(json: unknown, at: Path): S3ObjectRef[] {
  const what = 'S3 event';
  const value = fromJson(what, json, at);
  if (s3TestEvent.safeParse(value).success) return [];
  const event = check(what, s3Event, value, at);
  const objects: S3ObjectRef[] = [];
  event.Records.forEach((record, i) => {
    if (!record.eventName.startsWith('ObjectCreated:')) return;
    const here = [...at, 'Records', i, 's3'];
    const entity = check(what, s3CreatedEntity, record.s3, here);
    const o = entity.object;
    const ref: S3ObjectRef = { bucket: entity.bucket.name, key: decodeS3Key(o.key, [...here, 'object', 'key']), size: o.size };
    if (o.eTag !== undefined) ref.eTag = o.eTag;
    if (o.sequencer !== undefined) ref.sequencer = o.sequencer;
    objects.push(ref);
  });
  return objects;
}

/**
 * An SQS Lambda event whose message bodies are S3 event notifications (S3 → SQS → Lambda).
 * Throws on the first malformed message; its path names the record (`Records.N.body…`).
 */
export function parseSqsS3Batch(json: unknown): SqsS3Message[] {
  const what = 'SQS event';
  const event = check(what, sqsEvent, fromJson(what, json));
  return event.Records.map((record, i) => ({
    messageId: record.messageId,
    objects: parseS3At(record.body, ['Records', i, 'body']),
  }));
}
