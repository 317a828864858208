/**
 * `npm run bench [-- --limit N] [-- --rounds N]`: import the Enron inbox corpus with Coffer and
 * index the same files with notmuch, then compare throughput, memory and disk footprint.
 * See docs/benchmarks.md for what each figure means.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BenchError } from './bench-error.js';
import { checkComplete, cofferBundle, ensureBuilt, runCoffer } from './coffer.js';
import type { ImportSummary } from './coffer.js';
import { defaultTarball, ensureSubset, ensureUnpacked } from './corpus.js';
import type { CorpusTree } from './corpus.js';
import { warmPageCache } from './fs-tree.js';
import type { DiskUsage } from './fs-tree.js';
import { median, rssMethod } from './measure.js';
import type { Measured } from './measure.js';
import { ensureNotmuch, runNotmuch } from './notmuch.js';

const USAGE = `usage: npm run bench -- [--limit N] [--rounds N] [--only coffer|notmuch] [--corpus PATH] [--build] [--keep]

  --limit N     use only the first N message files (sorted by path); default: the whole corpus
  --rounds N    run coffer and notmuch N times each, alternating; report medians (default 1)
  --only TOOL   run just one side (no ratio is reported)
  --corpus PATH enron-inbox.tar.gz to use (default: ../shared/corpus/ beside the repository)
  --build       rebuild dist/coffer.mjs first even if it exists
  --keep        keep the data directories under .bench/runs/ for inspection`;

type Tool = 'coffer' | 'notmuch';

interface Storage {
  readonly apparentBytes: number;
  readonly allocatedBytes: number;
  /** Ratios against the raw bytes of the message files, so runs of different sizes compare. */
  readonly apparentRatio: number;
  readonly allocatedRatio: number;
  readonly files: number;
  readonly breakdown: Record<string, number>;
}

interface RunRecord {
  readonly tool: Tool;
  readonly round: number;
  readonly wallSeconds: number;
  readonly messagesPerSecond: number;
  readonly mbPerSecond: number;
  readonly peakRssBytes: number | null;
  readonly cpuSeconds: number | null;
  readonly storage: Storage;
  readonly coffer?: ImportSummary;
  readonly notmuch?: { readonly indexedFiles: number; readonly indexedMessages: number };
}

const log = (s: string): void => console.log(s);

function positiveInt(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new BenchError(`${name} wants a positive integer, got "${v}"\n\n${USAGE}`, 2);
  return Number(v);
}

