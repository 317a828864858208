import { functionRuntime } from './runtime/runtime.js';
import { scheduleTrigger } from './schedule/scheduled-event.js';

/**
 * Background jobs (applying a hold to existing messages, applying a retention change) start in
 * the api function that accepted them; a Lambda is frozen once it answers, so this scheduled
 * function resumes whatever is still queued or running. Job state lives in DynamoDB, so a resumed
 * job goes on from its last step. It then seals the audit entries written since the last seal
 * into the write-once archive bucket, so the log cannot be rewritten unnoticed (docs/audit.md).
 */
export async function handler(event: unknown): Promise<{ resumed: number; sealed: number }> {
  const { logger, archive } = functionRuntime('jobs');
  const trigger = scheduleTrigger(event);
  const resumed = await archive.resumeJobs();
  const { sealed } = await archive.audit.seal();
  if (resumed > 0 || sealed > 0) logger.info('jobs resumed, audit sealed', { resumed, sealed, trigger: trigger.kind, eventId: trigger.id });
  return { resumed, sealed };
}
