import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { S3BlobStore } from '../adapters/aws/s3-blob-store.js';
import { DynamoCatalog } from '../adapters/aws/dynamo-catalog.js';
import { OpenSearchIndex } from '../adapters/aws/opensearch-index.js';
import { DynamoGovernance } from '../adapters/aws/dynamo-governance.js';
import { DynamoAuditLog } from '../adapters/aws/dynamo-audit-log.js';
import { InProcessScheduler } from '../shared/jobs/in-process-scheduler.js';
import { parseCoreConfig } from '../shared/config.js';
import type { CoreConfig } from '../shared/config.js';
import { buildUseCases } from '../shared/app/use-cases.js';
import { CofferError } from '../shared/errors.js';
import type { Clock } from '../shared/ports/clock.js';
import type { IdGenerator } from '../shared/ports/id-generator.js';
import type { Logger } from '../shared/ports/logger.js';

/** The AWS runtime's settings, from the Lambda environment; read once, failing loudly. */
const AwsEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  COFFER_ARCHIVE_BUCKET: z.string().min(3),
  COFFER_TABLE: z.string().min(3),
  COFFER_OPENSEARCH_URL: z.url(),
  COFFER_OPENSEARCH_INDEX: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).default('coffer-messages'),
  /** SigV4-sign OpenSearch requests (Amazon OpenSearch Service); off for a plain local node. */
  COFFER_OPENSEARCH_SIGV4: z.enum(['true', 'false']).default('true'),
  COFFER_OBJECT_LOCK_MODE: z.enum(['COMPLIANCE', 'GOVERNANCE']).default('COMPLIANCE'),
  /** Only for tests against moto: custom endpoints with path-style S3 addressing. */
  COFFER_S3_ENDPOINT: z.url().optional(),
  COFFER_DYNAMODB_ENDPOINT: z.url().optional(),
  COFFER_RETENTION_DAYS: z.coerce.number().int().positive().optional(),
  COFFER_INTERNAL_DOMAINS: z.string().optional(),
  COFFER_MAX_MESSAGE_BYTES: z.coerce.number().int().positive().optional(),
  COFFER_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Reported by GET /health; serverless.yml sets it from package.json. */
  COFFER_VERSION: z.string().min(1).default('unknown'),

  // ---- intake (ingest function) ----
  /** The plain bucket SES writes into; intake copies from it into the locked archive bucket. */
  COFFER_INBOX_BUCKET: z.string().min(3).optional(),
  /** The receipt rule's object key prefix: the rest of the key is SES's message id. */
  COFFER_INBOX_PREFIX: z.string().default('inbound/'),
  /** The receipt rule's recipient: the envelope recipient when SES's Received header names none. */
  COFFER_JOURNAL_ADDRESS: z.email().optional(),

  // ---- replay function ----
  COFFER_INTAKE_QUEUE_URL: z.url().optional(),
  COFFER_INTAKE_DLQ_URL: z.url().optional(),
  /** Only for tests against moto. */
  COFFER_SQS_ENDPOINT: z.url().optional(),

  // ---- api function: the JWT the API Gateway authorizer checked, verified again by the core ----
  COFFER_JWT_ISSUER: z.url().optional(),
  /** Comma-separated: accepted `aud` values (or `client_id` of a Cognito access token). */
  COFFER_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Where the issuer's signing keys are; discovered from the issuer's OIDC metadata when unset. */
  COFFER_JWT_JWKS_URL: z.url().optional(),
  /** The claim holding the role: a string or an array of group names (Cognito: cognito:groups). */
  COFFER_JWT_ROLE_CLAIM: z.string().min(1).default('cognito:groups'),
  /** The claim naming the user in the audit trail; unset: email, preferred_username, username, sub. */
  COFFER_JWT_NAME_CLAIM: z.string().min(1).optional(),
});

export type AwsConfig = z.infer<typeof AwsEnvSchema> & { core: CoreConfig };

