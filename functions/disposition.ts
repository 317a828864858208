import { functionRuntime } from './runtime/runtime.js';
import { scheduleTrigger } from './schedule/scheduled-event.js';
import type { Actor } from '../shared/app/actor.js';

/** Who the audit log names for a scheduled sweep. */
const SCHEDULE: Actor = { name: 'system:schedule', role: 'system' };

/**
 * Scheduled retention sweep: disposes of messages whose retention has ended and that no hold
 * covers, everywhere (store, catalog, index), and records disposal certificates in the audit
 * log. The use case decides; this only says who asked (the schedule) and reports the outcome.
 */
export async function handler(event: unknown) {
  const { logger, archive } = functionRuntime('disposition');
  const trigger = scheduleTrigger(event);
  const log = logger.child({ trigger: trigger.kind, eventId: trigger.id });
  log.info('disposition sweep started');
  const report = await archive.disposition.run(SCHEDULE, { dryRun: false });
  // Counts only: candidates name message ids, which the audit log's certificates already record.
  log.info('disposition sweep finished', { scanned: report.scanned, eligible: report.eligible, disposed: report.disposed, held: report.held, storeLocked: report.storeLocked, deferred: report.deferred });
  return report;
}
