import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { FsBlobStore } from '../adapters/embedded/fs-blob-store.js';
import { SqliteCatalog } from '../adapters/embedded/sqlite-catalog.js';
import { SqliteFtsIndex } from '../adapters/embedded/sqlite-fts-index.js';
import { SqliteGovernance } from '../adapters/embedded/sqlite-governance.js';
import { SqliteAuditLog } from '../adapters/embedded/sqlite-audit-log.js';
import { InProcessScheduler } from '../shared/jobs/in-process-scheduler.js';
import { createPinoLogger } from '../adapters/embedded/pino-logger.js';
import type { Clock } from '../shared/ports/clock.js';
import type { IdGenerator } from '../shared/ports/id-generator.js';
import type { Logger } from '../shared/ports/logger.js';
import type { CoreConfig } from '../shared/config.js';
import { buildUseCases } from '../shared/app/use-cases.js';

export const systemClock: Clock = { now: () => new Date() };

/** Time-ordered, collision-resistant ids: sortable in listings, unguessable enough for evidence keys. */
export const randomIds: IdGenerator = {
  next: () => `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(8).toString('hex')}`,
};

export interface EmbeddedOptions {
  dataDir: string;
  core: CoreConfig;
  logger?: Logger;
  logLevel?: string;
  clock?: Clock;
  ids?: IdGenerator;
}

/** The composition root of the local runtime: the only place embedded adapters are built. */
export function openEmbedded(options: EmbeddedOptions) {
  const { dataDir, core } = options;
  mkdirSync(dataDir, { recursive: true });
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const logger = options.logger ?? createPinoLogger(options.logLevel ?? 'info');
  const blobs = new FsBlobStore(path.join(dataDir, 'store'), clock);
  const catalog = SqliteCatalog.open(path.join(dataDir, 'catalog.db'));
  const index = SqliteFtsIndex.open(path.join(dataDir, 'index.db'));
  // Not derived from the store, so `coffer rebuild` keeps them: holds, policies, jobs; the audit log.
  const governance = SqliteGovernance.open(path.join(dataDir, 'governance.db'));
  const auditLog = SqliteAuditLog.open(path.join(dataDir, 'audit.db'));
  const scheduler = new InProcessScheduler(logger);
  const useCases = buildUseCases({ blobs, catalog, index, governance, auditLog, scheduler, clock, ids, logger, config: core });
  scheduler.attach(useCases.jobs);
  return {
    dataDir,
    config: core,
    clock,
    logger,
    blobs,
    catalog,
    index,
    governance,
    auditLog,
    scheduler,
    ...useCases,
    /** Schedules the jobs a stop or crash interrupted; they continue from their saved cursor. */
    resumeJobs: () => scheduler.resumeUnfinished(),
    close(): void {
      catalog.close();
      index.close();
      governance.close();
      auditLog.close();
    },
  };
}

export type Embedded = ReturnType<typeof openEmbedded>;

/** The files `coffer rebuild` can recreate from the store: the catalog and the index, with SQLite's WAL files. */
export function derivedFiles(dataDir: string): string[] {
  return ['catalog.db', 'index.db'].flatMap((f) => [f, `${f}-wal`, `${f}-shm`]).map((f) => path.join(dataDir, f));
}
