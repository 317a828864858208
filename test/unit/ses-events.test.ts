import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import {
  VERDICT_ABSENT,
  parseS3Event,
  parseSesLambdaEvent,
  parseSesNotification,
  parseSqsS3Batch,
} from '../../shared/intake/ses-events.js';

/**
 * Fixtures in test/fixtures/aws/ keep the shape of AWS's documented examples (values may differ):
 * - ses-notification-s3-action.json: SES "Alert notification" (S3 action), Amazon SES Developer
 *   Guide, "Examples of notifications for Amazon SES email receiving"
 *   https://docs.aws.amazon.com/ses/latest/dg/receiving-email-notifications-examples.html
 *   (the doc's `"objectKey": "\email"` is not valid JSON; a prefixed key is used instead).
 * - ses-lambda-event.json: "Event records provided by the Lambda action", SES Developer Guide,
 *   "Sample incoming email event" (headers trimmed, multi-line doc strings joined)
 *   https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-lambda-event.html
 * - s3-put-event.json, s3-test-event.json: the ObjectCreated:Put and s3:TestEvent example
 *   messages, Amazon S3 User Guide, "Event message structure"
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 * - sqs-s3-batch.json: "Example Amazon SQS message event (standard queue)", Lambda Developer
 *   Guide, https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, with S3 events as bodies.
 */
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/aws/${name}`, import.meta.url), 'utf8'));

/** A mutable deep copy typed loosely enough to edit in tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const edit = (name: string): any => structuredClone(fixture(name));

function invalidError(fn: () => unknown): CofferError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CofferError);
    expect((err as CofferError).code).toBe('REQUEST.INVALID');
    return err as CofferError;
  }
  throw new Error('expected REQUEST.INVALID');
}

describe('parseSesNotification', () => {
  it('parses the SES alert notification of an S3 action', () => {
    expect(parseSesNotification(fixture('ses-notification-s3-action.json'))).toEqual({
      sesMessageId: 'd6iitobk75ur44p8kdnnp7g2n800',
      timestamp: '2015-09-11T20:32:33.936Z',
      envelope: {
        mailFrom: '0000014fbe1c09cf-7cb9f704-7531-4e53-89a1-5fa9744f5eb6-000000@amazonses.com',
        rcptTo: ['recipient@example.com'],
      },
      // The example predates DMARC verdicts: absent is reported, not defaulted to a pass.
      verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: VERDICT_ABSENT },
      object: { bucket: 'my-S3-bucket', key: 'email/d6iitobk75ur44p8kdnnp7g2n800' },
    });
  });

  it('accepts the SNS Message as JSON text', () => {
    const text = JSON.stringify(fixture('ses-notification-s3-action.json'));
    expect(parseSesNotification(text).sesMessageId).toBe('d6iitobk75ur44p8kdnnp7g2n800');
  });

  it('lower-cases and deduplicates recipients; the null sender gives mailFrom null', () => {
    const n = edit('ses-notification-s3-action.json');
    n.receipt.recipients = ['Journal@Example.COM', 'journal@example.com', 'Legal@example.com'];
    n.mail.source = '';
    const d = parseSesNotification(n);
    expect(d.envelope).toEqual({ mailFrom: null, rcptTo: ['journal@example.com', 'legal@example.com'] });
  });

  it('reports failing verdicts and the DMARC policy without rejecting the mail (journal reports fail DMARC)', () => {
    const n = edit('ses-notification-s3-action.json');
    n.receipt.spfVerdict = { status: 'FAIL' };
    n.receipt.dkimVerdict = { status: 'GRAY' };
    n.receipt.dmarcVerdict = { status: 'FAIL' };
    n.receipt.dmarcPolicy = 'reject';
    n.receipt.spamVerdict = { status: 'DISABLED' };
    n.receipt.virusVerdict = { status: 'PROCESSING_FAILED' };
    const d = parseSesNotification(n);
    expect(d.verdicts).toEqual({ spam: 'DISABLED', virus: 'PROCESSING_FAILED', spf: 'FAIL', dkim: 'GRAY', dmarc: 'FAIL', dmarcPolicy: 'reject' });
    expect(d.object).toEqual({ bucket: 'my-S3-bucket', key: 'email/d6iitobk75ur44p8kdnnp7g2n800' });
  });

  it('does not URL-decode the SES action object key (only S3 events encode keys)', () => {
    const n = edit('ses-notification-s3-action.json');
    n.receipt.action.objectKey = 'in box/a+b%2B';
    expect(parseSesNotification(n).object?.key).toBe('in box/a+b%2B');
  });

  it('parses one record of the Lambda SES event, and a one-record event', () => {
    const event = edit('ses-lambda-event.json');
    const expected = parseSesLambdaEvent(event)[0];
    expect(parseSesNotification(event.Records[0])).toEqual(expected);
    expect(parseSesNotification(event)).toEqual(expected);
  });

  it('rejects a Lambda event with several records (use parseSesLambdaEvent)', () => {
    const event = edit('ses-lambda-event.json');
    event.Records.push(event.Records[0]);
    expect(invalidError(() => parseSesNotification(event)).message).toContain('Records');
  });

  it('accepts unknown extra fields anywhere', () => {
    const n = edit('ses-notification-s3-action.json');
    n.newTopLevel = { any: 'thing' };
    n.mail.newMailField = 1;
    n.receipt.newReceiptField = [1, 2];
    n.receipt.spamVerdict.confidence = 0.1;
    n.receipt.action.kmsKeyArn = 'arn:aws:kms:us-east-1:012345678912:key/example';
    n.receipt.action.encoding = 'UTF8';
    expect(parseSesNotification(n).sesMessageId).toBe('d6iitobk75ur44p8kdnnp7g2n800');
  });

  it('gives REQUEST.INVALID with the path of a missing required field', () => {
    const noRecipients = edit('ses-notification-s3-action.json');
    delete noRecipients.receipt.recipients;
    expect(invalidError(() => parseSesNotification(noRecipients)).message).toContain('receipt.recipients');

    const noId = edit('ses-notification-s3-action.json');
    delete noId.mail.messageId;
    expect(invalidError(() => parseSesNotification(noId)).message).toContain('mail.messageId');

    const noKey = edit('ses-notification-s3-action.json');
    delete noKey.receipt.action.objectKey;
    expect(invalidError(() => parseSesNotification(noKey)).message).toContain('receipt.action.objectKey');

    const badTime = edit('ses-notification-s3-action.json');
    badTime.mail.timestamp = 'yesterday';
    expect(invalidError(() => parseSesNotification(badTime)).message).toContain('mail.timestamp');

    const lambda = edit('ses-lambda-event.json');
    delete lambda.Records[0].ses.receipt;
    expect(invalidError(() => parseSesLambdaEvent(lambda)).message).toContain('Records.0.ses.receipt');
  });

  it('rejects other notification types and invalid JSON text', () => {
    const bounce = edit('ses-notification-s3-action.json');
    bounce.notificationType = 'Bounce';
    expect(invalidError(() => parseSesNotification(bounce)).message).toContain('notificationType');
    expect(invalidError(() => parseSesNotification('{not json')).message).toContain('not valid JSON');
    invalidError(() => parseSesNotification(null));
  });
});

describe('parseSesLambdaEvent', () => {
  it('returns one delivery per record', () => {
    const event = edit('ses-lambda-event.json');
    const second = structuredClone(event.Records[0]);
    second.ses.mail.messageId = 'second-id';
    second.ses.receipt.recipients = ['Other@Example.com'];
    event.Records.push(second);
    const deliveries = parseSesLambdaEvent(event);
    expect(deliveries).toHaveLength(2);
    expect(deliveries[0]).toEqual({
      sesMessageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
      timestamp: '2019-08-05T21:30:02.028Z',
      envelope: { mailFrom: 'prvs=144d0cba7=sender@example.com', rcptTo: ['recipient@example.com'] },
      verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'GRAY' },
    });
    // A Lambda action stores nothing in S3.
    expect(deliveries[0]).not.toHaveProperty('object');
    expect(deliveries[1]?.sesMessageId).toBe('second-id');
    expect(deliveries[1]?.envelope.rcptTo).toEqual(['other@example.com']);
  });
});

describe('parseS3Event', () => {
  it('parses the ObjectCreated:Put example', () => {
    expect(parseS3Event(fixture('s3-put-event.json'))).toEqual([
      { bucket: 'mybucket', key: 'HappyFace.jpg', size: 1024, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
    ]);
  });

  it.each([
    ['red+flower.jpg', 'red flower.jpg'],
    ['a%2Bb.eml', 'a+b.eml'],
    ['in%20box/x.eml', 'in box/x.eml'],
    ['journal/Q1+report%2B%20final.eml', 'journal/Q1 report+ final.eml'],
    ['caf%C3%A9.eml', 'café.eml'],
  ])('decodes the key %s', (raw, decoded) => {
    const e = edit('s3-put-event.json');
    e.Records[0].s3.object.key = raw;
    expect(parseS3Event(e)[0]?.key).toBe(decoded);
  });

  it('returns no objects for the s3:TestEvent', () => {
    expect(parseS3Event(fixture('s3-test-event.json'))).toEqual([]);
  });

  it('skips records that are not ObjectCreated; eTag and sequencer are optional', () => {
    const e = edit('s3-put-event.json');
    const removed = structuredClone(e.Records[0]);
    removed.eventName = 'ObjectRemoved:Delete';
    delete removed.s3.object.size;
    const copied = structuredClone(e.Records[0]);
    copied.eventName = 'ObjectCreated:CompleteMultipartUpload';
    copied.s3.object.key = 'big.eml';
    delete copied.s3.object.eTag;
    delete copied.s3.object.sequencer;
    e.Records.push(removed, copied);
    expect(parseS3Event(e)).toEqual([
      { bucket: 'mybucket', key: 'HappyFace.jpg', size: 1024, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
      { bucket: 'mybucket', key: 'big.eml', size: 1024 },
    ]);
  });

  it('accepts unknown extra fields', () => {
    const e = edit('s3-put-event.json');
    e.Records[0].s3.object.checksumAlgorithm = 'CRC64NVME';
    e.Records[0].newField = { a: 1 };
    e.extra = true;
    expect(parseS3Event(e)).toHaveLength(1);
  });

  it('gives REQUEST.INVALID with the path of a missing or malformed field', () => {
    const noSize = edit('s3-put-event.json');
    delete noSize.Records[0].s3.object.size;
    expect(invalidError(() => parseS3Event(noSize)).message).toContain('Records.0.s3.object.size');

    const noBucket = edit('s3-put-event.json');
    delete noBucket.Records[0].s3.bucket.name;
    expect(invalidError(() => parseS3Event(noBucket)).message).toContain('Records.0.s3.bucket.name');

    const badKey = edit('s3-put-event.json');
    badKey.Records[0].s3.object.key = 'bad%E0%A4%A.eml';
    expect(invalidError(() => parseS3Event(badKey)).message).toContain('Records.0.s3.object.key');

    expect(invalidError(() => parseS3Event({ Service: 'Amazon S3' })).message).toContain('Records');
  });
});

describe('parseSqsS3Batch', () => {
  it('parses a multi-record batch, including the s3:TestEvent', () => {
    expect(parseSqsS3Batch(fixture('sqs-s3-batch.json'))).toEqual([
      {
        messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
        objects: [
          { bucket: 'coffer-inbound', key: 'inbound/d6iitobk75ur44p8kdnnp7g2n800', size: 4096, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
        ],
      },
      {
        messageId: '2e1424d4-f796-459a-8184-9c92662be6da',
        objects: [
          { bucket: 'coffer-inbound', key: 'journal/Q1 report+ final.eml', size: 2048, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E6' },
        ],
      },
      { messageId: '5a6b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d', objects: [] },
    ]);
  });

  it('gives REQUEST.INVALID with the path into the failing record body', () => {
    const notJson = edit('sqs-s3-batch.json');
    notJson.Records[1].body = 'hello';
    expect(invalidError(() => parseSqsS3Batch(notJson)).message).toContain('Records.1.body');

    const noSize = edit('sqs-s3-batch.json');
    const body = JSON.parse(noSize.Records[0].body);
    delete body.Records[0].s3.object.size;
    noSize.Records[0].body = JSON.stringify(body);
    expect(invalidError(() => parseSqsS3Batch(noSize)).message).toContain('Records.0.body.Records.0.s3.object.size');

    const noId = edit('sqs-s3-batch.json');
    delete noId.Records[2].messageId;
    expect(invalidError(() => parseSqsS3Batch(noId)).message).toContain('Records.2.messageId');
  });

  it('accepts unknown extra fields on SQS records', () => {
    const batch = edit('sqs-s3-batch.json');
    batch.Records[0].newSqsField = 'x';
    batch.Records[0].attributes.AWSTraceHeader = 'Root=1-00000000-000000000000000000000000';
    expect(parseSqsS3Batch(batch)).toHaveLength(3);
  });
});
