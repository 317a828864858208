import { open, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import * as path from 'node:path';
import { startsWithMboxSeparator } from './mbox.js';

/** What a directory walk decides about each entry; sources.ts turns files into messages. */
export type WalkEntry =
  /** `bytes`: the whole file, when sniffing it already read all of it. */
  | { type: 'file'; path: string; size: number; format: 'message' | 'mbox'; bytes?: Buffer }
  | { type: 'skipped'; path: string; reason: string }
  | { type: 'error'; path: string; reason: string };

/** Enough to see a header block past a few long Received/DKIM lines. */
// Large enough to hold most whole messages, which are then not read a second time.
const SNIFF_BYTES = 16384;

/**
 * Formats that are never a raw message, skipped without being opened. `.txt` is deliberately
 * absent: mail is often saved as .txt, so it is sniffed like a file without an extension.
 */
const NOT_MAIL_EXTENSIONS = new Set([
  '.json', '.tsv', '.csv', '.md', '.markdown', '.rst', '.html', '.htm', '.xml', '.yaml', '.yml',
  '.toml', '.pdf', '.png', '.jpg', '.jpeg', '.gif', '.svg', '.zip', '.gz', '.tgz', '.bz2', '.xz',
  '.zst', '.7z', '.tar', '.msf',
]);

/**
 * Field names that only mail has: a `key: value` file (YAML, DEP-5, config) has field-shaped
 * lines too, but not these.
 */
const MAIL_FIELDS = new Set([
  'received', 'return-path', 'delivered-to', 'x-original-to', 'from', 'sender', 'to', 'cc', 'bcc',
  'reply-to', 'date', 'subject', 'message-id', 'in-reply-to', 'references', 'mime-version',
  'content-type', 'dkim-signature',
]);

const FIELD_LINE = /^([!-9;-~]+):/;

/**
 * Walks a directory depth-first in sorted name order. `seenDirs` holds the device:inode of
 * walked directories, shared across the whole run, so symlinked directories are followed but
 * a loop (or the same tree named twice) is walked only once.
 */
export async function* walkDirectory(root: string, seenDirs: Set<string>): AsyncGenerator<WalkEntry> {
  let rootStat: Stats;
  try {
    rootStat = await stat(root);
  } catch (err) {
    yield { type: 'error', path: root, reason: errorReason(err) };
    return;
  }
  yield* walk(root, rootStat, seenDirs);
}

async function* walk(dir: string, dirStat: Stats, seenDirs: Set<string>): AsyncGenerator<WalkEntry> {
  const key = `${dirStat.dev}:${dirStat.ino}`;
  if (seenDirs.has(key)) {
    yield { type: 'skipped', path: dir, reason: 'directory already walked (symlink loop or repeated path)' };
    return;
  }
  seenDirs.add(key);

  let names: string[];
  try {
    // Default sort compares UTF-16 code units: stable across machines, unlike localeCompare.
    names = (await readdir(dir)).sort();
  } catch (err) {
    yield { type: 'error', path: dir, reason: errorReason(err) };
    return;
  }
  const inMaildirFolder = isMaildirFolder(dir);
  const isMaildirRoot = names.includes('cur') || names.includes('new');

  for (const name of names) {
    const entryPath = path.join(dir, name);
    const hidden = name.startsWith('.');
    // Checked before stat: editors leave hidden dangling symlinks (Emacs `.#file` locks).
    if (hidden && !isMaildirRoot) {
      yield { type: 'skipped', path: entryPath, reason: 'hidden file or directory' };
      continue;
    }
    let entryStat: Stats;
    try {
      entryStat = await stat(entryPath);
    } catch (err) {
      yield hidden
        ? { type: 'skipped', path: entryPath, reason: 'hidden file or directory' }
        : { type: 'error', path: entryPath, reason: errorReason(err) };
      continue;
    }
    if (entryStat.isDirectory()) {
      if (isMaildirRoot && name === 'tmp') {
        yield { type: 'skipped', path: entryPath, reason: 'maildir tmp/ holds incomplete deliveries' };
      } else {
        // Hidden directories reaching here are Maildir++ subfolders (`.Sent`, `.Lists.foo`).
        yield* walk(entryPath, entryStat, seenDirs);
      }
    } else if (hidden) {
      yield { type: 'skipped', path: entryPath, reason: 'hidden file or directory' };
    } else if (!entryStat.isFile()) {
      yield { type: 'skipped', path: entryPath, reason: 'not a regular file' };
    } else {
      yield await classifyFile(entryPath, entryStat.size, inMaildirFolder);
    }
  }
}

/**
 * Any directory named cur/ or new/ counts as a maildir folder, even without siblings: a maildir
 * copied through git loses its empty tmp/ and often new/.
 */
export function isMaildirFolder(dir: string): boolean {
  const name = path.basename(path.resolve(dir));
  return name === 'cur' || name === 'new';
}

async function classifyFile(filePath: string, size: number, inMaildirFolder: boolean): Promise<WalkEntry> {
  // Maildir file names are arbitrary (`1276533073.M242911P3632.host:2,S`): no extension to check.
  if (inMaildirFolder) return { type: 'file', path: filePath, size, format: 'message' };
  const ext = path.extname(filePath).toLowerCase();
  if (ext === '.eml') return { type: 'file', path: filePath, size, format: 'message' };
  if (ext === '.mbox') return { type: 'file', path: filePath, size, format: 'mbox' };
  if (NOT_MAIL_EXTENSIONS.has(ext)) return { type: 'skipped', path: filePath, reason: `${ext} files are not mail` };

  let head: Buffer;
  try {
    head = await readHead(filePath, SNIFF_BYTES);
  } catch (err) {
    return { type: 'error', path: filePath, reason: errorReason(err) };
  }
  if (startsWithMboxSeparator(head)) return { type: 'file', path: filePath, size, format: 'mbox' };
  if (looksLikeHeaderBlock(head)) {
    return { type: 'file', path: filePath, size, format: 'message', ...(head.length === size ? { bytes: head } : {}) };
  }
  return { type: 'skipped', path: filePath, reason: 'not mail: does not start with a mail header block' };
}

/**
 * True if the bytes open with an RFC 5322 header block: every complete line up to the first
 * empty one is a field or a folded continuation, the first is a field, and at least one field
 * name is one only mail uses. Works on bytes (latin1 maps them 1:1), never decoding UTF-8.
 */
export function looksLikeHeaderBlock(head: Uint8Array): boolean {
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  const lines = text.split('\n');
  lines.pop(); // the last piece is cut by the sniff window (or is empty after a final LF)
  let sawMailField = false;
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return i > 0 && sawMailField;
    const field = FIELD_LINE.exec(line);
    if (field?.[1] !== undefined) {
      if (MAIL_FIELDS.has(field[1].toLowerCase())) sawMailField = true;
    } else if (i === 0 || !(line.startsWith(' ') || line.startsWith('\t'))) {
      return false;
    }
  }
  return sawMailField;
}

/** Reads up to `length` bytes from the start of a file. */
export async function readHead(filePath: string, length: number): Promise<Buffer> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function errorReason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
