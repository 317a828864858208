import type { BlobStore } from '../ports/blob-store.js';
import type { Catalog } from '../ports/catalog.js';
import { messageKey } from '../intake/keys.js';

export interface VerifyProblem {
  id: string;
  problem: 'missing' | 'mismatch' | 'unreadable';
  /** What the stored bytes hash to now, when they could be read. */
  actual: string | null;
}

export interface VerifyReport {
  checked: number;
  ok: number;
  problems: VerifyProblem[];
}

/** Fixity: every catalogued message's stored bytes must still hash to its id. */
export class VerifyStore {
  constructor(private readonly deps: { catalog: Catalog; blobs: BlobStore }) {}

  async execute(onProgress?: (checked: number) => void): Promise<VerifyReport> {
    const report: VerifyReport = { checked: 0, ok: 0, problems: [] };
    let cursor: string | undefined;
    do {
      const page = await this.deps.catalog.listMessageIds({ limit: 500, ...(cursor ? { cursor } : {}) });
      for (const id of page.items) {
        const result = await this.deps.blobs.verify(messageKey(id));
        report.checked++;
        if (result.ok && result.sha256 === id) report.ok++;
        else report.problems.push({ id, problem: await this.problemOf(id, result.sha256), actual: result.sha256 });
        onProgress?.(report.checked);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return report;
  }

  private async problemOf(id: string, actual: string | null): Promise<VerifyProblem['problem']> {
    if (actual !== null) return 'mismatch';
    // Present but unreadable (a corrupted compressed stream) is damage, not absence.
    return (await this.deps.blobs.head(messageKey(id))) ? 'unreadable' : 'missing';
  }
}
