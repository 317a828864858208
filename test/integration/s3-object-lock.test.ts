/**
 * What S3 Object Lock itself enforces, checked against the server with direct S3 calls that
 * bypass the adapter — the adapter's refusals are worth nothing if the bucket would comply.
 */
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../adapters/aws/s3-blob-store.js';
import { requireMoto } from '../services/require-service.js';
import { chunked, collect, sha256 } from '../support/bytes.js';

const MiB = 1024 * 1024;

let client: S3Client;
let bucket: string;
let store: S3BlobStore;

beforeAll(async () => {
  client = new S3Client({
    endpoint: requireMoto(),
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  bucket = `coffer-lock-${randomBytes(6).toString('hex')}`;
  await S3BlobStore.ensureBucket(client, bucket);
  store = new S3BlobStore({ client, bucket });
});

afterAll(() => client.destroy());

const later = (ms: number) => new Date(Date.now() + ms);

/** The server's answer to a call: its error name, or 'ok'. */
async function serverSays(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (err) {
    return (err as { name?: string }).name ?? String(err);
  }
}

async function versionsOf(key: string) {
  const out = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return {
    versions: (out.Versions ?? []).filter((v) => v.Key === key),
    markers: (out.DeleteMarkers ?? []).filter((m) => m.Key === key),
  };
}

async function putLocked(key: string, body: Buffer, retainMs: number): Promise<string> {
  await store.put(key, body, { sha256: sha256(body), retainUntil: later(retainMs) });
  const { versions } = await versionsOf(key);
  expect(versions).toHaveLength(1);
  return versions[0]?.VersionId as string;
}

describe('S3 Object Lock, enforced by the server (moto)', () => {
  it('refuses to delete a locked version, even when asked directly by version id', async () => {
    const body = Buffer.from('locked message');
    const key = `messages/${sha256(body).slice(0, 2)}/${sha256(body)}`;
    const versionId = await putLocked(key, body, 60_000);
    expect(await serverSays(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })))).toBe(
      'AccessDenied',
    );
    expect(await collect(await store.get(key))).toEqual(body);
  });

  it('refuses to delete a version under legal hold after its retention has expired', async () => {
    const body = Buffer.from('held message');
    const key = `messages/${sha256(body).slice(0, 2)}/${sha256(body)}`;
    const versionId = await putLocked(key, body, 1500);
    await store.setLegalHold(key, true);
    await sleep(2500);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeLessThan(Date.now());
    expect(await serverSays(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })))).toBe(
      'AccessDenied',
    );
    await store.setLegalHold(key, false);
    expect(await serverSays(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })))).toBe('ok');
  });

  it('treats a DELETE without version id as a delete marker: the adapter still returns the original bytes', async () => {
    const body = Buffer.from('original bytes');
    const key = `messages/${sha256(body).slice(0, 2)}/${sha256(body)}`;
    const versionId = await putLocked(key, body, 60_000);
    const deleted = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    expect(deleted.DeleteMarker).toBe(true);
    // The plain GET now says the key is gone...
    expect(await serverSays(client.send(new GetObjectCommand({ Bucket: bucket, Key: key })))).toBe('NoSuchKey');
    // ...but the locked version is intact, and the adapter reads it, lists it and reports the marker.
    expect((await versionsOf(key)).versions.map((v) => v.VersionId)).toEqual([versionId]);
    expect(Buffer.from(await store.getBytes(key))).toEqual(body);
    expect(await collect(await store.get(key))).toEqual(body);
    expect(await store.head(key)).toMatchObject({ size: body.length, sha256: sha256(body) });
    expect(await store.verify(key)).toEqual({ ok: true, sha256: sha256(body) });
    const listed: string[] = [];
    for await (const k of store.list(key.slice(0, 12))) listed.push(k);
    expect(listed).toContain(key);
    expect(await store.inspect(key)).toEqual({ versionId, laterVersions: [], deleteMarkers: [deleted.VersionId] });
    // A put over the marker cannot shadow the original either: reads stay on the first version.
    const other = Buffer.from('replacement');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: other }));
    expect(Buffer.from(await store.getBytes(key))).toEqual(body);
  });
});

describe('S3BlobStore multipart uploads (moto)', () => {
  const big = Buffer.alloc(8 * MiB * 2 + 123, 0);
  for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
  const bigKey = `messages/${sha256(big).slice(0, 2)}/${sha256(big)}`;

  it('streams a large body in 8 MiB parts, locked like a small one', async () => {
    const retainUntil = later(60_000);
    const result = await store.put(bigKey, chunked(big, 1024 * 1024 + 7), { sha256: sha256(big), retainUntil });
    expect(result).toEqual({ created: true, size: big.length, retainUntil });
    const head = await store.head(bigKey);
    expect(head).toMatchObject({ size: big.length, sha256: sha256(big), legalHold: false });
    const { versions } = await versionsOf(bigKey);
    const direct = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: bigKey, VersionId: versions[0]?.VersionId }));
    expect(direct.ObjectLockMode).toBe('COMPLIANCE');
    expect(await serverSays(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: bigKey, VersionId: versions[0]?.VersionId })))).toBe(
      'AccessDenied',
    );
    expect(createHash('sha256').update(await collect(await store.get(bigKey))).digest('hex')).toBe(sha256(big));
    expect(await store.verify(bigKey)).toEqual({ ok: true, sha256: sha256(big) });
    expect((await store.put(bigKey, chunked(big), { sha256: sha256(big), retainUntil: later(60_000) })).created).toBe(false);
  });

  it('refuses a large body whose bytes do not match the declared checksum, and stores nothing', async () => {
    const other = Buffer.alloc(9 * MiB, 1);
    const key = 'messages/ff/mismatch';
    await expect(store.put(key, chunked(other), { sha256: sha256(big), retainUntil: later(60_000) })).rejects.toMatchObject({
      code: 'BLOB.CHECKSUM_MISMATCH',
    });
    expect(await store.head(key)).toBeNull();
  });
});
