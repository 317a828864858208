import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../adapters/aws/s3-blob-store.js';
import { requireMoto } from '../services/require-service.js';
import { blobStoreContract } from './blob-store.contract.js';

function motoClient(): S3Client {
  return new S3Client({
    endpoint: requireMoto(),
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** Best effort: COMPLIANCE-locked versions cannot be deleted (that is the point); moto forgets them on restart. */
async function dropBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
      await client
        .send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId, BypassGovernanceRetention: true }))
        .catch(() => undefined);
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch {
    // Locked objects remain; so does the bucket.
  }
}

blobStoreContract('S3BlobStore (moto)', async () => {
  const client = motoClient();
  const bucket = `coffer-contract-${randomBytes(6).toString('hex')}`;
  await S3BlobStore.ensureBucket(client, bucket);
  // Real time, read once and then moved only by elapse(), which really waits: the contract compares
  // retain-until dates to the millisecond (`later(30)` at put time and again at assertion time), so
  // a free-running clock would drift between the two. It never runs ahead of the server's clock,
  // so retention computed from it has really passed after elapse().
  let now = Date.now();
  return {
    // Production mode: COMPLIANCE, so the contract's refusals come from Object Lock itself.
    store: new S3BlobStore({ client, bucket }),
    clock: { now: () => new Date(now) },
    elapse: async (ms) => {
      await sleep(ms);
      now += ms;
    },
    shortRetentionMs: 2000,
    cleanup: async () => {
      await dropBucket(client, bucket);
      client.destroy();
    },
  };
});
