import { loadAwsConfig, openAws } from '../../functions/compose.js';
import type { AwsArchive, AwsConfig } from '../../functions/compose.js';
import { S3BlobStore } from '../../adapters/aws/s3-blob-store.js';
import { DynamoCatalog } from '../../adapters/aws/dynamo-catalog.js';
import { OpenSearchIndex } from '../../adapters/aws/opensearch-index.js';
import type { IndexSettings } from '../../adapters/aws/opensearch-mapping.js';
import type { Clock } from '../../shared/ports/clock.js';
import { requireMoto, requireOpenSearch } from '../services/require-service.js';
import { silentLogger } from './archive.js';

/**
 * The AWS composition as a Lambda builds it, on moto and the local OpenSearch: a fresh bucket
 * (GOVERNANCE mode, so tests can clean up), table and index named `<name>-<random>`.
 */
export async function openTestAws(
  name: string,
  options: { env?: Record<string, string>; clock?: Clock; index?: IndexSettings } = {},
): Promise<{ archive: AwsArchive; config: AwsConfig }> {
  const suffix = Math.random().toString(36).slice(2, 10);
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const config = loadAwsConfig({
    AWS_REGION: 'us-east-1',
    COFFER_ARCHIVE_BUCKET: `${name}-${suffix}`,
    COFFER_TABLE: `${name}-${suffix}`,
    COFFER_OPENSEARCH_URL: requireOpenSearch(),
    COFFER_OPENSEARCH_INDEX: `${name}-${suffix}`,
    COFFER_OPENSEARCH_SIGV4: 'false',
    COFFER_OBJECT_LOCK_MODE: 'GOVERNANCE',
    COFFER_S3_ENDPOINT: requireMoto(),
    COFFER_DYNAMODB_ENDPOINT: requireMoto(),
    ...options.env,
  });
  const archive = openAws(config, { logger: silentLogger, ...(options.clock ? { clock: options.clock } : {}) });
  await S3BlobStore.ensureBucket(archive.clients.s3, config.COFFER_ARCHIVE_BUCKET);
  await DynamoCatalog.ensureTable(archive.clients.dynamo, config.COFFER_TABLE);
  await OpenSearchIndex.ensureIndex(archive.clients.search, config.COFFER_OPENSEARCH_INDEX, options.index);
  return { archive, config };
}
