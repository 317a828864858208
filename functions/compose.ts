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
  const core = config.core;
  return {
    config: core,
    clock,
    logger,
    clients: { s3, dynamo, search },
    blobs,
    catalog,
    index,
    ...buildUseCases({ blobs, catalog, index, clock, ids, logger, config: core }),
  };
}

export type AwsArchive = ReturnType<typeof openAws>;
