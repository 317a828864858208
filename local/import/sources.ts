import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import * as path from 'node:path';
import { splitMbox, startsWithMboxSeparator } from './mbox.js';
import { errorReason, readHead, walkDirectory } from './walk.js';
import type { WalkEntry } from './walk.js';

export interface ImportItem {
  /** Where the message came from: the file path, or `path#N` (1-based message number) for mbox. */
  origin: string;
  /** Exact message bytes, re-openable: called up to three times (hash, store, parse). */
  open(): AsyncIterable<Uint8Array>;
  /** Known size in bytes. */
  size: number;
}

export type ImportEvent =
  | { type: 'message'; item: ImportItem }
  /** Not mail (README, json...) met in a directory walk. */
  | { type: 'skipped'; path: string; reason: string }
  /** Unreadable file etc.: reported, and the run goes on. */
  | { type: 'error'; path: string; reason: string };

/**
 * Reads the paths given to `coffer import`, in order. Directories are walked; a file named
 * explicitly is always imported, even if it does not look like mail: the user chose it, and
 * the archive keeps what it is given.
 */
export async function* readImportSources(paths: string[]): AsyncIterable<ImportEvent> {
  const seenDirs = new Set<string>();
  for (const given of paths) {
    let info: Stats;
    try {
      info = await stat(given);
    } catch (err) {
      yield { type: 'error', path: given, reason: errorReason(err) };
      continue;
    }
    if (info.isDirectory()) {
      for await (const entry of walkDirectory(given, seenDirs)) yield* walkEntryEvents(entry);
    } else if (info.isFile()) {
      yield* explicitFileEvents(given, info.size);
    } else {
      yield { type: 'error', path: given, reason: 'not a regular file or directory' };
    }
  }
}

async function* walkEntryEvents(entry: WalkEntry): AsyncGenerator<ImportEvent> {
  if (entry.type !== 'file') yield entry;
  else if (entry.format === 'mbox') yield* mboxEvents(entry.path);
  else yield fileMessage(entry.path, entry.size, entry.bytes);
}

async function* explicitFileEvents(filePath: string, size: number): AsyncGenerator<ImportEvent> {
  const ext = path.extname(filePath).toLowerCase();
  // An .eml is one message even when it opens with a `From ` envelope line: splitting it would
  // cut the message at any unquoted body line starting with `From ` after a blank line.
  if (ext === '.eml') {
    yield fileMessage(filePath, size);
    return;
  }
  let isMbox = ext === '.mbox';
  if (!isMbox) {
    try {
      // BOM + `From `: enough to recognise a separator.
      isMbox = startsWithMboxSeparator(await readHead(filePath, 8));
    } catch (err) {
      yield { type: 'error', path: filePath, reason: errorReason(err) };
      return;
    }
  }
  if (isMbox) yield* mboxEvents(filePath);
  else yield fileMessage(filePath, size);
}

/**
 * Large files stream from disk on every open(), so a 60 MB message is never held in memory;
 * small ones are read in one call (a stream costs more than the read), or not at all when the
 * sniff already read the whole file.
 */
function fileMessage(filePath: string, size: number, whole?: Buffer): ImportEvent {
  // An empty file holds no message; storing zero bytes would only hide a failed save.
  if (size === 0) return { type: 'error', path: filePath, reason: 'empty file: no message' };
  const open = whole ? () => once(whole) : size <= SMALL_FILE_BYTES ? () => readWhole(filePath) : () => createReadStream(filePath);
  return { type: 'message', item: { origin: filePath, size, open } };
}

const SMALL_FILE_BYTES = 1024 * 1024;

async function* readWhole(filePath: string): AsyncIterable<Uint8Array> {
  yield await readFile(filePath);
}

async function* mboxEvents(filePath: string): AsyncGenerator<ImportEvent> {
  let count = 0;
  try {
    for await (const part of splitMbox(createReadStream(filePath))) {
      if (part.type !== 'message') continue;
      count += 1;
      const origin = `${filePath}#${count}`;
      if (part.message.length === 0) {
        yield { type: 'error', path: origin, reason: 'empty message in mbox' };
        continue;
      }
      const bytes = part.message;
      yield { type: 'message', item: { origin, size: bytes.length, open: () => once(bytes) } };
    }
  } catch (err) {
    yield { type: 'error', path: filePath, reason: errorReason(err) };
    return;
  }
  if (count === 0) yield { type: 'error', path: filePath, reason: 'mbox holds no messages' };
}

async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}
