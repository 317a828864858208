import { CofferError } from '../shared/errors.js';
import type { VerifyReport } from '../shared/store/verify-store.js';
import { functionRuntime } from './runtime/runtime.js';
import { scheduleTrigger } from './schedule/scheduled-event.js';

/** Problems named in the log line; the full list is in the function's return value. */
const LOGGED_PROBLEMS = 50;

/**
 * Scheduled fixity check: every catalogued message's stored bytes must still hash to its id.
 * Problems fail the invocation, so the function's Errors alarm tells a person.
 */
export async function handler(event: unknown): Promise<VerifyReport> {
  const { logger, archive } = functionRuntime('fixity');
  const trigger = scheduleTrigger(event);
  const log = logger.child({ trigger: trigger.kind, eventId: trigger.id });
  log.info('fixity check started');
  const report = await archive.verify.execute();
  const summary = { checked: report.checked, ok: report.ok, problems: report.problems.length };
  if (report.problems.length > 0) {
    const named = report.problems.slice(0, LOGGED_PROBLEMS).map((p) => `${p.id}:${p.problem}`).join(',');
    const error = new CofferError('BLOB.CHECKSUM_MISMATCH', `fixity check found ${report.problems.length} damaged or missing messages`);
    log.error('fixity check failed', error, { ...summary, problemIds: named });
    throw error;
  }
  log.info('fixity check passed', summary);
  return report;
}
