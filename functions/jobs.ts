import { functionRuntime } from './runtime/runtime.js';
import { scheduleTrigger } from './schedule/scheduled-event.js';

/**
 * Background jobs (applying a hold to existing messages, applying a retention change) start in
 * the api function that accepted them; a Lambda is frozen once it answers, so this scheduled
 * function resumes whatever is still queued or running. Job state lives in DynamoDB, so a resumed
 * job goes on from its last step.
 */
export async function handler(event: unknown): Promise<{ resumed: number }> {
  const { logger, archive } = functionRuntime('jobs');
  const trigger = scheduleTrigger(event);
  const resumed = await archive.resumeJobs();
  if (resumed > 0) logger.info('jobs resumed', { resumed, trigger: trigger.kind, eventId: trigger.id });
  return { resumed };
}
