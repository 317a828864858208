/**
 * File-tree helpers for the benchmark: listing message files, building hard-link trees,
 * and measuring how much disk a directory takes.
 */
import { createReadStream } from 'node:fs';
import { copyFile, link, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface MessageFile {
  /** Relative to the tree root, with `/` separators, so orderings are the same on every machine. */
  readonly rel: string;
  readonly size: number;
}

/**
 * Every regular file under `root`, sorted by relative path in code-unit order (not locale
 * order, which differs between machines and would change what `--limit N` selects).
 * Dot-entries are skipped: they are bookkeeping (markers, a `.notmuch` database), never mail.
 */
export async function listMessageFiles(root: string): Promise<MessageFile[]> {
  const out: MessageFile[] = [];
  async function walk(dir: string, relDir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(abs, rel);
      else if (entry.isFile()) out.push({ rel, size: (await stat(abs)).size });
    }
  }
  await walk(root, '');
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

export function totalBytes(files: readonly MessageFile[]): number {
  return files.reduce((sum, f) => sum + f.size, 0);
}

/**
 * Recreates `files` from `srcRoot` under `destRoot`. Hard links keep the bytes identical for
 * every consumer and share one page cache; copying is only the fallback for a cross-device
 * destination.
 */
export async function linkTree(srcRoot: string, destRoot: string, files: readonly MessageFile[]): Promise<void> {
  const dirs = new Set<string>();
  for (const f of files) dirs.add(path.dirname(path.join(destRoot, f.rel)));
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });

  let canLink = true;
  // Bounded parallelism: tens of thousands of concurrent syscalls would only exhaust file handles.
  const width = 32;
  for (let i = 0; i < files.length; i += width) {
    await Promise.all(
      files.slice(i, i + width).map(async (f) => {
        const src = path.join(srcRoot, f.rel);
        const dest = path.join(destRoot, f.rel);
        if (canLink) {
          try {
            await link(src, dest);
            return;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
            canLink = false;
          }
        }
        await copyFile(src, dest);
      }),
    );
  }
}

/**
 * Reads every file once so that whichever tool runs first does not pay for cold disk reads
 * that the tool after it gets for free.
 */
export async function warmPageCache(root: string, files: readonly MessageFile[]): Promise<void> {
  const width = 16;
  for (let i = 0; i < files.length; i += width) {
    await Promise.all(
      files.slice(i, i + width).map(
        (f) =>
          new Promise<void>((resolve, reject) => {
            const s = createReadStream(path.join(root, f.rel));
            s.on('data', () => undefined);
            s.on('end', () => resolve());
            s.on('error', reject);
          }),
      ),
    );
  }
}

export interface DiskUsage {
  /** Sum of regular files' sizes, as `du -sb` would count them minus directory entries. */
  readonly apparentBytes: number;
  /** Blocks actually allocated (files and directories, each inode once), as `du -s` counts them. */
  readonly allocatedBytes: number;
  readonly files: number;
  /** Apparent bytes per top-level entry, to see which part (blobs, catalog, index, WAL) grows. */
  readonly breakdown: Record<string, number>;
}

export async function diskUsage(root: string): Promise<DiskUsage> {
  let apparentBytes = 0;
  let allocatedBytes = 0;
  let files = 0;
  const breakdown: Record<string, number> = {};
  const seen = new Set<string>();

  async function walk(dir: string, top: string | null): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      const st = await lstat(abs);
      const key = `${st.dev}:${st.ino}`;
      const firstSight = !seen.has(key);
      seen.add(key);
      const bucket = top ?? entry.name;
      if (firstSight) allocatedBytes += st.blocks * 512;
      if (st.isDirectory()) {
        await walk(abs, bucket);
      } else if (st.isFile() && firstSight) {
        apparentBytes += st.size;
        files += 1;
        breakdown[bucket] = (breakdown[bucket] ?? 0) + st.size;
      }
    }
  }
  const rootStat = await lstat(root);
  allocatedBytes += rootStat.blocks * 512;
  await walk(root, null);
  return { apparentBytes, allocatedBytes, files, breakdown };
}

