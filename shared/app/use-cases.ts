import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import type { SearchIndex } from '../ports/search-index.js';
import type { Clock } from '../ports/clock.js';
import type { IdGenerator } from '../ports/id-generator.js';
import type { Logger } from '../ports/logger.js';
import type { Governance } from '../ports/governance.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { JobScheduler } from '../ports/job-scheduler.js';
import type { CoreConfig } from '../config.js';
import { IngestMessage } from '../intake/ingest-message.js';
import { RebuildFromStore } from '../intake/rebuild.js';
import { SearchMessages } from '../search/search-messages.js';
import { ReadMessage } from '../messages/read-message.js';
import { VerifyStore } from '../store/verify-store.js';
import { Tokens } from '../auth/authenticate.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { Cases } from '../cases/cases.js';
import { Holds } from '../holds/holds.js';
import { GovernIntake } from '../holds/govern-intake.js';
import { RetentionPolicies } from '../retention/retention-policies.js';
import { DispositionSweep } from '../disposition/disposition-sweep.js';
import { JobRunner } from '../jobs/job-runner.js';

/** The ports a runtime's composition root builds; everything else is made from them here. */
export interface Ports {
  blobs: BlobStore;
  catalog: Catalog;
  index: SearchIndex;
  governance: Governance;
  auditLog: AuditLog;
  /** Where jobs go to run: in-process (embedded) or a queue (AWS). */
  scheduler: JobScheduler;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  config: CoreConfig;
}

/** The use cases, built the same way in every runtime (local/compose.ts, functions/compose.ts). */
export function buildUseCases(ports: Ports) {
  const { blobs, catalog, index, governance, scheduler, clock, ids, logger, config } = ports;
  const audit = new AuditTrail({ log: ports.auditLog, blobs, clock, logger });
  const search = new SearchMessages({ index, catalog });
  const policies = new RetentionPolicies({ governance, catalog, blobs, search, scheduler, clock, ids, audit, defaultDays: config.retentionDays });
  const holds = new Holds({ governance, catalog, blobs, search, scheduler, clock, ids, audit, dualControl: config.dualControl });
  const governor = new GovernIntake({ governance, catalog, blobs, policies, audit });
  const disposition = new DispositionSweep({ governance, catalog, blobs, index, clock, logger, audit });
  const jobs = new JobRunner({ governance, clock, logger });
  jobs.register('hold.apply', holds.applyStep);
  jobs.register('hold.release', holds.releaseStep);
  jobs.register('retention.apply', policies.applyStep);
  return {
    ingest: new IngestMessage({ blobs, catalog, index, clock, ids, logger, config, governor }),
    search,
    read: new ReadMessage({ catalog, blobs, governance }),
    verify: new VerifyStore({ catalog, blobs }),
    rebuild: new RebuildFromStore({ blobs, catalog, index, logger, config }),
    tokens: new Tokens({ catalog, clock }),
    audit,
    cases: new Cases({ governance, clock, ids, audit }),
    holds,
    policies,
    disposition,
    jobs,
  };
}

export type UseCases = ReturnType<typeof buildUseCases>;
