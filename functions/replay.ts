import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { CofferError } from '../shared/errors.js';
import { loadAwsConfig, requireSetting } from './compose.js';
import { moveMessages } from './replay/move-messages.js';
import type { MoveReport } from './replay/move-messages.js';
import { createJsonLogger } from './runtime/json-logger.js';

const ReplayRequest = z.object({ max: z.number().int().positive().max(100_000).default(1000) }).strict();

let ready: { sqs: SQSClient; from: string; to: string; logger: ReturnType<typeof createJsonLogger> } | undefined;

function setup() {
  if (ready) return ready;
  const config = loadAwsConfig(process.env);
  const endpoint = config.COFFER_SQS_ENDPOINT;
  ready = {
    sqs: new SQSClient({ region: config.AWS_REGION, ...(endpoint ? { endpoint } : {}) }),
    from: requireSetting(config, 'COFFER_INTAKE_DLQ_URL'),
    to: requireSetting(config, 'COFFER_INTAKE_QUEUE_URL'),
    logger: createJsonLogger(config.COFFER_LOG_LEVEL, { app: 'coffer', fn: 'replay' }),
  };
  return ready;
}

/**
 * `npm run replay -- --stage <org>` (osls invoke -f replay): moves dead-lettered intake messages
 * back to the intake queue once the cause is fixed. Input: `{"max": N}` (default 1000).
 */
export async function handler(event: unknown): Promise<MoveReport> {
  // `osls invoke -f replay` without --data sends no object.
  const parsed = ReplayRequest.safeParse(typeof event === 'object' && event !== null ? event : {});
  if (!parsed.success) throw new CofferError('REQUEST.INVALID', `replay takes {"max": N}: ${parsed.error.issues[0]?.message ?? ''}`);
  const { sqs, from, to, logger } = setup();
  return moveMessages(sqs, { from, to, max: parsed.data.max }, logger);
}
