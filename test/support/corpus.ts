import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real-mail corpus beside the repository (../shared/corpus), read at test time, never copied. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'corpus');

/** A corpus path; a missing corpus fails the test loudly instead of skipping it. */
export function corpusPath(...parts: string[]): string {
  const full = path.join(CORPUS_DIR, ...parts);
  if (!existsSync(full)) throw new Error(`test corpus not found at ${full}: clone the repo beside ../shared`);
  return full;
}
