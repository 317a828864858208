/**
 * Coffer's side: `node dist/coffer.mjs import <dir> --data <fresh dir> --json`, run as a child
 * process so we measure the shipped bundle with its real startup cost and a clean heap.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BenchError } from './bench-error.js';
import { diskUsage } from './fs-tree.js';
import type { DiskUsage } from './fs-tree.js';
import { logTail, runMeasured } from './measure.js';
import type { Measured } from './measure.js';

/** The counts `coffer import --json` prints on stdout (it also lists `failures`, kept out of results). */
export interface ImportSummary {
  /** Distinct files read (an mbox counts once). */
  readonly files: number;
  /** Messages found, whatever became of them: stored + duplicates + failed at intake. */
  readonly messages: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly failed: number;
  /** Archived raw, without a successful parse: counted, not lost. */
  readonly parseFailed: number;
  /** Files the walk decided were not mail; for this corpus every one would be a lost message. */
  readonly skipped: number;
  /** Raw bytes read. */
  readonly bytes: number;
  readonly seconds: number;
}

interface ImportFailure {
  readonly origin: string;
  readonly reason: string;
}

export interface CofferRun {
  readonly measured: Measured;
  readonly summary: ImportSummary;
  readonly failures: readonly ImportFailure[];
  readonly dataDir: DiskUsage;
}

const SUMMARY_KEYS = ['files', 'messages', 'stored', 'duplicates', 'failed', 'parseFailed', 'bytes', 'seconds'] as const;
/** Newer than the brief's summary shape; treated as 0 when absent. */
const OPTIONAL_KEYS = ['skipped'] as const;

export function cofferBundle(repoRoot: string): string {
  return path.join(repoRoot, 'dist', 'coffer.mjs');
}

export function ensureBuilt(repoRoot: string, force: boolean, log: (s: string) => void): void {
  const bundle = cofferBundle(repoRoot);
  if (existsSync(bundle) && !force) return;
  log(force ? 'building dist/coffer.mjs (--build) …' : 'dist/coffer.mjs missing; running node build.mjs …');
  const r = spawnSync(process.execPath, ['build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new BenchError(`node build.mjs failed (exit ${r.status ?? r.signal})`);
  if (!existsSync(bundle)) throw new BenchError('node build.mjs did not produce dist/coffer.mjs');
}

/**
 * The summary is the last JSON object on stdout, pretty-printed or not; anything logged before
 * it is tolerated so that a stray warning does not sink a long run.
 */
function parseSummary(stdout: string): { summary: ImportSummary; failures: ImportFailure[] } | null {
  const lines = stdout.trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    if (!lines[i]?.startsWith('{')) continue;
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(lines.slice(i).join('\n')) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (!SUMMARY_KEYS.every((k) => typeof obj[k] === 'number')) continue;
    // Only the counts go into results: failure reasons are free text and stay in the log.
    const counts: Record<string, number> = {};
    for (const k of [...SUMMARY_KEYS, ...OPTIONAL_KEYS]) counts[k] = typeof obj[k] === 'number' ? obj[k] : 0;
    const failures = Array.isArray(obj.failures) ? (obj.failures as ImportFailure[]) : [];
    return { summary: counts as unknown as ImportSummary, failures };
  }
  return null;
}

/** The benchmark measures Coffer's defaults, so settings from the caller's shell are left out. */
function cofferEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('COFFER_')));
}

export async function runCoffer(repoRoot: string, mailRoot: string, workDir: string): Promise<CofferRun> {
  const dataDir = path.join(workDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const stderrPath = path.join(workDir, 'coffer-import.stderr.log');
  const measured = await runMeasured({
    cmd: process.execPath,
    args: [cofferBundle(repoRoot), 'import', mailRoot, '--data', dataDir, '--json'],
    cwd: repoRoot,
    env: cofferEnv(),
    stderrPath,
  });
  const parsed = parseSummary(measured.stdout);
  // coffer exits 1 when messages failed yet still prints its summary: let checkComplete name them.
  if (measured.exitCode !== 0 && (parsed === null || parsed.summary.failed === 0)) {
    throw new BenchError(
      `coffer import exited with ${measured.exitCode ?? measured.signal}; log: ${stderrPath}\n${await logTail(stderrPath)}`,
    );
  }
  if (parsed === null) {
    throw new BenchError(
      `coffer import printed no JSON summary with ${SUMMARY_KEYS.join(', ')} on stdout; log: ${stderrPath}`,
    );
  }
  return { measured, ...parsed, dataDir: await diskUsage(dataDir) };
}

/**
 * An import that drops mail is a failed benchmark, however fast: every file must come out as
 * exactly one message, and every message as stored or a recognised duplicate. A byte-count
 * mismatch is only a warning: the MB/s figures would then not be over the same bytes, but no
 * mail was lost.
 */
export function checkComplete(
  run: Pick<CofferRun, 'summary' | 'failures'>,
  expectedFiles: number,
  expectedBytes: number,
): { errors: string[]; warnings: string[] } {
  const { summary } = run;
  const errors: string[] = [];
  const warnings: string[] = [];
  if (summary.failed > 0) {
    const shown = run.failures.slice(0, 5).map((f) => `    ${f.origin}: ${f.reason.slice(0, 120)}`);
    errors.push([`import reported failed=${summary.failed}`, ...shown].join('\n'));
  }
  if (summary.skipped > 0) errors.push(`import skipped ${summary.skipped} file(s) as not mail; each is a lost message here`);
  if (summary.files !== expectedFiles) errors.push(`import counted files=${summary.files}, the tree has ${expectedFiles}`);
  if (summary.messages !== expectedFiles) errors.push(`import found messages=${summary.messages} in ${expectedFiles} one-message files`);
  if (summary.stored + summary.duplicates !== expectedFiles) {
    errors.push(
      `lost messages: stored (${summary.stored}) + duplicates (${summary.duplicates}) = ` +
        `${summary.stored + summary.duplicates}, expected ${expectedFiles}`,
    );
  }
  if (summary.bytes !== expectedBytes) warnings.push(`import read bytes=${summary.bytes}, the files hold ${expectedBytes}`);
  if (summary.parseFailed > 0) warnings.push(`${summary.parseFailed} message(s) archived raw without a parse (parseFailed)`);
  return { errors, warnings };
}
