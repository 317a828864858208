import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition } from '../../adapters/aws/dynamo-table.js';

/**
 * What the deployment promises, read from the template `npm run package` produces (the script
 * runs here, offline, as CI and a fresh clone run it) and from the bundles it zips.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'dist', `package-test-${process.pid}`);
const run = promisify(execFile);

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties?: Json;
  Condition?: string;
  DeletionPolicy?: string;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Json;
}

const FUNCTIONS = ['ingest', 'api', 'fixity', 'disposition', 'jobs', 'replay'];
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

let template: { Resources: Record<string, Resource>; Parameters: Record<string, Json>; Outputs: Record<string, Json> };
let sizes: Record<string, { bundle: number; zip: number; files: string[] }>;

const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const props = (name: string): Json => {
  const r = template.Resources[name];
  if (!r) throw new Error(`no resource ${name} in the template`);
  return r.Properties ?? {};
};
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const ref = (name: string) => ({ Ref: name });
const arnOf = (name: string) => ({ 'Fn::GetAtt': [name, 'Arn'] });

/** Every policy statement in the template, with where it is. */
function statements(): { where: string; statement: Statement }[] {
  const found: { where: string; statement: Statement }[] = [];
  const add = (where: string, doc: unknown) => {
    for (const statement of list((doc as { Statement?: Statement | Statement[] } | undefined)?.Statement)) found.push({ where, statement });
  };
  for (const [name, r] of Object.entries(template.Resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Role') for (const policy of list(p['Policies'] as Json[])) add(`${name}/${String(policy['PolicyName'])}`, policy['PolicyDocument']);
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') add(name, p['PolicyDocument']);
    if (r.Type === 'AWS::S3::BucketPolicy' || r.Type === 'AWS::SQS::QueuePolicy') add(name, p['PolicyDocument']);
    if (r.Type === 'AWS::KMS::Key') add(name, p['KeyPolicy']);
    if (r.Type === 'AWS::OpenSearchService::Domain') add(name, p['AccessPolicies']);
  }
  return found;
}

/** Names and bytes of the files in a zip (stored or deflated entries). */
function unzip(file: string): Map<string, Buffer> {
  const zip = readFileSync(file);
  const files = new Map<string, Buffer>();
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10); i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + compressed);
    files.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return files;
}

