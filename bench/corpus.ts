/**
 * The Enron corpus as the benchmark sees it: unpacked once under .bench/ (gitignored) and,
 * for `--limit N`, a hard-linked subset with the same layout.
 *
 * The corpus is real people's mail. It lives outside the repository (../shared/corpus) and is
 * only ever unpacked under .bench/; nothing here reads or prints message contents.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BenchError } from './bench-error.js';
import { linkTree, listMessageFiles, totalBytes } from './fs-tree.js';
import type { MessageFile } from './fs-tree.js';

/** Top-level folder of the tarball holding the mailboxes; SOURCES.tsv and summary.json sit beside it and are not mail. */
const MAIL_DIR = 'maildir';
const UNPACKED_MARKER = '.unpacked.json';
const SUBSET_MARKER = '.subset.json';

export interface CorpusTree {
  /** Directory both tools are pointed at (the `maildir/` folder). */
  readonly root: string;
  readonly files: readonly MessageFile[];
  readonly bytes: number;
}

interface TarballId {
  readonly tarballBytes: number;
  readonly tarballMtimeMs: number;
}

interface UnpackedMarker extends TarballId {
  readonly files: number;
  readonly bytes: number;
}

interface SubsetMarker extends UnpackedMarker {
  readonly limit: number;
}

export function defaultTarball(repoRoot: string): string {
  // CI clones the repo next to shared/, so the corpus is found relative to the checkout, not a fixed path.
  return path.resolve(repoRoot, '..', 'shared', 'corpus', 'enron-inbox.tar.gz');
}

async function tarballId(tarball: string): Promise<TarballId> {
  const st = await stat(tarball).catch(() => null);
  if (st === null || !st.isFile()) {
    throw new BenchError(
      `corpus not found: ${tarball}\n` +
        'The benchmark expects the shared corpus beside the repository (../shared/corpus/enron-inbox.tar.gz), ' +
        'or pass --corpus <path to enron-inbox.tar.gz>.',
    );
  }
  return { tarballBytes: st.size, tarballMtimeMs: Math.trunc(st.mtimeMs) };
}

async function readMarker<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function sameTarball(a: TarballId, b: TarballId): boolean {
  return a.tarballBytes === b.tarballBytes && a.tarballMtimeMs === b.tarballMtimeMs;
}

/**
 * The marker is written last and only after the listing matched, so its presence with matching
 * counts means a complete unpack; an interrupted one is redone from scratch.
 */
async function reuseIfComplete(dir: string, markerName: string, expected: (m: UnpackedMarker) => boolean): Promise<CorpusTree | null> {
  const marker = await readMarker<UnpackedMarker>(path.join(dir, markerName));
  if (marker === null || !expected(marker)) return null;
  const root = path.join(dir, MAIL_DIR);
  if (!existsSync(root)) return null;
  const files = await listMessageFiles(root);
  const bytes = totalBytes(files);
  if (files.length !== marker.files || bytes !== marker.bytes) return null;
  return { root, files, bytes };
}

export async function ensureUnpacked(tarball: string, benchDir: string, log: (s: string) => void): Promise<CorpusTree> {
  const id = await tarballId(tarball);
  const dir = path.join(benchDir, 'enron');
  const reused = await reuseIfComplete(dir, UNPACKED_MARKER, (m) => sameTarball(m, id));
  if (reused !== null) return reused;

  log(`unpacking ${path.basename(tarball)} into ${path.relative(process.cwd(), dir) || dir}/ (once) …`);
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const r = spawnSync('tar', ['-xzf', tarball, '-C', partial], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.error !== undefined || r.status !== 0) {
    throw new BenchError(`unpacking ${tarball} failed (${r.error?.message ?? `tar exited with ${r.status}`})`);
  }
  const root = path.join(partial, MAIL_DIR);
  if (!existsSync(root)) throw new BenchError(`${tarball} has no ${MAIL_DIR}/ folder; is it the Enron inbox tarball?`);
  const files = await listMessageFiles(root);
  if (files.length === 0) throw new BenchError(`${tarball} unpacked to no message files`);
  const marker: UnpackedMarker = { ...id, files: files.length, bytes: totalBytes(files) };
  await writeFile(path.join(partial, UNPACKED_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return { root: path.join(dir, MAIL_DIR), files, bytes: marker.bytes };
}

/** The first `limit` files (sorted by relative path) of `full`, hard-linked into .bench/enron-<limit>/. */
export async function ensureSubset(
  full: CorpusTree,
  tarball: string,
  limit: number,
  benchDir: string,
  log: (s: string) => void,
): Promise<CorpusTree> {
  const id = await tarballId(tarball);
  const dir = path.join(benchDir, `enron-${limit}`);
  const chosen = full.files.slice(0, limit);
  const bytes = totalBytes(chosen);
  const reused = await reuseIfComplete(
    dir,
    SUBSET_MARKER,
    (m) => sameTarball(m, id) && (m as SubsetMarker).limit === limit && m.files === chosen.length && m.bytes === bytes,
  );
  if (reused !== null) return reused;

  log(`linking the first ${limit} message files into ${path.relative(process.cwd(), dir) || dir}/ …`);
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await linkTree(full.root, path.join(partial, MAIL_DIR), chosen);
  const marker: SubsetMarker = { ...id, limit, files: chosen.length, bytes };
  await writeFile(path.join(partial, SUBSET_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return { root: path.join(dir, MAIL_DIR), files: chosen, bytes };
}
