import { OpenSearchIndex } from '../../adapters/aws/opensearch-index.js';
import type { Logger } from '../../shared/ports/logger.js';
import { loadAwsConfig, openAws } from '../compose.js';
import type { AwsArchive, AwsConfig } from '../compose.js';
import { createJsonLogger } from './json-logger.js';

export interface FunctionRuntime {
  config: AwsConfig;
  logger: Logger;
  archive: AwsArchive;
}

let current: FunctionRuntime | undefined;
let indexReady: Promise<void> | undefined;

/**
 * What a function builds once per execution environment (cold start) and reuses across
 * invocations: the configuration, parsed and validated from the environment, the logger and
 * the composed archive. A bad configuration fails the first invocation loudly.
 */
export function functionRuntime(fn: string, env: NodeJS.ProcessEnv = process.env): FunctionRuntime {
  if (current) return current;
  const config = loadAwsConfig(env);
  const logger = createJsonLogger(config.COFFER_LOG_LEVEL, { app: 'coffer', fn });
  current = { config, logger, archive: openAws(config, { logger }) };
  return current;
}

/**
 * The search index (an alias over a versioned index) is created by the first function that
 * writes to it, once per execution environment; CloudFormation cannot create it.
 */
export function ensureSearchIndex(runtime: FunctionRuntime): Promise<void> {
  indexReady ??= OpenSearchIndex.ensureIndex(runtime.archive.clients.search, runtime.config.COFFER_OPENSEARCH_INDEX).catch((err: unknown) => {
    indexReady = undefined;
    throw err;
  });
  return indexReady;
}