export function loadAwsConfig(env: NodeJS.ProcessEnv = process.env): AwsConfig {
  const result = AwsEnvSchema.safeParse(env);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new CofferError('CONFIG.INVALID', `invalid AWS configuration: ${issues}`);
  }
  const e = result.data;
  const core = parseCoreConfig({
    ...(e.COFFER_RETENTION_DAYS ? { retentionDays: e.COFFER_RETENTION_DAYS } : {}),
    ...(e.COFFER_MAX_MESSAGE_BYTES ? { maxMessageBytes: e.COFFER_MAX_MESSAGE_BYTES } : {}),
    ...(e.COFFER_INTERNAL_DOMAINS ? { internalDomains: e.COFFER_INTERNAL_DOMAINS.split(',').map((d) => d.trim()).filter(Boolean) } : {}),
  });
  return { ...e, core };
}

export interface AwsOptions {
  logger: Logger;
  clock?: Clock;
  ids?: IdGenerator;
}

/** The composition root of the AWS runtime: the only place AWS adapters are built. */
export function openAws(config: AwsConfig, options: AwsOptions) {
  const clock = options.clock ?? { now: () => new Date() };
  const ids = options.ids ?? { next: () => `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(8).toString('hex')}` };
  const { logger } = options;
  const region = config.AWS_REGION;
  const s3 = new S3Client({
    region,
    ...(config.COFFER_S3_ENDPOINT ? { endpoint: config.COFFER_S3_ENDPOINT, forcePathStyle: true } : {}),
  });
  const dynamo = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region, ...(config.COFFER_DYNAMODB_ENDPOINT ? { endpoint: config.COFFER_DYNAMODB_ENDPOINT } : {}) }),
  );
  const search = new Client({
    node: config.COFFER_OPENSEARCH_URL,
    ...(config.COFFER_OPENSEARCH_SIGV4 === 'true'
      ? AwsSigv4Signer({ region, service: 'es', getCredentials: () => defaultProvider()() })
      : {}),
  });
  const blobs = new S3BlobStore({ bucket: config.COFFER_ARCHIVE_BUCKET, client: s3, lockMode: config.COFFER_OBJECT_LOCK_MODE });
  const catalog = new DynamoCatalog(dynamo, config.COFFER_TABLE);
  const index = new OpenSearchIndex(search, config.COFFER_OPENSEARCH_INDEX);
  const governance = new DynamoGovernance(dynamo, config.COFFER_TABLE);
  const auditLog = new DynamoAuditLog(dynamo, config.COFFER_TABLE);
  // Jobs run in the invoking function; their state is in DynamoDB, so the scheduled jobs
  // function resumes any that a frozen or timed-out invocation left queued or running.
  const scheduler = new InProcessScheduler(logger);
  const core = config.core;
  const useCases = buildUseCases({ blobs, catalog, index, governance, auditLog, scheduler, clock, ids, logger, config: core });
  scheduler.attach(useCases.jobs);
  return {
    config: core,
    clock,
    logger,
    clients: { s3, dynamo, search },
    blobs,
    catalog,
    index,
    governance,
    auditLog,
    scheduler,
    ...useCases,
    /** Runs the jobs left queued or running, and waits for them. */
    async resumeJobs(): Promise<number> {
      const resumed = await scheduler.resumeUnfinished();
      await scheduler.idle();
      return resumed;
    },
  };
}

export type AwsArchive = ReturnType<typeof openAws>;

/** Settings only some functions need: each function asks for its own at cold start, failing loudly. */
type OptionalSetting = { [K in keyof AwsConfig]-?: undefined extends AwsConfig[K] ? K : never }[keyof AwsConfig];

export function requireSetting<K extends OptionalSetting>(config: AwsConfig, name: K): NonNullable<AwsConfig[K]> {
  const value = config[name];
  if (value === undefined || value === null) {
    throw new CofferError('CONFIG.INVALID', `invalid AWS configuration: ${String(name)} is required by this function`);
  }
  return value as NonNullable<AwsConfig[K]>;
}
