import type { IngestMessage } from '../../shared/intake/ingest-message.js';
import { CofferError } from '../../shared/errors.js';
import { readImportSources } from './sources.js';
import type { ImportItem } from './sources.js';

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
 * A failure is recorded with its origin and the run goes on. Durability is per batch: the
 * source files stay where they are, so a crash mid-batch is repaired by importing again.
 */
export async function runImport(
  ingest: IngestMessage,
  paths: string[],
  options: { batchSize?: number; custodian?: string; onProgress?: (s: ImportSummary) => void } = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const summary: ImportSummary = {
    files: 0, messages: 0, stored: 0, duplicates: 0, failed: 0, parseFailed: 0, skipped: 0, bytes: 0, seconds: 0, failures: [],
  };
  const files = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  const batchSize = options.batchSize ?? 64;
  const rcptTo = options.custodian ? [options.custodian] : [];
  let batch: ImportItem[] = [];

  // Batches are stored and parsed concurrently, then flushed, indexed and catalogued at once;
  // while one batch commits, the next is read (two in flight at most).
  const submit = async (items: ImportItem[]): Promise<void> => {
    const task = ingest
      .executeMany(items.map((item) => ({ source: item, from: 'import' as const, envelope: { mailFrom: null, rcptTo }, origin: item.origin })))
      .then((results) => {
        for (const [i, result] of results.entries()) {
          const origin = items[i]?.origin ?? '?';
          if (result instanceof Error) {
            summary.failed++;
            summary.failures.push({ origin, reason: result instanceof CofferError ? result.message : String(result.message) });
            continue;
          }
          summary.bytes += result.size;
          if (result.messageCreated) summary.stored++;
          else summary.duplicates++;
          if (result.parseStatus === 'failed') summary.parseFailed++;
        }
      })
      .finally(() => {
        inFlight.delete(task);
        options.onProgress?.(summary);
      });
    inFlight.add(task);
    if (inFlight.size >= 2) await Promise.race(inFlight);
  };

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
    files.add(event.item.origin.replace(/#\d+$/, ''));
    summary.messages++;
    batch.push(event.item);
    if (batch.length >= batchSize) {
      await submit(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await submit(batch);
  await Promise.all(inFlight);
  summary.files = files.size;
  summary.seconds = Math.round((performance.now() - started) / 10) / 100;
  return summary;
}
