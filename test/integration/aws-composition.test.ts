import { beforeAll, describe, expect, it } from 'vitest';
import { openTestAws } from '../support/aws.js';
import type { AwsArchive } from '../../functions/compose.js';
import { bytesSource } from '../support/archive.js';
import { buildJournalReport } from '../support/journal.js';
import { composeMail } from '../support/mail.js';
import { collect, sha256 } from '../support/bytes.js';

/** The AWS composition root, built from the environment as a Lambda would, against moto and OpenSearch. */
describe('the AWS composition: S3 Object Lock + DynamoDB + OpenSearch', () => {
  let archive: AwsArchive;

  beforeAll(async () => {
    ({ archive } = await openTestAws('coffer-archive'));
  }, 120_000);

  it('archives split journal reports as one locked message, searchable by every recipient', async () => {
    const original = await composeMail({ from: 'carol@corp.example', to: 'board@corp.example', subject: 'Cloud restatement', text: 'Numbers.' });
    const common = { original, sender: 'carol@corp.example', subject: 'Cloud restatement', messageId: 'cloud@corp.example' };
    const reports = [
      buildJournalReport({ ...common, recipients: [{ address: 'ann@corp.example', kind: 'to' }] }),
      buildJournalReport({ ...common, recipients: [{ address: 'counsel@lawfirm.example', kind: 'bcc' }] }),
    ];
    const results = await archive.ingest.executeMany(
      reports.map((r, i) => ({ source: bytesSource(r), from: 'ses' as const, envelope: { mailFrom: null, rcptTo: ['journal@archive.example'] }, origin: `test-${i}`, deliveryId: `ses-${i}` })),
    );
    const id = sha256(original);
    expect(results.map((r) => (r instanceof Error ? r.message : r.id))).toEqual([id, id]);

    expect((await archive.search.execute({ query: 'bcc:counsel@lawfirm.example' })).hits.map((h) => h.id)).toEqual([id]);
    expect((await archive.search.execute({ query: 'participants:ann@corp.example subject:restatement' })).hits.map((h) => h.id)).toEqual([id]);
    expect(await collect((await archive.read.raw(id)).body)).toEqual(original);
    expect(await archive.read.deliveries(id)).toHaveLength(2);
    // The store itself refuses: the message is under Object Lock.
    await expect(archive.blobs.delete(`messages/${id.slice(0, 2)}/${id}`)).rejects.toMatchObject({ code: 'BLOB.LOCKED' });
    const report = await archive.verify.execute();
    expect(report.problems).toEqual([]);
  });
});
