import type { IngestMessage } from '../../shared/intake/ingest-message.js';
import { CofferError } from '../../shared/errors.js';
import { readImportSources } from './sources.js';

export interface ImportFailure {
  origin: string;
  reason: string;
}

export interface ImportSummary {
  /** Files read (an mbox counts once however many messages it holds). */
  files: number;
  messages: number;
  stored: number;
  duplicates: number;
  /** Messages that could not be archived at all, with the reason for each. */
  failed: number;
  /** Archived, but flagged parseStatus: failed (findable by headers, bytes intact). */
  parseFailed: number;
  skipped: number;
  bytes: number;
  seconds: number;
  failures: ImportFailure[];
}

/**
 * `coffer import`: every message found under the paths goes through the one intake use case.
 * A failure is recorded with its origin and the run goes on. A few messages are in flight at
 * once so that file reads and fsyncs overlap; SQLite work stays serial in the main thread.
 */
export async function runImport(
  ingest: IngestMessage,
  paths: string[],
  options: { concurrency?: number; custodian?: string; onProgress?: (s: ImportSummary) => void } = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const summary: ImportSummary = {
    files: 0, messages: 0, stored: 0, duplicates: 0, failed: 0, parseFailed: 0, skipped: 0, bytes: 0, seconds: 0, failures: [],
  };
  const files = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  const limit = options.concurrency ?? 4;
  const rcptTo = options.custodian ? [options.custodian] : [];

  for await (const event of readImportSources(paths)) {
    if (event.type === 'skipped') {
      summary.skipped++;
      continue;
    }
    if (event.type === 'error') {
      summary.failed++;
      summary.failures.push({ origin: event.path, reason: event.reason });
      continue;
    }
    const { item } = event;
    files.add(item.origin.replace(/#\d+$/, ''));
    summary.messages++;
    const task = ingest
      .execute({ source: item, from: 'import', envelope: { mailFrom: null, rcptTo }, origin: item.origin })
      .then(
        (result) => {
          summary.bytes += result.size;
          if (result.messageCreated) summary.stored++;
          else summary.duplicates++;
          if (result.parseStatus === 'failed') summary.parseFailed++;
        },
        (err: unknown) => {
          summary.failed++;
          summary.failures.push({ origin: item.origin, reason: err instanceof CofferError ? err.message : String(err) });
        },
      )
      .finally(() => {
        inFlight.delete(task);
        options.onProgress?.(summary);
      });
    inFlight.add(task);
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  summary.files = files.size;
  summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  return summary;
}