describe('the packaged deployment (npm run package) keeps its promises', () => {
  beforeAll(async () => {
    await run(process.execPath, [path.join(root, 'scripts', 'package.mjs'), '--out', path.relative(root, out)], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    template = JSON.parse(readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as typeof template;
    sizes = JSON.parse(readFileSync(path.join(out, 'bundle-sizes.json'), 'utf8')) as typeof sizes;
  }, 240_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('locks the archive bucket: Object Lock COMPLIANCE-capable, versioned, no default retention, retained with the stack gone', () => {
    const archive = props('ArchiveBucket');
    expect(archive['ObjectLockEnabled']).toBe(true);
    expect(archive['ObjectLockConfiguration']).toEqual({ ObjectLockEnabled: 'Enabled' });
    expect(archive['VersioningConfiguration']).toEqual({ Status: 'Enabled' });
    expect(template.Resources['ArchiveBucket']?.DeletionPolicy).toBe('Retain');
    // Every object gets its own retain-until; the functions are told to lock in COMPLIANCE mode.
    for (const fn of FUNCTIONS) {
      const env = (props(`${cap(fn)}LambdaFunction`)['Environment'] as { Variables: Json }).Variables;
      expect(env['COFFER_OBJECT_LOCK_MODE']).toBe('COMPLIANCE');
      expect(env['COFFER_ARCHIVE_BUCKET']).toEqual(ref('ArchiveBucket'));
    }
  });

  it('blocks public access on every bucket and refuses plain HTTP to the archive and the inbox', () => {
    for (const [name] of resources('AWS::S3::Bucket')) {
      expect(props(name)['PublicAccessBlockConfiguration'], name).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    }
    for (const bucket of ['ArchiveBucket', 'InboxBucket']) {
      const policy = resources('AWS::S3::BucketPolicy').find(([, r]) => JSON.stringify(r.Properties?.['Bucket']) === JSON.stringify(ref(bucket)));
      const deny = list((policy?.[1].Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement).find(
        (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
      );
      expect(deny, bucket).toBeDefined();
    }
  });

  it('encrypts everything it stores with the customer managed key', () => {
    const key = arnOf('DataKey');
    expect(props('DataKey')['EnableKeyRotation']).toBe(true);
    for (const [name] of resources('AWS::S3::Bucket').filter(([n]) => n !== 'ServerlessDeploymentBucket')) {
      const rule = (props(name)['BucketEncryption'] as { ServerSideEncryptionConfiguration: Json[] }).ServerSideEncryptionConfiguration[0];
      expect(rule?.['ServerSideEncryptionByDefault'], name).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key });
    }
    expect(props('CatalogTable')['SSESpecification']).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: key });
    for (const [name] of [...resources('AWS::SQS::Queue'), ...resources('AWS::SNS::Topic')]) expect(props(name)['KmsMasterKeyId'], name).toEqual(ref('DataKey'));
    for (const [name] of resources('AWS::Logs::LogGroup')) expect(props(name)['KmsKeyId'], name).toEqual(key);
    for (const fn of FUNCTIONS) expect(props(`${cap(fn)}LambdaFunction`)['KmsKeyArn'], fn).toEqual(key);
    const domain = props('SearchDomain');
    expect(domain['EncryptionAtRestOptions']).toEqual({ Enabled: true, KmsKeyId: ref('DataKey') });
    expect(domain['NodeToNodeEncryptionOptions']).toEqual({ Enabled: true });
    expect(domain['DomainEndpointOptions']).toMatchObject({ EnforceHTTPS: true });
  });

  it('keeps the catalog table recoverable and shaped as the adapter expects', () => {
    const table = props('CatalogTable');
    expect(table['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table['DeletionProtectionEnabled']).toBe(true);
    expect(template.Resources['CatalogTable']?.DeletionPolicy).toBe('Retain');
    const code = tableDefinition('x');
    expect(table['BillingMode']).toBe(code.BillingMode);
    expect(table['KeySchema']).toEqual(code.KeySchema);
    expect(table['AttributeDefinitions']).toEqual(code.AttributeDefinitions);
    expect(table['GlobalSecondaryIndexes']).toEqual(code.GlobalSecondaryIndexes);
  });

  it('grants no wildcard action anywhere, and Resource "*" only in the key policy (where AWS requires it)', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(20);
    for (const { where, statement } of all.filter(({ statement }) => statement.Effect === 'Allow')) {
      for (const action of list(statement.Action)) expect(action, `${where}: ${action}`).not.toContain('*');
      if (list(statement.Resource).includes('*')) expect(where, 'Resource "*"').toBe('DataKey');
    }
  });

  it('gives each function a role of its own', () => {
    expect(template.Resources['IamRoleLambdaExecution']).toBeUndefined();
    const roles = FUNCTIONS.map((fn) => JSON.stringify(props(`${cap(fn)}LambdaFunction`)['Role']));
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
    for (const fn of FUNCTIONS) expect(props(`${cap(fn)}LambdaFunction`)['Role']).toEqual(arnOf(`${cap(fn)}Role`));
  });

  it('runs every function on nodejs22.x, arm64', () => {
    for (const fn of FUNCTIONS) {
      const f = props(`${cap(fn)}LambdaFunction`);
      expect(f['Runtime'], fn).toBe('nodejs22.x');
      expect(f['Architectures'], fn).toEqual(['arm64']);
    }
  });

  it('wires each function to its event source', () => {
    // ingest: the intake queue, partial batch failures reported, with a dead-letter queue and its alarm.
    const mappings = resources('AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties ?? {});
    expect(mappings).toHaveLength(1);
    expect(mappings[0]).toMatchObject({ EventSourceArn: arnOf('IntakeQueue'), FunctionName: arnOf('IngestLambdaFunction'), FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(props('IntakeQueue')['RedrivePolicy']).toMatchObject({ deadLetterTargetArn: arnOf('IntakeDeadLetterQueue') });
    expect(props('DeadLetterAlarm')['Dimensions']).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['IntakeDeadLetterQueue', 'QueueName'] } }]);
    // The inbox notifies the queue; SES writes the journal address's mail into the inbox.
    expect(JSON.stringify(props('InboxBucket')['NotificationConfiguration'])).toContain(JSON.stringify(arnOf('IntakeQueue')));
    const rule = props('JournalReceiptRule')['Rule'] as { Recipients: unknown[]; Actions: { S3Action: Json }[] };
    expect(rule.Recipients).toEqual([ref('JournalAddress')]);
    expect(rule.Actions[0]?.S3Action).toMatchObject({ BucketName: ref('InboxBucket') });
    expect(props('InboxBucket')['ObjectLockEnabled']).toBeUndefined();

    // api: the HTTP API, /v1 behind the JWT authorizer, throttled, CORS for the UI origin only.
    const routes = resources('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties ?? {});
    for (const route of routes) {
      const open = route['RouteKey'] === 'GET /health' || route['RouteKey'] === 'GET /v1/openapi.json';
      expect(route['AuthorizationType'] ?? 'NONE', String(route['RouteKey'])).toBe(open ? 'NONE' : 'JWT');
    }
    expect(routes.map((r) => r['RouteKey']).sort()).toEqual(['DELETE /v1/{proxy+}', 'GET /health', 'GET /v1/openapi.json', 'GET /v1/{proxy+}', 'POST /v1/{proxy+}', 'PUT /v1/{proxy+}']);
    expect(props('HttpApiIntegrationApi')['IntegrationUri']).toEqual(arnOf('ApiLambdaFunction'));
    expect(props('HttpApiStage')['DefaultRouteSettings']).toMatchObject({ ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) });
    expect((props('HttpApi')['CorsConfiguration'] as Json)['AllowOrigins']).toHaveLength(1);

    // fixity, disposition, jobs: EventBridge schedules. replay: invoked by hand only.
    const scheduled = resources('AWS::Events::Rule').map(([, r]) => {
      const p = r.Properties ?? {};
      return { schedule: p['ScheduleExpression'], target: JSON.stringify((p['Targets'] as Json[])[0]?.['Arn']) };
    });
    for (const fn of ['Fixity', 'Disposition', 'Jobs']) {
      expect(scheduled.find((s) => s.target.includes(`${fn}LambdaFunction`))?.schedule, fn).toMatch(/^(cron|rate)\(/);
    }
    expect(scheduled).toHaveLength(3);
  });

  it('keeps the ingest bundle under 1.5 MB, with the AWS SDK left to the runtime', () => {
    expect(sizes['ingest']?.bundle).toBeLessThan(1_500_000);
    for (const fn of FUNCTIONS) {
      expect(sizes[fn]?.files.filter((f) => f.endsWith('.mjs')), fn).toEqual([`functions/${fn}.mjs`]);
    }
    const ingest = unzip(path.join(out, 'ingest.zip')).get('functions/ingest.mjs')?.toString('utf8') ?? '';
    expect(ingest).toMatch(/from\s*"@aws-sdk\/client-s3"/);
    expect(ingest).not.toMatch(/from\s*"@opensearch-project\/opensearch/);
  });

  it('loads every bundle as Lambda would, and the api bundle answers GET /health', async () => {
    // Inside the checkout, so the externals (@aws-sdk/*) resolve as they do on the runtime.
    const dir = path.join(out, 'smoke');
    for (const fn of FUNCTIONS) {
      const files = unzip(path.join(out, `${fn}.zip`));
      for (const [name, bytes] of files) {
        mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileSync(path.join(dir, name), bytes);
      }
    }
    const event = readFileSync(path.join(root, 'test/fixtures/aws/apigw-v2-http-api-event.json'), 'utf8');
    const script = `
      const fns = ${JSON.stringify(FUNCTIONS)};
      for (const fn of fns) {
        const m = await import('./functions/' + fn + '.mjs');
        if (typeof m.handler !== 'function') throw new Error(fn + ' exports no handler');
      }
      const event = JSON.parse(process.env.EVENT);
      Object.assign(event, { rawPath: '/health', body: undefined });
      event.requestContext.http.method = 'GET';
      const { handler } = await import('./functions/api.mjs');
      console.log(JSON.stringify(await handler(event)));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        EVENT: event,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        COFFER_ARCHIVE_BUCKET: 'smoke-archive',
        COFFER_TABLE: 'smoke-table',
        // Nothing listens there: /health must not depend on the search domain.
        COFFER_OPENSEARCH_URL: 'http://127.0.0.1:9',
        COFFER_OPENSEARCH_SIGV4: 'false',
        COFFER_LOG_LEVEL: 'error',
        COFFER_VERSION: '9.9.9-smoke',
        COFFER_JWT_ISSUER: 'https://issuer.example',
        COFFER_JWT_AUDIENCE: 'smoke',
      },
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ ok: true, version: '9.9.9-smoke' });
  }, 60_000);
});
