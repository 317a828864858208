import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../adapters/embedded/fs-blob-store.js';
import { ManualClock, DAY } from '../support/clock.js';
import { sha256 } from '../support/bytes.js';
import { blobStoreContract } from './blob-store.contract.js';

async function tempDir(): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'coffer-blobs-'));
}

blobStoreContract('FsBlobStore', async () => {
  const dir = await tempDir();
  const clock = new ManualClock();
  return {
    store: new FsBlobStore(dir, clock),
    clock,
    elapse: async (ms) => clock.advance(ms),
    shortRetentionMs: 2000,
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  };
});

describe('FsBlobStore on disk', () => {
  it('keeps objects read-only, compressed, and readable with zcat', async () => {
    const dir = await tempDir();
    const store = new FsBlobStore(dir, new ManualClock());
    const body = Buffer.from('Subject: x\r\n\r\n' + 'hello archive '.repeat(500));
    await store.put('messages/ab/abc', body, { sha256: sha256(body), retainUntil: new Date(Date.now() + DAY) });
    const file = path.join(dir, 'messages', 'ab', 'abc.gz');
    const stat = await fsp.stat(file);
    expect(stat.mode & 0o222).toBe(0);
    expect(stat.size).toBeLessThan(body.length / 5);
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(await fsp.readFile(file))).toEqual(body);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('fails closed: an object whose lock record is missing cannot be deleted', async () => {
    const dir = await tempDir();
    const clock = new ManualClock();
    const store = new FsBlobStore(dir, clock);
    const body = Buffer.from('x');
    await store.put('messages/ab/x', body, { sha256: sha256(body), retainUntil: new Date(clock.now().getTime() + 1) });
    await fsp.rm(path.join(dir, 'messages', 'ab', 'x.lock'));
    clock.advance(DAY);
    await expect(store.delete('messages/ab/x')).rejects.toMatchObject({ code: 'BLOB.LOCKED' });
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('refuses keys that could escape the store', async () => {
    const dir = await tempDir();
    const store = new FsBlobStore(dir, new ManualClock());
    await expect(store.head('../etc/passwd')).rejects.toMatchObject({ code: 'REQUEST.INVALID' });
    await fsp.rm(dir, { recursive: true, force: true });
  });
});