function options(): { limit: number | null; rounds: number; tools: Tool[]; corpus: string | null; build: boolean; keep: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        limit: { type: 'string' },
        rounds: { type: 'string' },
        only: { type: 'string' },
        corpus: { type: 'string' },
        build: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new BenchError(`${(err as Error).message}\n\n${USAGE}`, 2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = values.only;
  if (only !== undefined && only !== 'coffer' && only !== 'notmuch') {
    throw new BenchError(`--only wants coffer or notmuch, got "${only}"\n\n${USAGE}`, 2);
  }
  return {
    limit: values.limit === undefined ? null : positiveInt('--limit', values.limit, 0),
    rounds: positiveInt('--rounds', values.rounds, 1),
    // Fixed order within a round; alternating rounds spread machine noise evenly over both tools.
    tools: only === undefined ? ['coffer', 'notmuch'] : [only],
    corpus: values.corpus ?? null,
    build: values.build,
    keep: values.keep,
  };
}

function storage(d: DiskUsage, rawBytes: number): Storage {
  return {
    apparentBytes: d.apparentBytes,
    allocatedBytes: d.allocatedBytes,
    apparentRatio: d.apparentBytes / rawBytes,
    allocatedRatio: d.allocatedBytes / rawBytes,
    files: d.files,
    breakdown: d.breakdown,
  };
}

function record(tool: Tool, round: number, m: Measured, tree: CorpusTree, d: DiskUsage): Omit<RunRecord, 'coffer' | 'notmuch'> {
  return {
    tool,
    round,
    wallSeconds: m.wallSeconds,
    // Same numerator for both tools (message files handed in), so the ratio is throughput only.
    messagesPerSecond: tree.files.length / m.wallSeconds,
    mbPerSecond: tree.bytes / 1e6 / m.wallSeconds,
    peakRssBytes: m.peakRssBytes,
    cpuSeconds: m.userSeconds === null || m.systemSeconds === null ? null : m.userSeconds + m.systemSeconds,
    storage: storage(d, tree.bytes),
  };
}

function summarize(runs: readonly RunRecord[]) {
  const pick = (f: (r: RunRecord) => number | null): number | null => {
    const xs = runs.map(f).filter((x): x is number => x !== null);
    return xs.length === 0 ? null : median(xs);
  };
  return {
    wallSeconds: pick((r) => r.wallSeconds),
    messagesPerSecond: pick((r) => r.messagesPerSecond),
    mbPerSecond: pick((r) => r.mbPerSecond),
    peakRssBytes: pick((r) => r.peakRssBytes),
    cpuSeconds: pick((r) => r.cpuSeconds),
    storedApparentRatio: pick((r) => r.storage.apparentRatio),
    storedAllocatedRatio: pick((r) => r.storage.allocatedRatio),
  };
}

const fmt = (x: number | null, digits: number): string =>
  x === null || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function printTable(tree: CorpusTree, rounds: number, med: Partial<Record<Tool, ReturnType<typeof summarize>>>, ratio: number | null): void {
  const tools = (['coffer', 'notmuch'] as const).filter((t) => med[t] !== undefined);
  const rows: [string, (s: ReturnType<typeof summarize>) => string][] = [
    ['messages/s', (s) => fmt(s.messagesPerSecond, 0)],
    ['MB/s', (s) => fmt(s.mbPerSecond, 2)],
    ['wall time s', (s) => fmt(s.wallSeconds, 1)],
    ['CPU time s', (s) => fmt(s.cpuSeconds, 1)],
    ['peak RSS MiB', (s) => fmt(s.peakRssBytes === null ? null : s.peakRssBytes / 2 ** 20, 0)],
    ['stored / raw (apparent)', (s) => fmt(s.storedApparentRatio, 3)],
    ['stored / raw (allocated)', (s) => fmt(s.storedAllocatedRatio, 3)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w = 12;
  log('');
  log(
    `Enron inbox: ${tree.files.length.toLocaleString('en-US')} message files, ${fmt(tree.bytes / 1e6, 1)} MB raw; ` +
      `median of ${rounds} round${rounds === 1 ? '' : 's'}`,
  );
  log(`${''.padEnd(w0)}  ${tools.map((t) => t.padStart(w)).join('')}`);
  for (const [label, f] of rows) {
    log(`${label.padEnd(w0)}  ${tools.map((t) => f(med[t] as ReturnType<typeof summarize>).padStart(w)).join('')}`);
  }
  if (med.notmuch !== undefined) log('(notmuch stores only its index; the mail stays in the maildir)');
  if (ratio !== null) log(`\ncoffer messages/s ÷ notmuch messages/s = ${fmt(ratio, 2)}`);
}

/** Which code was measured: a figure without its commit cannot be compared later. */
async function codeVersion(repoRoot: string): Promise<{ commit: string | null; dirty: boolean | null; bundleBuiltAt: string | null }> {
  const git = (args: string[]): string | null => {
    const r = spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  const bundle = await stat(cofferBundle(repoRoot)).catch(() => null);
  return {
    commit: git(['rev-parse', 'HEAD']),
    dirty: status === null ? null : status !== '',
    bundleBuiltAt: bundle === null ? null : bundle.mtime.toISOString(),
  };
}

async function main(): Promise<void> {
  const opts = options();
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const benchDir = path.join(repoRoot, '.bench');
  const tarball = opts.corpus === null ? defaultTarball(repoRoot) : path.resolve(opts.corpus);

  const full = await ensureUnpacked(tarball, benchDir, log);
  let tree = full;
  if (opts.limit !== null && opts.limit < full.files.length) {
    tree = await ensureSubset(full, tarball, opts.limit, benchDir, log);
  } else if (opts.limit !== null) {
    log(`--limit ${opts.limit} covers the whole corpus (${full.files.length} files); using all of it`);
  }

  if (opts.tools.includes('coffer')) ensureBuilt(repoRoot, opts.build, log);
  const notmuchVersion = opts.tools.includes('notmuch') ? ensureNotmuch(log) : null;

  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
  const runDir = path.join(benchDir, 'runs', stamp);
  const rel = (p: string): string => path.relative(repoRoot, p);

  log(`corpus: ${rel(tree.root)}/ — ${tree.files.length} files, ${tree.bytes} bytes; peak RSS via ${rssMethod()}`);
  await warmPageCache(tree.root, tree.files);

  const runs: RunRecord[] = [];
  const warnings = new Set<string>();
  for (let round = 1; round <= opts.rounds; round += 1) {
    for (const tool of opts.tools) {
      const workDir = path.join(runDir, `${tool}-${round}`);
      await mkdir(workDir, { recursive: true });
      process.stdout.write(`round ${round}/${opts.rounds}: ${tool} … `);
      let r: RunRecord;
      if (tool === 'coffer') {
        const c = await runCoffer(repoRoot, tree.root, workDir);
        const check = checkComplete(c, tree.files.length, tree.bytes);
        check.warnings.forEach((w) => warnings.add(`coffer: ${w}`));
        if (check.errors.length > 0) {
          throw new BenchError(
            `coffer import is incomplete (data kept in ${rel(workDir)}):\n  ${check.errors.join('\n  ')}\n` +
              `summary: ${JSON.stringify(c.summary)}`,
          );
        }
        r = { ...record(tool, round, c.measured, tree, c.dataDir), coffer: c.summary };
      } else {
        const n = await runNotmuch(tree.root, tree.files, workDir);
        if (n.indexedFiles !== tree.files.length) {
          warnings.add(`notmuch: indexed ${n.indexedFiles} of ${tree.files.length} files (it skips what it deems non-mail)`);
        }
        r = {
          ...record(tool, round, n.measured, tree, n.database),
          notmuch: { indexedFiles: n.indexedFiles, indexedMessages: n.indexedMessages },
        };
      }
      runs.push(r);
      log(`${fmt(r.wallSeconds, 1)} s, ${fmt(r.messagesPerSecond, 0)} msg/s`);
      if (!opts.keep) await rm(workDir, { recursive: true, force: true });
    }
  }

  const med: Partial<Record<Tool, ReturnType<typeof summarize>>> = {};
  for (const t of opts.tools) med[t] = summarize(runs.filter((r) => r.tool === t));
  const c = med.coffer?.messagesPerSecond ?? null;
  const n = med.notmuch?.messagesPerSecond ?? null;
  const ratio = c !== null && n !== null ? c / n : null;

  printTable(tree, opts.rounds, med, ratio);
  for (const w of warnings) log(`note: ${w}`);

  const results = {
    benchmark: 'import-enron',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    host: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      memoryBytes: os.totalmem(),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      notmuch: notmuchVersion,
      rssMethod: rssMethod(),
    },
    code: await codeVersion(repoRoot),
    corpus: {
      tarball: path.basename(tarball),
      limit: opts.limit,
      files: tree.files.length,
      bytes: tree.bytes,
    },
    rounds: opts.rounds,
    order: opts.tools,
    median: med,
    cofferToNotmuchMessagesPerSecond: ratio,
    warnings: [...warnings],
    runs,
  };
  const resultsDir = path.join(benchDir, 'results');
  await mkdir(resultsDir, { recursive: true });
  const resultsFile = path.join(resultsDir, `enron-${stamp}.json`);
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nresults: ${rel(resultsFile)}`);
  if (!opts.keep) await rm(runDir, { recursive: true, force: true });
  else log(`data directories kept in ${rel(runDir)}/`);
}

main().catch((err: unknown) => {
  if (err instanceof BenchError) {
    console.error(`\nbench: ${err.message}`);
    process.exit(err.exitCode);
  }
  console.error(err);
  process.exit(1);
});
