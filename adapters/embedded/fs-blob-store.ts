import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Dirent } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip, gzip, constants as zlibConstants } from 'node:zlib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BlobBody, BlobHead, BlobStore, PutOptions, PutResult } from '../../shared/ports/blob-store.js';
import type { Clock } from '../../shared/ports/clock.js';
import { BlobLockedError, CofferError, NotFoundError } from '../../shared/errors.js';

/**
 * Write-once blob store on the local filesystem.
 *
 * Each object is a gzip file (`<key>.gz`, readable with zcat) made read-only, and a small
 * JSON lock sidecar (`<key>.lock`) holding its checksum, size and protections. The blob is
 * published with link(2), which fails if the name exists, so two writers can never overwrite
 * each other. Protections are enforced here, in the store, not by callers: delete, overwrite
 * and shortening retention are refused while retain-until is in the future or a hold is set.
 * (File mode bits alone protect nothing from root; they are set to signal intent to operators.)
 */
interface LockRecord {
  sha256: string;
  size: number;
  retainUntil: string;
  legalHold: boolean;
  storedAt: string;
  encoding: 'gzip';
}

const KEY = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;
  /** Directories known to exist: mkdir is a syscall per put otherwise. */
  private readonly dirs = new Set<string>();
  private unflushed = false;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly root: string,
    private readonly clock: Clock,
  ) {
    this.tmpDir = path.join(root, '.tmp');
  }

  async put(key: string, body: BlobBody, options: PutOptions): Promise<PutResult> {
    const file = this.fileOf(key);
    const existing = await this.readLock(key);
    if (existing && (await exists(file))) return this.samePut(key, existing, options);

    await this.ensureDir(path.dirname(file));
    await this.ensureDir(this.tmpDir);
    const tmp = path.join(this.tmpDir, randomBytes(12).toString('hex'));
    const batch = options.durability === 'batch';
    try {
      const { sha256, size } = await writeGzip(body, tmp);
      if (sha256 !== options.sha256) {
        throw new CofferError('BLOB.CHECKSUM_MISMATCH', `bytes for ${key} hash to ${sha256}, not ${options.sha256}`);
      }
      if (!batch) await fsyncFile(tmp);
      const lock: LockRecord = {
        sha256,
        size,
        retainUntil: options.retainUntil.toISOString(),
        legalHold: false,
        storedAt: this.clock.now().toISOString(),
        encoding: 'gzip',
      };
      // Lock first: a blob is never visible without its protections. A first lock is created
      // exclusively, so of two writers racing for one key exactly one sets the protections.
      try {
        await this.writeLock(key, lock, existing, batch);
      } catch (err) {
        if (!existing && isCode(err, 'EEXIST')) return this.samePut(key, (await this.readLock(key)) ?? lock, options);
        throw err;
      }
      try {
        await fsp.link(tmp, file);
      } catch (err) {
        if (isCode(err, 'EEXIST')) return this.samePut(key, (await this.readLock(key)) ?? lock, options);
        throw err;
      }
      if (batch) this.unflushed = true;
      else await fsyncDir(path.dirname(file));
      return { created: true, size, retainUntil: new Date(lock.retainUntil) };
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  /**
   * One syncfs(2) for the whole store (coreutils `sync -f`) instead of three fsyncs per object:
   * bulk imports go from disk-latency-bound to CPU-bound. Falls back to a full `sync`.
   */
  async flush(): Promise<void> {
    // A sync already running may have started before this caller's writes finished: wait for
    // it, then sync again if anything was written since.
    while (this.flushing) await this.flushing;
    if (!this.unflushed) return;
    this.unflushed = false;
    this.flushing = syncFilesystem(this.root).finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  async get(key: string): Promise<AsyncIterable<Uint8Array>> {
    const file = this.fileOf(key);
    if (!(await exists(file))) throw new NotFoundError('BLOB.NOT_FOUND', `object ${key}`);
    return createReadStream(file).pipe(createGunzip());
  }

  async getBytes(key: string): Promise<Uint8Array> {
    const parts: Buffer[] = [];
    for await (const chunk of await this.get(key)) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  }

  async head(key: string): Promise<BlobHead | null> {
    const lock = await this.readLock(key);
    if (!lock || !(await exists(this.fileOf(key)))) return null;
    return {
      key,
      size: lock.size,
      sha256: lock.sha256,
      retainUntil: new Date(lock.retainUntil),
      legalHold: lock.legalHold,
      storedAt: new Date(lock.storedAt),
    };
  }

  /** Like S3: every key that starts with `prefix`, which may end in the middle of a name. */
  async *list(prefix: string): AsyncIterable<string> {
    const cut = prefix.lastIndexOf('/');
    const dirKey = prefix.slice(0, Math.max(cut, 0)).split('/').filter(Boolean).join('/');
    const namePrefix = prefix.slice(cut + 1);
    yield* this.walk(path.join(this.root, ...dirKey.split('/').filter(Boolean)), dirKey, namePrefix);
  }

  async verify(key: string): Promise<{ ok: boolean; sha256: string | null }> {
    const lock = await this.readLock(key);
    if (!lock) return { ok: false, sha256: null };
    const hash = createHash('sha256');
    try {
      for await (const chunk of await this.get(key)) hash.update(chunk);
    } catch (err) {
      if (err instanceof NotFoundError) return { ok: false, sha256: null };
      // A corrupted gzip stream is a fixity failure, not a crash.
      return { ok: false, sha256: null };
    }
    const sha256 = hash.digest('hex');
    return { ok: sha256 === lock.sha256, sha256 };
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    const lock = await this.requireLock(key);
    await this.writeLock(key, { ...lock, legalHold: on }, lock);
  }

  async extendRetention(key: string, until: Date): Promise<void> {
    const lock = await this.requireLock(key);
    if (until.getTime() < new Date(lock.retainUntil).getTime()) {
      throw new BlobLockedError(key, `retention ends ${lock.retainUntil} and can only be extended`);
    }
    await this.writeLock(key, { ...lock, retainUntil: until.toISOString() }, lock);
  }

  async delete(key: string): Promise<void> {
    const lock = await this.requireLock(key);
    if (lock.legalHold) throw new BlobLockedError(key, 'a legal hold is set');
    if (new Date(lock.retainUntil).getTime() > this.clock.now().getTime()) {
      throw new BlobLockedError(key, `retained until ${lock.retainUntil}`);
    }
    await fsp.rm(this.fileOf(key), { force: true });
    await fsp.rm(this.lockOf(key), { force: true });
  }

  private async samePut(key: string, existing: LockRecord, options: PutOptions): Promise<PutResult> {
    if (existing.sha256 !== options.sha256) {
      throw new CofferError('BLOB.EXISTS', `object ${key} exists with other bytes; it cannot be overwritten`);
    }
    return { created: false, size: existing.size, retainUntil: new Date(existing.retainUntil) };
  }

  private async requireLock(key: string): Promise<LockRecord> {
    const lock = await this.readLock(key);
    if (!lock) {
      // A blob without its lock record is treated as protected: fail closed.
      if (await exists(this.fileOf(key))) throw new BlobLockedError(key, 'its lock record is missing');
      throw new NotFoundError('BLOB.NOT_FOUND', `object ${key}`);
    }
    return lock;
  }

  private async readLock(key: string): Promise<LockRecord | null> {
    try {
      return JSON.parse(await fsp.readFile(this.lockOf(key), 'utf8')) as LockRecord;
    } catch (err) {
      if (isCode(err, 'ENOENT')) return null;
      throw err;
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    await fsp.mkdir(dir, { recursive: true });
    this.dirs.add(dir);
  }

  /** Replaces the lock atomically; protections may only grow, whatever the caller asks. */
  private async writeLock(key: string, next: LockRecord, previous: LockRecord | null, batch = false): Promise<void> {
    if (previous && new Date(next.retainUntil) < new Date(previous.retainUntil)) {
      throw new BlobLockedError(key, 'retention cannot be shortened');
    }
    const target = this.lockOf(key);
    await this.ensureDir(path.dirname(target));
    await this.ensureDir(this.tmpDir);
    const tmp = path.join(this.tmpDir, randomBytes(12).toString('hex'));
    await fsp.writeFile(tmp, JSON.stringify(next), { mode: 0o644 });
    if (!batch) await fsyncFile(tmp);
    if (previous) {
      await fsp.rename(tmp, target);
      return;
    }
    try {
      await fsp.link(tmp, target);
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  private async *walk(dir: string, keyPrefix: string, namePrefix = ''): AsyncIterable<string> {
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return;
      throw err;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (!entry.name.startsWith(namePrefix)) continue;
      const key = keyPrefix ? `${keyPrefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) yield* this.walk(path.join(dir, entry.name), key);
      } else if (entry.name.endsWith('.gz')) {
        yield key.slice(0, -3);
      }
    }
  }

  private fileOf(key: string): string {
    return `${this.pathOf(key)}.gz`;
  }

  private lockOf(key: string): string {
    return `${this.pathOf(key)}.lock`;
  }

  private pathOf(key: string): string {
    if (!KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
      throw new CofferError('REQUEST.INVALID', `invalid object key ${JSON.stringify(key)}`);
    }
    return path.join(this.root, ...key.split('/'));
  }
}

/** Gzips the body into `file` while hashing the original bytes; small bodies skip the stream machinery. */
async function writeGzip(body: BlobBody, file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  if (body instanceof Uint8Array) {
    hash.update(body);
    await fsp.writeFile(file, await gzipAsync(body), { mode: 0o444 });
    return { sha256: hash.digest('hex'), size: body.length };
  }
  let size = 0;
  const source = Readable.from(body, { objectMode: false });
  source.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  // Level 6 is zlib's default trade-off; mail text compresses 2–4×, base64 attachments ~25%.
  await pipeline(source, createGzip({ level: zlibConstants.Z_DEFAULT_COMPRESSION }), createWriteStream(file, { mode: 0o444 }));
  return { sha256: hash.digest('hex'), size };
}

async function syncFilesystem(root: string): Promise<void> {
  try {
    await run('sync', ['-f', root]);
  } catch {
    await run('sync', []);
  }
}

const gzipAsync = promisify(gzip);
const run = promisify(execFile);

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
