import { readFileSync } from 'node:fs';
import { CreateBucketCommand, ListObjectsV2Command, GetObjectRetentionCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../adapters/aws/s3-blob-store.js';
import { DynamoCatalog } from '../../adapters/aws/dynamo-catalog.js';
import { messageKey } from '../../shared/intake/keys.js';
import { requireMoto, requireOpenSearch } from '../services/require-service.js';
import { buildJournalReport } from '../support/journal.js';
import { composeMail } from '../support/mail.js';
import { sha256 } from '../support/bytes.js';
import { AUDIENCE, startIssuer } from './jwt-issuer.js';
import type { TestIssuer } from './jwt-issuer.js';

type Handler = (event: unknown) => Promise<unknown>;
interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}
interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../fixtures/aws/${name}`, import.meta.url), 'utf8')) as T;

const JOURNAL = 'journal@archive.example.com';
const MAX_BYTES = 200_000;

/** What SES puts on top of every message it stores (docs: "Receiving email: the SES S3 action"). */
function sesWritten(sesId: string, message: Buffer, verdicts: { spf: string; dkim: string; dmarc: string }): Buffer {
  const head = [
    'Return-Path: <>',
    `Received: from mail-eopbgr.outbound.protection.outlook.com (mail-eopbgr.outbound.protection.outlook.com [203.0.113.9]) by inbound-smtp.us-east-1.amazonaws.com with SMTP id ${sesId} for ${JOURNAL}; Mon, 05 Aug 2024 21:30:02 +0000 (UTC)`,
    'X-SES-Spam-Verdict: PASS',
    'X-SES-Virus-Verdict: PASS',
    `Received-SPF: ${verdicts.spf.toLowerCase()} (spfCheck: example) client-ip=203.0.113.9;`,
    `Authentication-Results: amazonses.com;`,
    ` spf=${verdicts.spf.toLowerCase()} (spfCheck: example) client-ip=203.0.113.9; envelope-from=journal@corp.example;`,
    ` dkim=${verdicts.dkim.toLowerCase()} header.i=@corp.example;`,
    ` dmarc=${verdicts.dmarc.toLowerCase()} header.from=corp.example;`,
    `X-SES-RECEIPT: AEFBQUFBQUFBQUFHbE0`,
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), message]);
}

describe('the Lambda handlers on AWS-shaped events, against moto and OpenSearch', () => {
  const suffix = Math.random().toString(36).slice(2, 10);
  const inboxBucket = `coffer-inbox-${suffix}`;
  const archiveBucket = `coffer-archive-${suffix}`;
  let s3: S3Client;
  let idp: TestIssuer;
  let ingest: Handler;
  let api: Handler;
  let fixity: Handler;
  let disposition: Handler;
  let jobs: Handler;

  const sqsTemplate = fixture<{ Records: Record<string, unknown>[] }>('sqs-s3-batch.json').Records[0] ?? {};
  const s3Template = fixture<{ Records: { s3: { bucket: Record<string, unknown>; object: Record<string, unknown> } }[] }>('s3-put-event.json');
  const apiTemplate = fixture<Record<string, unknown> & { requestContext: Record<string, unknown> & { http: Record<string, unknown> } }>('apigw-v2-http-api-event.json');

  /** An SQS record whose body is the S3 event for one inbox object, as S3 → SQS delivers it. */
  function sqsRecord(messageId: string, key: string, size: number): Record<string, unknown> {
    const event = structuredClone(s3Template);
    const record = event.Records[0];
    if (!record) throw new Error('fixture has no record');
    record.s3.bucket = { ...record.s3.bucket, name: inboxBucket, arn: `arn:aws:s3:::${inboxBucket}` };
    // S3 events form-encode keys.
    record.s3.object = { ...record.s3.object, key: encodeURIComponent(key).replace(/%2F/g, '/'), size };
    return { ...sqsTemplate, messageId, body: JSON.stringify(event) };
  }

  /** An HTTP API 2.0 event as API Gateway sends it, for one request. */
  function httpEvent(method: string, path: string, options: { token?: string; body?: unknown } = {}): Record<string, unknown> {
    const event = structuredClone(apiTemplate);
    const headers: Record<string, string> = { host: 'id.execute-api.us-east-1.amazonaws.com', 'content-type': 'application/json' };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    return {
      ...event,
      rawPath: path,
      rawQueryString: '',
      cookies: undefined,
      queryStringParameters: undefined,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      isBase64Encoded: false,
      requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method, path } },
    };
  }

  const callApi = async (event: Record<string, unknown>) => (await api(event)) as HttpResult;
  const json = (result: HttpResult): unknown => JSON.parse(result.body);

  interface Stored {
    bytes: Buffer;
    id: string;
  }
  interface InboxObject {
    sesId: string;
    key: string;
    bytes: Buffer;
  }
  const original: Stored = { bytes: Buffer.alloc(0), id: '' };
  const plain: Stored = { bytes: Buffer.alloc(0), id: '' };
  const objects: Record<'journal' | 'plain' | 'tooLarge', InboxObject> = {
    journal: { sesId: `jrnl${suffix}0001`, key: '', bytes: Buffer.alloc(0) },
    plain: { sesId: `plain${suffix}0002`, key: '', bytes: Buffer.alloc(0) },
    tooLarge: { sesId: `large${suffix}0003`, key: '', bytes: Buffer.alloc(0) },
  };
  let batch: { Records: Record<string, unknown>[] };
  let firstResponse: BatchResponse;
  let officer: string;

  beforeAll(async () => {
    const moto = requireMoto();
    idp = await startIssuer();
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      COFFER_ARCHIVE_BUCKET: archiveBucket,
      COFFER_TABLE: `coffer-${suffix}`,
      COFFER_OPENSEARCH_URL: requireOpenSearch(),
      COFFER_OPENSEARCH_INDEX: `coffer-fn-${suffix}`,
      COFFER_OPENSEARCH_SIGV4: 'false',
      COFFER_OBJECT_LOCK_MODE: 'COMPLIANCE',
      COFFER_S3_ENDPOINT: moto,
      COFFER_DYNAMODB_ENDPOINT: moto,
      COFFER_MAX_MESSAGE_BYTES: String(MAX_BYTES),
      COFFER_LOG_LEVEL: 'error',
      COFFER_INBOX_BUCKET: inboxBucket,
      COFFER_INBOX_PREFIX: 'inbound/',
      COFFER_JOURNAL_ADDRESS: JOURNAL,
      COFFER_JWT_ISSUER: idp.issuer,
      COFFER_JWT_AUDIENCE: AUDIENCE,
      COFFER_JWT_JWKS_URL: idp.jwksUrl,
      COFFER_JWT_ROLE_CLAIM: 'cognito:groups',
    });
    s3 = new S3Client({ region: 'us-east-1', endpoint: moto, forcePathStyle: true });
    await S3BlobStore.ensureBucket(s3, archiveBucket);
    await s3.send(new CreateBucketCommand({ Bucket: inboxBucket }));
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: moto }));
    await DynamoCatalog.ensureTable(dynamo, `coffer-${suffix}`);

    ({ handler: ingest } = await import('../../functions/ingest.js'));
    ({ handler: api } = await import('../../functions/api.js'));
    ({ handler: fixity } = await import('../../functions/fixity.js'));
    ({ handler: disposition } = await import('../../functions/disposition.js'));
    ({ handler: jobs } = await import('../../functions/jobs.js'));

    original.bytes = await composeMail({ from: 'dana@corp.example', to: 'board@corp.example', subject: 'Quarterly restatement', text: 'The numbers change.' });
    original.id = sha256(original.bytes);
    const report = buildJournalReport({
      original: original.bytes,
      sender: 'dana@corp.example',
      subject: 'Quarterly restatement',
      messageId: `restatement-${suffix}@corp.example`,
      recipients: [{ address: 'counsel@lawfirm.example', kind: 'bcc' }],
      crlf: true,
    });
    objects.journal.bytes = sesWritten(objects.journal.sesId, report, { spf: 'PASS', dkim: 'PASS', dmarc: 'FAIL' });
    plain.bytes = sesWritten(
      objects.plain.sesId,
      await composeMail({ from: 'erin@corp.example', to: JOURNAL, subject: 'Plain delivery', text: 'Not a journal report.' }),
      { spf: 'PASS', dkim: 'NONE', dmarc: 'PASS' },
    );
    plain.id = sha256(plain.bytes);
    objects.plain.bytes = plain.bytes;
    objects.tooLarge.bytes = sesWritten(
      objects.tooLarge.sesId,
      await composeMail({ from: 'erin@corp.example', to: JOURNAL, subject: 'Too large', text: 'x'.repeat(MAX_BYTES + 50_000) }),
      { spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
    );
    for (const object of Object.values(objects)) {
      object.key = `inbound/${object.sesId}`;
      await s3.send(new PutObjectCommand({ Bucket: inboxBucket, Key: object.key, Body: object.bytes }));
    }

    batch = {
      Records: [
        sqsRecord('msg-journal', objects.journal.key, objects.journal.bytes.length),
        sqsRecord('msg-plain', objects.plain.key, objects.plain.bytes.length),
        sqsRecord('msg-too-large', objects.tooLarge.key, objects.tooLarge.bytes.length),
        { ...sqsTemplate, messageId: 'msg-malformed', body: '{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{}}}]}' },
        { ...sqsTemplate, messageId: 'msg-s3-test-event', body: JSON.stringify(fixture('s3-test-event.json')) },
      ],
    };
    firstResponse = (await ingest(batch)) as BatchResponse;
    officer = await idp.sign({ sub: 'officer-1', email: 'officer@corp.example', 'cognito:groups': ['officer'] });
  }, 120_000);

  afterAll(async () => {
    await idp?.close();
  });

  const inboxHas = async (key: string): Promise<boolean> =>
    s3.send(new HeadObjectCommand({ Bucket: inboxBucket, Key: key })).then(
      () => true,
      () => false,
    );

  it('reports only the failing records of an SQS batch; the others are archived and leave the inbox', async () => {
    expect(firstResponse.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['msg-malformed', 'msg-too-large']);
    expect(await inboxHas(objects.journal.key)).toBe(false);
    expect(await inboxHas(objects.plain.key)).toBe(false);
    // Never lost: a message that could not be archived stays in the inbox for the retry.
    expect(await inboxHas(objects.tooLarge.key)).toBe(true);
  });

  it('stores each message under S3 Object Lock COMPLIANCE with a retain-until years ahead', async () => {
    const inSevenYears = Date.now() + 2550 * 86_400_000;
    for (const id of [original.id, plain.id]) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: archiveBucket, Key: messageKey(id) }));
      expect(head.ObjectLockMode).toBe('COMPLIANCE');
      expect(head.ObjectLockRetainUntilDate?.getTime()).toBeGreaterThan(inSevenYears);
      // GetObjectRetention is how an auditor asks S3 itself; moto 5.2 answers it with the object
      // (adapters/aws/s3-blob-store.ts), so it is asserted only where it parses.
      const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: archiveBucket, Key: messageKey(id) })).catch(() => null);
      if (retention) expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    }
    // The journal report itself is kept, locked, as the delivery's evidence.
    const reportSha = sha256(objects.journal.bytes);
    const report = await s3.send(new HeadObjectCommand({ Bucket: archiveBucket, Key: `reports/${reportSha.slice(0, 2)}/${reportSha}` }));
    expect(report.ObjectLockMode).toBe('COMPLIANCE');
  });

  it('makes the archived mail searchable and readable through the api handler with a signed JWT', async () => {
    const byBcc = await callApi(httpEvent('POST', '/v1/search', { token: officer, body: { query: 'bcc:counsel@lawfirm.example' } }));
    expect(byBcc.statusCode).toBe(200);
    expect((json(byBcc) as { hits: { id: string }[] }).hits.map((h) => h.id)).toEqual([original.id]);

    const bySubject = await callApi(httpEvent('POST', '/v1/search', { token: officer, body: { query: 'subject:"plain delivery"' } }));
    expect((json(bySubject) as { hits: { id: string }[] }).hits.map((h) => h.id)).toEqual([plain.id]);

    const raw = await callApi(httpEvent('GET', `/v1/messages/${original.id}/raw`, { token: officer }));
    expect(raw.statusCode).toBe(200);
    expect(raw.isBase64Encoded).toBe(true);
    expect(sha256(Buffer.from(raw.body, 'base64'))).toBe(original.id);
  });

  it('records the SES delivery: its id from the SES message id, envelope and verdicts from SES headers', async () => {
    const result = await callApi(httpEvent('GET', `/v1/messages/${original.id}/deliveries`, { token: officer }));
    expect(result.statusCode).toBe(200);
    const { deliveries } = json(result) as { deliveries: Record<string, unknown>[] };
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      id: `ses-${objects.journal.sesId}`,
      source: 'ses',
      origin: `s3://${inboxBucket}/${objects.journal.key}`,
      envelope: { mailFrom: null, rcptTo: [JOURNAL] },
      // Journal reports fail DMARC by design: recorded, never a reason to drop.
      verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'FAIL' },
    });
  });

  it('refuses the API without a token (401) and with a token that carries no Coffer role (403)', async () => {
    const none = await callApi(httpEvent('POST', '/v1/search', { body: { query: 'subject:x' } }));
    expect(none.statusCode).toBe(401);
    expect((json(none) as { error: { code: string } }).error.code).toBe('AUTH.MISSING');
    const staff = await idp.sign({ sub: 'staff-1', 'cognito:groups': ['staff'] });
    const forbidden = await callApi(httpEvent('POST', '/v1/search', { token: staff, body: { query: 'subject:x' } }));
    expect(forbidden.statusCode).toBe(403);
    const health = await callApi(httpEvent('GET', '/health'));
    expect(health.statusCode).toBe(200);
  });

  it('treats a redelivered batch as done: no failures, no second delivery', async () => {
    const again = (await ingest({ Records: batch.Records.filter((r) => r['messageId'] === 'msg-journal' || r['messageId'] === 'msg-plain') })) as BatchResponse;
    expect(again.batchItemFailures).toEqual([]);
    const result = await callApi(httpEvent('GET', `/v1/messages/${plain.id}/deliveries`, { token: officer }));
    expect((json(result) as { deliveries: unknown[] }).deliveries).toHaveLength(1);
  });

  it('runs the scheduled fixity check on the EventBridge event and finds every message intact', async () => {
    const report = (await fixity(fixture('eventbridge-scheduled-event.json'))) as { checked: number; ok: number; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThanOrEqual(2);
    expect(report.ok).toBe(report.checked);
  });

  it('runs the scheduled disposition sweep, which keeps mail still under retention', async () => {
    const report = (await disposition(fixture('eventbridge-scheduled-event.json'))) as { scanned: number; eligible: number; disposed: number; deferred: string | null };
    expect(report.scanned).toBeGreaterThanOrEqual(2);
    expect(report).toMatchObject({ eligible: 0, disposed: 0, deferred: null });
  });

  it('runs the scheduled jobs function: nothing to resume, and the audit entries so far sealed into the archive bucket', async () => {
    const first = (await jobs(fixture('eventbridge-scheduled-event.json'))) as { resumed: number; sealed: number };
    expect(first.resumed).toBe(0);
    // The api calls and the sweep above wrote audit entries; the seal holds every one of them.
    expect(first.sealed).toBeGreaterThanOrEqual(3);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: archiveBucket, Prefix: 'audit/seals/' }));
    expect(listed.KeyCount).toBeGreaterThanOrEqual(1);
    expect(((await jobs(fixture('eventbridge-scheduled-event.json'))) as { sealed: number }).sealed).toBe(0);
  });
});
